//! Server objects: base URLs with `{variable}` templates.

use super::pointer::join;
use super::reader::Reader;
use crate::diagnostic::FileId;

/// One entry of a `servers` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Server {
    /// The URL template as written, e.g. `https://{region}.example.com/v1`.
    pub(crate) url: String,
    /// Each variable and its default, in document order.
    pub(crate) variables: Vec<(String, String)>,
    /// The server's description.
    pub(crate) description: Option<String>,
}

impl Server {
    /// The URL with every `{variable}` replaced by its default; unknown variables are kept.
    pub(crate) fn default_url(&self) -> String {
        let mut url = self.url.clone();
        for (name, default) in &self.variables {
            url = url.replace(&format!("{{{name}}}"), default);
        }
        url
    }
}

/// Reads the `servers` array at `ptr` (empty when absent). A server without `url`, or a
/// variable without `default`, is an error; the server is skipped or the default left empty.
pub(crate) fn read_servers(r: &mut Reader<'_>, file: FileId, ptr: &str) -> Vec<Server> {
    let mut servers = Vec::new();
    for i in 0..r.len(file, ptr) {
        let Some((f, p)) = r.follow(file, &format!("{ptr}/{i}")) else {
            continue;
        };
        let Some(url) = r.string(f, &join(&p, "url")) else {
            r.error("invalid-openapi", f, &p, "server without a `url` string")
                .help = Some("give the server a `url`, e.g. `url: https://api.example.com`".into());
            continue;
        };
        let vars_ptr = join(&p, "variables");
        let mut variables = Vec::new();
        for name in r.keys(f, &vars_ptr) {
            let var_ptr = join(&vars_ptr, &name);
            let default = r.string(f, &join(&var_ptr, "default")).unwrap_or_else(|| {
                r.error(
                    "invalid-openapi",
                    f,
                    &var_ptr,
                    format!("server variable `{name}` has no `default` string"),
                )
                .help = Some("every server variable needs a `default`".into());
                String::new()
            });
            variables.push((name, default));
        }
        servers.push(Server {
            url,
            variables,
            description: r.string(f, &join(&p, "description")),
        });
    }
    servers
}
