//! Finding a workflow's function in generated code.
//!
//! The generator's naming (workflowId → function and type names) is private to it, so the
//! generated code itself is read: each workflow is a `pub async fn` whose body hands the
//! workflowId, as a string literal, to the runtime's `deadline::run`.

use quote::ToTokens;

/// What calling one workflow takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The function's name.
    pub(crate) function: String,
    /// The inputs struct's name, when the workflow takes inputs.
    pub(crate) inputs: Option<String>,
}

/// The entry of `workflow` in `code`, or an error listing the workflows there are.
pub(crate) fn find(code: &str, workflow: &str) -> Result<Entry, String> {
    let file =
        syn::parse_file(code).map_err(|e| format!("the generated code does not parse: {e}"))?;
    let mut ids = Vec::new();
    for item in &file.items {
        let syn::Item::Fn(f) = item else { continue };
        if f.sig.asyncness.is_none() || !matches!(f.vis, syn::Visibility::Public(_)) {
            continue;
        }
        let Some(id) = workflow_id(&f.block.to_token_stream().to_string()) else {
            continue;
        };
        if id == workflow {
            let inputs = f.sig.inputs.iter().nth(1).and_then(|arg| match arg {
                syn::FnArg::Typed(typed) => Some(typed.ty.to_token_stream().to_string()),
                syn::FnArg::Receiver(_) => None,
            });
            return Ok(Entry {
                function: f.sig.ident.to_string(),
                inputs: inputs.map(|t| t.replace(' ', "")),
            });
        }
        ids.push(id);
    }
    Err(if ids.is_empty() {
        "the document has no workflows".to_owned()
    } else {
        format!(
            "no workflow `{workflow}` in the document; its workflows: {}",
            ids.iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The string literal passed first after `client` to `deadline :: run (` in a token string.
fn workflow_id(body: &str) -> Option<String> {
    let call = body.find("deadline :: run (")?;
    let rest = &body[call..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = r#"
pub async fn buy_pet(client: &::arazzo_runtime::Client, inputs: BuyPetInputs) -> Result<BuyPetOutputs, ::arazzo_runtime::WorkflowError> {
    let mut out = None;
    let steps = Box::pin(buy_pet_steps(client, inputs, &mut out));
    ::arazzo_runtime::__private::deadline::run(client, "buy-pet", steps).await?;
    ::arazzo_runtime::__private::deadline::finish(out, "buy-pet")
}
pub async fn ping(client: &::arazzo_runtime::Client) -> Result<PingOutputs, ::arazzo_runtime::WorkflowError> {
    ::arazzo_runtime::__private::deadline::run(client, "ping", Box::pin(ping_steps(client))).await
}
"#;

    #[test]
    fn workflows_are_found_by_id_with_or_without_inputs() {
        assert_eq!(
            find(CODE, "buy-pet"),
            Ok(Entry {
                function: "buy_pet".into(),
                inputs: Some("BuyPetInputs".into())
            })
        );
        assert_eq!(find(CODE, "ping").map(|e| e.inputs), Ok(None));
        assert_eq!(
            find(CODE, "sell-pet"),
            Err("no workflow `sell-pet` in the document; its workflows: `buy-pet`, `ping`".into())
        );
    }
}
