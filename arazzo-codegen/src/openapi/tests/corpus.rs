//! The public corpus under `/work/shared/corpus`: every OpenAPI description in it must read
//! without errors. Skips when the folder is absent (it is not part of the repository).

use std::path::{Path, PathBuf};

use crate::load::Files;
use crate::openapi::schema::{Kind, at_pointer, kind, resolve};
use crate::openapi::{Location, OpenApi, SchemaRef, Style};

const CORPUS: &str = "/work/shared/corpus";

/// The OpenAPI descriptions of the corpus: every YAML/JSON file with a top-level `openapi`.
fn descriptions(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("oai"), root.join("redocly-museum")];
    let mut jentic: Vec<PathBuf> = std::fs::read_dir(root.join("jentic"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    jentic.sort();
    dirs.extend(jentic);
    let mut files = Vec::new();
    for dir in dirs {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            })
            .collect();
        entries.sort();
        for path in entries {
            let mut docs = Files::new(Vec::new());
            let id = docs.load_all(&path).unwrap();
            if docs.value(id).get("openapi").is_some() {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn corpus_descriptions_read_without_errors() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        eprintln!("skipping: {CORPUS} is absent");
        return;
    }
    let files = descriptions(root);
    assert!(files.len() >= 14, "found only {files:#?}");
    for path in &files {
        let mut docs = Files::new(Vec::new());
        let id = docs.load_all(path).unwrap();
        let (api, problems) = OpenApi::read(&docs, id);
        let errors: Vec<_> = problems
            .iter()
            .filter(|p| p.diagnostic.is_error())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        for p in &problems {
            eprintln!("{}: warning: {}", path.display(), p.diagnostic.message);
        }
        let api = api.unwrap_or_else(|| panic!("{}: not read", path.display()));
        assert!(
            !api.operations.is_empty(),
            "{}: no operations",
            path.display()
        );
        // Every schema the table points at resolves.
        let mut schemas: Vec<SchemaRef> = Vec::new();
        for op in &api.operations {
            assert!(api.operation_by_pointer(&op.pointer).is_some());
            schemas.extend(op.parameters.iter().filter_map(|p| p.schema.clone()));
            if let Some(body) = &op.request_body {
                schemas.extend(body.content.iter().filter_map(|m| m.schema.clone()));
            }
            for response in &op.responses {
                schemas.extend(response.content.iter().filter_map(|m| m.schema.clone()));
                schemas.extend(response.headers.iter().filter_map(|(_, s)| s.clone()));
            }
        }
        for s in &schemas {
            resolve(&docs, s).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            kind(&docs, s);
        }
        eprintln!(
            "{}: OpenAPI {}, {} operations, {} schemas",
            path.display(),
            api.version,
            api.operations.len(),
            schemas.len()
        );
    }
}

#[test]
fn corpus_fapi_par_suggests_par() {
    let path = Path::new(CORPUS).join("oai/FAPI-PAR.openapi.yaml");
    if !path.is_file() {
        eprintln!("skipping: {} is absent", path.display());
        return;
    }
    let mut docs = Files::new(Vec::new());
    let id = docs.load_all(&path).unwrap();
    let api = OpenApi::read(&docs, id).0.unwrap();
    assert!(api.operation_by_id("PAR").is_none());
    assert_eq!(api.similar_operation_ids("PAR"), vec!["Par"]);
}

#[test]
fn project_web_pubsub_description() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/openapi/microsoft-azure-web-pubsub-openapi.yml");
    if !path.is_file() {
        eprintln!("skipping: {} is absent", path.display());
        return;
    }
    let mut docs = Files::new(Vec::new());
    let id = docs.load_all(&path).unwrap();
    let (api, problems) = OpenApi::read(&docs, id);
    assert!(problems.is_empty(), "{problems:#?}");
    let api = api.unwrap();
    let op = api
        .operation_by_id("webPubSub_generateClientToken")
        .unwrap();
    assert_eq!(op.path, "/api/hubs/{hub}/:generateToken");
    assert!(api.has_http_security(op));
    let hub = op.parameter("hub", Location::Path).unwrap();
    assert!(hub.required);
    let minutes = op.parameter("minutesToExpire", Location::Query).unwrap();
    let minutes_schema = minutes.schema.clone().unwrap();
    assert_eq!(
        kind(&docs, &minutes_schema),
        Kind::Integer {
            format: Some("int32".into())
        }
    );
    let role = op.parameter("role", Location::Query).unwrap();
    assert_eq!((role.style, role.explode), (Style::Form, true));
    let body = op.response(200).unwrap().content[0].schema.clone().unwrap();
    let token = at_pointer(&docs, &body, "/token").unwrap().unwrap();
    assert_eq!(kind(&docs, &token), Kind::String);
    assert_eq!(
        api.similar_operation_ids("webPubSub_sendToAl").first(),
        Some(&"webPubSub_sendToAll")
    );
}
