//! The known differences between the generated code and roas-arazzo-executor, each with its
//! class and the reason. The test fails when one appears that is not here, or one here no
//! longer happens.

use super::sent::Difference;

/// Whose the difference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// A bug in arazzo-codegen, to fix (the entry goes away with the fix).
    OurBug,
    /// A bug or limitation of roas-arazzo-executor.
    TheirBug,
    /// Both readings are defensible; ours is documented in the README's Decisions.
    Deliberate,
}

/// One row of the table.
pub(crate) struct Known {
    pub(crate) workflow: &'static str,
    pub(crate) step: &'static str,
    pub(crate) aspect: &'static str,
    pub(crate) ours: &'static str,
    pub(crate) theirs: &'static str,
    pub(crate) class: Class,
    pub(crate) why: &'static str,
}

impl Known {
    pub(crate) fn difference(&self) -> Difference {
        Difference {
            workflow: self.workflow.to_owned(),
            step: self.step.to_owned(),
            aspect: self.aspect.to_owned(),
            ours: self.ours.to_owned(),
            theirs: self.theirs.to_owned(),
        }
    }
}

/// A difference written as the table's fields, to paste into [`KNOWN`].
pub(crate) fn literal(difference: &Difference) -> String {
    format!(
        "workflow: {:?}, step: {:?}, aspect: {:?}, ours: {:?}, theirs: {:?}",
        difference.workflow, difference.step, difference.aspect, difference.ours, difference.theirs
    )
}

/// The table. Two wrong requests the issue names are not here because both implementations
/// send them the same way, so a diff cannot see them: `form-bodies` / `wholeForm`
/// (`payload: $inputs.form` under `application/x-www-form-urlencoded`) goes as JSON text from
/// both. When arazzo-codegen fixes it, a new difference appears there (ours: form fields,
/// theirs: JSON text, a limitation of roas-arazzo-executor) and belongs here as `TheirBug`.
pub(crate) const KNOWN: &[Known] = &[
    Known {
        workflow: "parameters",
        step: "getItem",
        aspect: "cookie",
        ours: "session=a%20b%3Bc",
        theirs: "session=a b;c",
        class: Class::Deliberate,
        why: "a cookie value is percent-encoded: RFC 6265 cookie-octets exclude space, `;`, `,`, \
              `\"` and `\\`; sent raw, `a b;c` ends the cookie at `;` and starts another, `c`",
    },
    Known {
        workflow: "parameters",
        step: "getNext",
        aspect: "query",
        ours: "limit=5 & tags=red & tags=big blue",
        theirs: "limit=5 & tags=[\"red\",\"big blue\"]",
        class: Class::TheirBug,
        why: "an array query parameter follows OpenAPI `style: form, explode: true` (the default): \
              the name repeated per item; roas-arazzo-executor sends the array's JSON text",
    },
    Known {
        workflow: "auth-headers",
        step: "unbraced",
        aspect: "header authorization",
        ours: "Bearer T0K",
        theirs: "Bearer $steps.login.outputs.token",
        class: Class::Deliberate,
        why: "an unbraced expression inside a longer string is interpolated as the author meant, \
              with a build warning showing the braced form (an error under `strict`); Arazzo \
              1.0.1 embeds only `{$...}`, so roas-arazzo-executor sends the text as written",
    },
    Known {
        workflow: "auth-headers",
        step: "preRelease",
        aspect: "header authorization",
        ours: "T0K",
        theirs: "Bearer $steps.login.token",
        class: Class::OurBug,
        why: "issue #9: the build warning says `Bearer $steps.login.token` is read as \
              `$steps.login.outputs.token`, but the generated code sends only the token and drops \
              `Bearer `; the fix sends `Bearer T0K` (and this entry becomes a deliberate reading \
              like `unbraced`)",
    },
    Known {
        workflow: "form-bodies",
        step: "literalForm",
        aspect: "body",
        ours: "form name=Ann Lee & note=a b&c=d & qty=2",
        theirs: "JSON text as a form: {\"name\":\"Ann Lee\",\"note\":\"a b&c=d\",\"qty\":2}",
        class: Class::TheirBug,
        why: "roas-arazzo-executor encodes every non-string payload as JSON whatever the content \
              type; an `application/x-www-form-urlencoded` payload object is form fields",
    },
    Known {
        workflow: "absent-values",
        step: "-",
        aspect: "outcome",
        ours: "succeeded",
        theirs: "error: `$inputs.maybe` names an input named `maybe`",
        class: Class::TheirBug,
        why: "roas-arazzo-executor cannot run a workflow that reads an optional input the caller \
              left out: the expression is an error before the first request; ours leaves the \
              value out of the query, header, cookie, JSON member and form field",
    },
    Known {
        workflow: "absent-values",
        step: "-",
        aspect: "requests",
        ours: "GET /items/absent, POST /items, POST /forms",
        theirs: "",
        class: Class::TheirBug,
        why: "follows from the `outcome` entry above: roas-arazzo-executor sends nothing",
    },
];
