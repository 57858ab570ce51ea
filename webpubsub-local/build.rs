//! Tells tests/sdk_interop.rs whether Microsoft's SDKs are installed (`cfg(interop_node)`,
//! `cfg(interop_python)`), so without them those tests report as ignored instead of passing.
//! Under CI (env `CI` set) both are always on: there a missing SDK must fail the test.
//! Likewise `cfg(chromium)` for tests/dashboard.rs's browser test (Debian's /usr/bin/chromium).

use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(interop_node)");
    println!("cargo::rustc-check-cfg=cfg(interop_python)");
    println!("cargo::rustc-check-cfg=cfg(chromium)");
    println!("cargo::rerun-if-env-changed=CI");
    // Installing chromium adds /usr/bin/chromium (a directory is checked by its files' mtimes).
    println!("cargo::rerun-if-changed=/usr/bin");
    // Installing or removing the SDKs changes this folder (node_modules, .venv).
    println!("cargo::rerun-if-changed=../interop");
    let interop = Path::new("../interop");
    let ci = std::env::var_os("CI").is_some();
    if ci || Path::new("/usr/bin/chromium").exists() {
        println!("cargo::rustc-cfg=chromium");
    }
    let node = ["@azure/web-pubsub", "@azure/web-pubsub-client", "ws"]
        .iter()
        .all(|p| {
            interop
                .join("node/node_modules")
                .join(p)
                .join("package.json")
                .is_file()
        });
    if ci || node {
        println!("cargo::rustc-cfg=interop_node");
    }
    let python = [interop.join(".venv/bin/python3"), "python3".into()]
        .iter()
        .any(|python| {
            Command::new(python)
                .args([
                    "-c",
                    "import azure.messaging.webpubsubservice, azure.messaging.webpubsubclient, websocket",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    if ci || python {
        println!("cargo::rustc-cfg=interop_python");
    }
}
