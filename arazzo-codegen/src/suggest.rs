//! "Did you mean": the one similarity measure and threshold behind every suggestion.
//!
//! A leaf beside [`crate::diagnostic`]: every layer that writes a help line may use it.

/// The least case-insensitive Jaro-Winkler score that counts as "close".
const THRESHOLD: f64 = 0.8;

/// How many suggestions a help line names at most.
const MAX: usize = 3;

/// The candidates closest to `wanted`, best first, at most three, ties alphabetical.
///
/// A slice, not a generic iterator: some thirty callers each passed their own iterator type,
/// and every one compiled its own copy of this function and of the stable sort in it.
pub(crate) fn similar<'a>(wanted: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let lower = wanted.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .map(|&c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(MAX).map(|(_, c)| c).collect()
}

/// The candidate closest to `wanted`, if any is close.
pub(crate) fn closest<'a>(wanted: &str, candidates: &[&'a str]) -> Option<&'a str> {
    similar(wanted, candidates).first().copied()
}

/// The candidate closest to `wanted` however far it is (ties alphabetical): for a name that
/// is gone, such as a renamed property, where the nearest remaining one is the best guess.
pub(crate) fn nearest<'a>(wanted: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    candidates
        .iter()
        .map(|&c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .min_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// `` `a`, `b` or `c` `` for help lines.
pub(crate) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_first_at_most_three() {
        let names = ["sendToAll", "sendToAllx", "sendTo", "sendT", "health"];
        assert_eq!(
            similar("sendToAl", &names),
            vec!["sendToAll", "sendToAllx", "sendTo"]
        );
        assert_eq!(closest("PAR", &["Par"]), Some("Par"));
        assert_eq!(closest("somethingElseEntirely", &names), None);
        assert_eq!(nearest("total", &["orderId", "amount"]), Some("amount"));
        assert_eq!(nearest("total", &[]), None);
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(one_of(&[]), "");
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
