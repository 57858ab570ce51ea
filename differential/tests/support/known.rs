//! The known differences between the generated code and roas-arazzo-executor, each with its
//! class and the reason. The test fails when one appears that is not here, or one here no
//! longer happens.

use super::sent::Difference;

/// Whose the difference is. (A bug of ours is fixed, not listed: the last ones, from issue #9,
/// are gone.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
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

/// The table.
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
        ours: "Bearer T0K",
        theirs: "Bearer $steps.login.token",
        class: Class::Deliberate,
        why: "a pre-1.0.1 step reference inside a longer string is read as \
              `$steps.login.outputs.token` with the text around it kept, with a \
              `lenient-expression` warning showing `Bearer {$steps.login.outputs.token}` (an \
              error under `strict`); roas-arazzo-executor sends the text as written, as for \
              `unbraced`",
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
        workflow: "form-bodies",
        step: "wholeForm",
        aspect: "body",
        ours: "form name=Bo & Co & qty=4",
        theirs: "JSON text as a form: {\"name\":\"Bo & Co\",\"qty\":4}",
        class: Class::TheirBug,
        why: "a computed object (`payload: $inputs.form`) under \
              `application/x-www-form-urlencoded` is its members as form fields, as the same \
              object written out is (`literalForm`); roas-arazzo-executor sends JSON text",
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
    Known {
        workflow: "calls-workflow-outputs",
        step: "-",
        aspect: "outcome",
        ours: "succeeded",
        theirs: "error: `$outputs.code` names an output named `code`",
        class: Class::Deliberate,
        why: "in the outputs of a step that calls a workflow, `$outputs.<name>` reads the called \
              workflow's outputs (Arazzo 1.0.1 does not say what `$outputs` means inside a \
              step); roas-arazzo-executor reads it as the calling workflow's own outputs and \
              stops. `$workflows.<id>.outputs.<name>` from a later step means the same to both \
              (`calls-workflow`)",
    },
    Known {
        workflow: "calls-workflow-outputs",
        step: "-",
        aspect: "requests",
        ours: "POST /audit, GET /items/code-204",
        theirs: "POST /audit",
        class: Class::Deliberate,
        why: "follows from the `outcome` entry above",
    },
    Known {
        workflow: "absent-step-output",
        step: "form",
        aspect: "body",
        ours: "form name=fixed",
        theirs: "JSON text as a form: {\"name\":\"fixed\",\"note\":null}",
        class: Class::TheirBug,
        why: "an absent step output leaves its form field out (the one rule for absent values); \
              roas-arazzo-executor sends the form as JSON text, as in `literalForm`",
    },
    Known {
        workflow: "absent-step-output",
        step: "json",
        aspect: "body",
        ours: "json {\"name\":\"fixed\"}",
        theirs: "json {\"name\":\"fixed\",\"note\":null}",
        class: Class::Deliberate,
        why: "an absent value (here a step output the response gives as `null`) leaves its JSON \
              member out, as it leaves a query parameter, header, cookie or form field out \
              (README, Decisions: one rule for absent values); roas-arazzo-executor copies the \
              `null`",
    },
    Known {
        workflow: "absent-step-output",
        step: "header",
        aspect: "header x-note",
        ours: "<none>",
        theirs: "null",
        class: Class::TheirBug,
        why: "roas-arazzo-executor writes an absent (`null`) value into a header as the text \
              `null`; ours leaves the header out, as for an absent optional input",
    },
    Known {
        workflow: "absent-step-output",
        step: "-",
        aspect: "outcome",
        ours: "failed at `path`",
        theirs: "succeeded",
        class: Class::TheirBug,
        why: "an absent value as a path parameter: ours fails the step before sending (the \
              documented rule); roas-arazzo-executor requests `/items/null`",
    },
    Known {
        workflow: "absent-step-output",
        step: "-",
        aspect: "requests",
        ours: "GET /items/lookup, POST /items, POST /forms, GET /items/header",
        theirs: "GET /items/lookup, POST /items, POST /forms, GET /items/header, GET /items/null",
        class: Class::TheirBug,
        why: "follows from the `outcome` entry above",
    },
];
