//! Finding the Arazzo documents in a folder tree.

use std::path::{Path, PathBuf};

/// Every Arazzo document under `folder`, sorted by path: files named `*.arazzo.yaml`,
/// `*.arazzo.yml` or `*.arazzo.json`, any other `.yaml`, `.yml` or `.json` file whose top
/// level has an `arazzo` key, and every such file in a `schema-fail` folder (schema tests
/// that must be rejected, such as a root that is not a mapping). Hidden folders and `target`
/// are skipped.
pub(crate) fn documents(folder: &Path) -> Result<Vec<PathBuf>, String> {
    if !folder.is_dir() {
        return Err(format!("{} is not a folder", folder.display()));
    }
    let mut files = Vec::new();
    walk(folder, &mut files)?;
    files.retain(|f| is_arazzo(f));
    files.sort();
    Ok(files)
}

/// `path` relative to `folder`, `/`-separated (the form the expectation table uses).
pub(crate) fn relative(folder: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(folder).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(&path, out)?;
            }
        } else if [".yaml", ".yml", ".json"].iter().any(|s| name.ends_with(s)) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_arazzo(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let in_schema_fail = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|f| f == "schema-fail");
    if in_schema_fail
        || [".arazzo.yaml", ".arazzo.yml", ".arazzo.json"]
            .iter()
            .any(|s| name.ends_with(s))
    {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    // YAML is a superset of JSON, so one parser answers for both; a file that does not parse
    // is not taken for an Arazzo document (its name does not say it is one).
    serde_yaml::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.contains_key("arazzo")))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes() {
        let folder = Path::new("/x/corpus");
        assert_eq!(
            relative(folder, &folder.join("oai").join("a.arazzo.yaml")),
            "oai/a.arazzo.yaml"
        );
    }
}
