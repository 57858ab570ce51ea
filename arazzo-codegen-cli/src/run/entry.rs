//! Finding a workflow's function in generated code.
//!
//! The generator's naming (workflowId → function and type names) is private to it, so the
//! generated code itself is read: each workflow is a `pub fn` whose body hands the
//! workflowId, as a string literal, to the runtime's `deadline::workflow`.

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
    let functions: std::collections::HashMap<String, &syn::ItemFn> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(f) => Some((f.sig.ident.to_string(), f)),
            _ => None,
        })
        .collect();
    // Only the functions looked at are turned into token strings: the steps' are large.
    let id_in = |f: &syn::ItemFn| workflow_id(&f.block.to_token_stream().to_string());
    let mut ids = Vec::new();
    for item in &file.items {
        let syn::Item::Fn(f) = item else { continue };
        if !matches!(f.vis, syn::Visibility::Public(_)) {
            continue;
        }
        // A workflow other workflows call hands its work to `<name>_with_status`.
        let with_status = functions.get(&format!("{}_with_status", f.sig.ident));
        let Some(id) = id_in(f).or_else(|| with_status.and_then(|w| id_in(w))) else {
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

/// The string literal passed first after `client` to `deadline :: workflow (` in a token
/// string.
fn workflow_id(body: &str) -> Option<String> {
    let call = body.find("deadline :: workflow (")?;
    let rest = &body[call..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = r#"
pub fn buy_pet(client: &::arazzo_runtime::Client, inputs: BuyPetInputs) -> impl ::core::future::Future<Output = ::core::result::Result<BuyPetOutputs, ::arazzo_runtime::WorkflowError>> + Send + '_ {
    ::arazzo_runtime::__private::deadline::workflow(client, "buy-pet", ::std::boxed::Box::pin(buy_pet_steps(client, inputs)))
}
pub fn ping(client: &::arazzo_runtime::Client) -> impl ::core::future::Future<Output = ::core::result::Result<PingOutputs, ::arazzo_runtime::WorkflowError>> + Send + '_ {
    ::arazzo_runtime::__private::deadline::workflow(client, "ping", ::std::boxed::Box::pin(ping_steps(client)))
}
pub async fn sell_pet(client: &::arazzo_runtime::Client, inputs: SellPetInputs) -> Result<SellPetOutputs, ::arazzo_runtime::WorkflowError> {
    sell_pet_with_status(client, inputs).await.map(|(outputs, _)| outputs)
}
pub(crate) fn sell_pet_with_status(client: &::arazzo_runtime::Client, inputs: SellPetInputs) -> impl ::core::future::Future<Output = ::core::result::Result<(SellPetOutputs, u16), ::arazzo_runtime::WorkflowError>> + Send + '_ {
    ::arazzo_runtime::__private::deadline::workflow(client, "sell-pet", ::std::boxed::Box::pin(sell_pet_steps(client, inputs)))
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
        // A workflow that others call, found through its `_with_status` function.
        assert_eq!(
            find(CODE, "sell-pet").map(|e| e.function),
            Ok("sell_pet".into())
        );
        assert_eq!(
            find(CODE, "rent-pet"),
            Err(
                "no workflow `rent-pet` in the document; its workflows: `buy-pet`, `ping`, `sell-pet`"
                    .into()
            )
        );
    }
}
