//! Conditions printed back as text that parses to the same condition. Only the tests and the
//! `codegen_condition` fuzz target print whole conditions (a diagnostic quotes the document's
//! text, and prints an operand at most), so build scripts do not compile this.

use std::fmt;

use super::{Condition, LEFT_CHAIN};

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_condition(f, self, 0)
    }
}

/// Writes `c`, parenthesised when it binds looser than `min` (0 none, 1 `||`, 2 `&&`, 3 unary).
fn write_condition(f: &mut fmt::Formatter<'_>, c: &Condition, min: u8) -> fmt::Result {
    if let Some(and) = joins(c) {
        // A chain as the parser builds it prints flat: the balanced grouping of a long one
        // comes back on reading, and parentheses showing it would nest deeper than the text
        // that was read (past the limit, for a term already at it).
        let mut terms = Vec::new();
        chain_terms(c, and, &mut terms);
        if has_chain_shape(c, and, terms.len()) {
            let (precedence, join) = if and { (2, " && ") } else { (1, " || ") };
            return grouped(f, min > precedence, |f| {
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(join)?;
                    }
                    write_condition(f, term, precedence + 1)?;
                }
                Ok(())
            });
        }
    }
    match c {
        Condition::Or(a, b) => grouped(f, min > 1, |f| {
            write_condition(f, a, 1)?;
            f.write_str(" || ")?;
            write_condition(f, b, 2)
        }),
        Condition::And(a, b) => grouped(f, min > 2, |f| {
            write_condition(f, a, 2)?;
            f.write_str(" && ")?;
            write_condition(f, b, 3)
        }),
        Condition::Not(inner) => {
            f.write_str("!")?;
            match inner.as_ref() {
                Condition::Operand(_) | Condition::Not(_) => write_condition(f, inner, 3),
                // `!(a == b)`: explicit, though `!a == b` would read back the same.
                other => grouped(f, true, |f| write_condition(f, other, 0)),
            }
        }
        Condition::Compare { op, left, right } => write!(f, "{left} {op} {right}"),
        Condition::Operand(o) => write!(f, "{o}"),
    }
}

/// `Some(true)` for `&&`, `Some(false)` for `||`, `None` for anything else.
fn joins(c: &Condition) -> Option<bool> {
    match c {
        Condition::And(..) => Some(true),
        Condition::Or(..) => Some(false),
        _ => None,
    }
}

/// The two sides of `c` when it joins with `&&` (`and`) or `||` (not `and`).
fn sides(c: &Condition, and: bool) -> Option<(&Condition, &Condition)> {
    match c {
        Condition::And(a, b) if and => Some((a, b)),
        Condition::Or(a, b) if !and => Some((a, b)),
        _ => None,
    }
}

/// The terms the `&&` (`and`) or `||` nodes at the top of `c` join, in order.
fn chain_terms<'c>(c: &'c Condition, and: bool, terms: &mut Vec<&'c Condition>) {
    match sides(c, and) {
        Some((a, b)) => {
            chain_terms(a, and, terms);
            chain_terms(b, and, terms);
        }
        None => terms.push(c),
    }
}

/// Whether `c` groups its `terms` terms as [`chain`](super::chain) does: written flat, it
/// reads back as `c`. Recurses `log2(terms)` deep.
fn has_chain_shape(c: &Condition, and: bool, terms: usize) -> bool {
    if terms > LEFT_CHAIN {
        let left = terms / 2;
        return sides(c, and).is_some_and(|(a, b)| {
            has_chain_shape(a, and, left) && has_chain_shape(b, and, terms - left)
        });
    }
    // Nested to the left: every right side is a term.
    let mut node = c;
    for _ in 1..terms {
        match sides(node, and) {
            Some((a, b)) if sides(b, and).is_none() => node = a,
            _ => return false,
        }
    }
    sides(node, and).is_none()
}

fn grouped(
    f: &mut fmt::Formatter<'_>,
    parens: bool,
    body: impl FnOnce(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    if parens {
        f.write_str("(")?;
    }
    body(f)?;
    if parens {
        f.write_str(")")?;
    }
    Ok(())
}
