//! Success criteria that test a status the operation does not document: after a provider
//! changes `201` to `200`, `$statusCode == 201` would fail every run; the build says so.

use serde_json::Value;

use super::Cx;
use crate::criteria::condition::{self, CmpOp, Condition, Literal, Operand};
use crate::diagnostic::Diagnostic;
use crate::expr::Expr;
use crate::model::Step;
use crate::openapi::Operation;

/// Warns for each `$statusCode == n` (or `<`, `<=`, `>`, `>=` a number) in the step's `simple`
/// success criteria that no documented response of `op` can meet. A `default` response
/// documents every status and `2XX` every status from 200 to 299. `!=` is left alone: "not
/// 404" is a natural guard whatever the API documents.
pub(super) fn check(cx: &mut Cx<'_>, op: &Operation, step: &Step, sp: &str) {
    if op.responses.is_empty() || op.responses.iter().any(|r| r.status == "default") {
        return;
    }
    for (i, c) in step.success_criteria.iter().flatten().enumerate() {
        let simple = match &c.kind {
            None => true,
            Some(Value::String(t)) => t == "simple",
            Some(_) => false,
        };
        if !simple {
            continue;
        }
        // An unparsable condition is reported where the criteria are checked.
        let Ok(parsed) = condition::parse(&c.condition) else {
            continue;
        };
        let mut tests = Vec::new();
        compares(&parsed, &mut tests);
        let pointer = format!("{sp}/successCriteria/{i}/condition");
        for (op_kind, status) in tests {
            if !documented(op, op_kind, status) {
                report(cx, op, &c.condition, &pointer, op_kind, status);
            }
        }
    }
}

/// Every `$statusCode <op> <number>` in the condition, as `$statusCode <op> n`.
fn compares(c: &Condition, out: &mut Vec<(CmpOp, u64)>) {
    match c {
        // The parser keeps `&&`/`||` chains balanced and `!` nesting bounded: shallow.
        Condition::Or(a, b) | Condition::And(a, b) => {
            compares(a, out);
            compares(b, out);
        }
        Condition::Not(a) => compares(a, out),
        Condition::Compare { op, left, right } => {
            let status = |o: &Operand| matches!(o, Operand::Expr { expr: Expr::StatusCode, path, .. } if path.is_empty());
            let number = |o: &Operand| match o {
                Operand::Literal(Literal::Number(n)) => n.as_u64(),
                _ => None,
            };
            if status(left)
                && let Some(n) = number(right)
            {
                out.push((*op, n));
            } else if status(right)
                && let Some(n) = number(left)
            {
                let flipped = match op {
                    CmpOp::Lt => CmpOp::Gt,
                    CmpOp::Le => CmpOp::Ge,
                    CmpOp::Gt => CmpOp::Lt,
                    CmpOp::Ge => CmpOp::Le,
                    same => *same,
                };
                out.push((flipped, n));
            }
        }
        Condition::Operand(_) => {}
    }
}

/// Whether some documented response (an exact code or a `2XX`-style range) can meet
/// `$statusCode <op> status`.
fn documented(op: &Operation, cmp: CmpOp, status: u64) -> bool {
    let meets = |code: u64| match cmp {
        CmpOp::Eq => code == status,
        CmpOp::Ne => true,
        CmpOp::Lt => code < status,
        CmpOp::Le => code <= status,
        CmpOp::Gt => code > status,
        CmpOp::Ge => code >= status,
    };
    op.responses.iter().any(|r| match r.status.parse::<u64>() {
        Ok(code) => meets(code),
        Err(_) => match r.status.as_bytes() {
            [d @ b'1'..=b'5', x, y]
                if x.eq_ignore_ascii_case(&b'x') && y.eq_ignore_ascii_case(&b'x') =>
            {
                let low = u64::from(d - b'0') * 100;
                (low..low + 100).any(meets)
            }
            // Not a status key: the OpenAPI reader reports it.
            _ => true,
        },
    })
}

fn report(cx: &mut Cx<'_>, op: &Operation, text: &str, pointer: &str, cmp: CmpOp, status: u64) {
    let documented: Vec<String> = op
        .responses
        .iter()
        .map(|r| format!("`{}`", r.status))
        .collect();
    let span = match literal_range(text, status) {
        Some(range) => cx.span_in_string(pointer, text, range),
        None => cx.span(pointer),
    };
    let (file, at) = &op.location;
    let responses = cx
        .files
        .key_span(*file, &format!("{at}/responses"))
        .or_else(|| cx.files.span(*file, at));
    let name = op.name();
    let (message, label) = if cmp == CmpOp::Eq {
        (
            format!(
                "`{name}` does not document status {status}; it documents {}",
                documented.join(", ")
            ),
            "no response of the operation has this status".to_owned(),
        )
    } else {
        (
            format!(
                "no status `{name}` documents is {} {status}; it documents {}",
                cmp.as_str(),
                documented.join(", ")
            ),
            "no documented status meets this".to_owned(),
        )
    };
    cx.push(
        Diagnostic::warning("undocumented-status", message)
            .at(span)
            .label(label)
            .secondary(responses, format!("the responses of `{name}`"))
            .help(
                "test a status the operation documents, or document this one under the operation's `responses`",
            ),
    );
}

/// Where the number `status` is written in the condition: its first occurrence not inside a
/// longer number or name.
fn literal_range(text: &str, status: u64) -> Option<std::ops::Range<usize>> {
    let wanted = status.to_string();
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'_';
    text.match_indices(&wanted)
        .map(|(start, _)| start..start + wanted.len())
        .find(|r| {
            let before = r.start.checked_sub(1).and_then(|i| bytes.get(i));
            let after = bytes.get(r.end);
            !before.is_some_and(|b| word(*b)) && !after.is_some_and(|b| word(*b))
        })
}

#[cfg(test)]
mod tests {
    use super::literal_range;

    #[test]
    fn the_literal_not_a_longer_number() {
        assert_eq!(literal_range("$statusCode == 201", 201), Some(15..18));
        assert_eq!(
            literal_range("$statusCode == 2010 || $statusCode == 201", 201),
            Some(38..41)
        );
        assert_eq!(literal_range("$statusCode == 20", 201), None);
    }
}
