//! Results: one row per document, the totals, and the queue of what blocks documents.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// What became of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Generated, and the code compiled.
    Compiled,
    /// Generated; not compiled (`--no-compile`, or before the compile step).
    Generated,
    /// Rejected with exactly the diagnostics the expectation table lists.
    Diagnosed,
    /// Blocked by an `unsupported-feature` error (not a failure for now).
    Unsupported,
    /// Blocked by a generator bug listed in `KNOWN_BUGS` (not a failure until it is fixed).
    KnownBug,
    /// Anything else: a wrong or missing diagnostic, or code that does not compile.
    Failed,
}

impl Outcome {
    /// The name shown in the table.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Compiled => "generated+compiled",
            Outcome::Generated => "generated",
            Outcome::Diagnosed => "diagnosed",
            Outcome::Unsupported => "unsupported",
            Outcome::KnownBug => "known-bug",
            Outcome::Failed => "failed",
        }
    }

    const ALL: [Outcome; 6] = [
        Outcome::Compiled,
        Outcome::Generated,
        Outcome::Diagnosed,
        Outcome::Unsupported,
        Outcome::KnownBug,
        Outcome::Failed,
    ];
}

/// One document's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Path relative to the folder, `/`-separated.
    pub document: String,
    /// The result.
    pub outcome: Outcome,
    /// The first diagnostic's first line, the compile error, or what was expected.
    pub detail: String,
    /// For blocked documents: every feature (grouped message) and known bug in the way.
    pub blockers: Vec<String>,
}

/// One entry of the work queue: something that blocks documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The grouped diagnostic message, or `bug <id>: <summary>`.
    pub key: String,
    /// The documents it blocks.
    pub documents: Vec<String>,
    /// How many of them it alone blocks (fixing it alone would unblock them).
    pub sole: usize,
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct Report {
    /// One row per document, in path order.
    pub rows: Vec<Row>,
    /// Table entries nothing matched: fixed bugs, renamed documents.
    pub stale: Vec<String>,
    /// How many `cargo build` runs compiling took, when compiling was asked for.
    pub compile_rounds: Option<usize>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Report {
    /// A report of `rows`.
    pub fn new(
        rows: Vec<Row>,
        stale: Vec<String>,
        compile_rounds: Option<usize>,
        elapsed: Duration,
    ) -> Self {
        Self {
            rows,
            stale,
            compile_rounds,
            elapsed,
        }
    }

    /// Whether any row failed (the command then exits 1).
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|r| r.outcome == Outcome::Failed)
    }

    /// How many rows have `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.rows.iter().filter(|r| r.outcome == outcome).count()
    }

    /// What blocks documents, the most-blocking first.
    pub fn queue(&self) -> Vec<Blocker> {
        let mut by_key: BTreeMap<&str, Blocker> = BTreeMap::new();
        for row in &self.rows {
            for key in &row.blockers {
                let entry = by_key.entry(key).or_insert_with(|| Blocker {
                    key: key.clone(),
                    documents: Vec::new(),
                    sole: 0,
                });
                entry.documents.push(row.document.clone());
                if row.blockers.len() == 1 {
                    entry.sole += 1;
                }
            }
        }
        let mut queue: Vec<Blocker> = by_key.into_values().collect();
        queue.sort_by(|a, b| {
            (b.documents.len(), b.sole)
                .cmp(&(a.documents.len(), a.sole))
                .then_with(|| a.key.cmp(&b.key))
        });
        queue
    }

    /// The table, totals, time and queue, as printed by the command.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let width = self
            .rows
            .iter()
            .map(|r| r.document.chars().count())
            .max()
            .unwrap_or(0)
            .max("document".len());
        let _ = writeln!(out, "{:<width$}  {:<18}  detail", "document", "result");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "{:<width$}  {:<18}  {}",
                row.document,
                row.outcome.name(),
                row.detail.lines().next().unwrap_or_default()
            );
        }
        let _ = writeln!(out, "\n{}", self.totals());
        let queue = self.queue();
        if !queue.is_empty() {
            let _ = writeln!(
                out,
                "\nwhat blocks the most documents (documents blocked / blocked by this alone):"
            );
            for b in &queue {
                let _ = writeln!(out, "{:>4} {:>4}  {}", b.documents.len(), b.sole, b.key);
            }
        }
        for s in &self.stale {
            let _ = writeln!(out, "stale table entry: {s}");
        }
        out
    }

    /// `N documents: a generated+compiled, b diagnosed, ... in 12.3 s`.
    pub fn totals(&self) -> String {
        let parts: Vec<String> = Outcome::ALL
            .iter()
            .filter(|o| self.count(**o) > 0 || **o == Outcome::Failed)
            .map(|o| format!("{} {}", self.count(*o), o.name()))
            .collect();
        let rounds = match self.compile_rounds {
            Some(1) => " (1 cargo build)".to_owned(),
            Some(n) => format!(" ({n} cargo builds)"),
            None => " (not compiled: --no-compile)".to_owned(),
        };
        format!(
            "{} documents: {} in {:.1} s{rounds}",
            self.rows.len(),
            parts.join(", "),
            self.elapsed.as_secs_f64()
        )
    }

    /// The work queue as Markdown: each blocker with the documents it blocks.
    pub fn queue_markdown(&self) -> String {
        let mut out = String::from(
            "# Conformance work queue\n\n\
             Written by `arazzo-codegen conformance` on every run: what keeps corpus documents \
             from generating, the most-blocking first. `alone` counts the documents this is the \
             only blocker of.\n\n",
        );
        let _ = writeln!(out, "{}\n", self.totals());
        let _ = writeln!(out, "| documents | alone | blocker |\n|---:|---:|---|");
        let queue = self.queue();
        for b in &queue {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                b.documents.len(),
                b.sole,
                b.key.replace('|', "\\|")
            );
        }
        for b in &queue {
            let _ = writeln!(out, "\n## {}\n", b.key);
            for d in &b.documents {
                let _ = writeln!(out, "- `{d}`");
            }
        }
        let failed: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.outcome == Outcome::Failed)
            .collect();
        if !failed.is_empty() {
            let _ = writeln!(out, "\n## failed\n");
            for r in failed {
                let _ = writeln!(out, "- `{}`: {}", r.document, r.detail);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(document: &str, outcome: Outcome, blockers: &[&str]) -> Row {
        Row {
            document: document.to_owned(),
            outcome,
            detail: String::new(),
            blockers: blockers.iter().map(|b| (*b).to_owned()).collect(),
        }
    }

    #[test]
    fn the_queue_puts_the_most_blocking_first_and_counts_sole_blockers() {
        let report = Report::new(
            vec![
                row("a", Outcome::Unsupported, &["onSuccess"]),
                row("b", Outcome::Unsupported, &["onFailure", "onSuccess"]),
                row("c", Outcome::Unsupported, &["onFailure", "onSuccess"]),
                row("d", Outcome::Compiled, &[]),
            ],
            Vec::new(),
            Some(1),
            Duration::from_secs(1),
        );
        let queue = report.queue();
        assert_eq!(queue[0].key, "onSuccess");
        assert_eq!(queue[0].documents, vec!["a", "b", "c"]);
        assert_eq!(queue[0].sole, 1);
        assert_eq!(queue[1].key, "onFailure");
        assert_eq!(queue[1].sole, 0);
        assert!(!report.failed());
        assert!(
            report
                .totals()
                .starts_with("4 documents: 1 generated+compiled, 3 unsupported, 0 failed")
        );
    }
}
