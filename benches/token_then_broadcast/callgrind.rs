//! Instructions per workflow, counted by callgrind (Debian's `valgrind`): a figure that does
//! not move with load on a shared machine. The bench runs itself under callgrind, once per
//! side, collecting only inside [`measured`], so start-up and warm-up are left out.

use std::path::Path;
use std::process::{Command, Stdio};

use arazzo_runtime::Client;

use crate::sides::{self, BenchError, Injection, Side};

/// The flag that makes the bench binary run one side's workflows for callgrind.
pub const CHILD_FLAG: &str = "--callgrind-child";

/// Whether `valgrind` can be run here.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs `workflows` workflows of `side` under callgrind against the server at `server` and
/// returns the instructions per workflow.
pub fn instructions_per_workflow(
    side: Side,
    server: &str,
    workflows: u64,
    injection: Injection,
) -> Result<f64, BenchError> {
    let exe = std::env::current_exe()?;
    let out = std::env::temp_dir().join(format!(
        "token_then_broadcast.{}.{}.callgrind",
        std::process::id(),
        side.name()
    ));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        // Only what runs inside `measured` (and what it calls) is counted.
        .arg("--toggle-collect=*callgrind::measured*")
        .arg(&exe)
        .args([CHILD_FLAG, side.name(), "--server", server])
        .args(["--workflows", &workflows.to_string()])
        .args(["--inject-spin-us", &injection.spin.as_micros().to_string()])
        .args(["--inject-allocs", &injection.allocations.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let totals = read_totals(&out);
    let _ = std::fs::remove_file(&out);
    if !status.status.success() {
        return Err(format!(
            "callgrind run of the {} side failed: {}",
            side.name(),
            String::from_utf8_lossy(&status.stderr)
        )
        .into());
    }
    Ok(totals? as f64 / workflows as f64)
}

/// The `totals:` line of a callgrind output file: instructions collected.
fn read_totals(path: &Path) -> Result<u64, BenchError> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .find_map(|line| line.strip_prefix("totals:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no totals in {}", path.display()).into())
}

/// The child: warms up, then runs the measured workflows inside [`measured`].
pub fn child(
    side: Side,
    server: &str,
    workflows: u64,
    injection: Injection,
) -> Result<(), BenchError> {
    let runtime = crate::runtime()?;
    let client = crate::client(server)?;
    runtime.block_on(async {
        for _ in 0..crate::WARM_UP {
            sides::run(side, &client, server, injection).await?;
        }
        Ok::<_, BenchError>(())
    })?;
    measured(&runtime, side, &client, server, workflows, injection)
}

/// The only function callgrind collects in (by name: keep it out of line and named so).
#[inline(never)]
fn measured(
    runtime: &tokio::runtime::Runtime,
    side: Side,
    client: &Client,
    server: &str,
    workflows: u64,
    injection: Injection,
) -> Result<(), BenchError> {
    runtime.block_on(async {
        for _ in 0..workflows {
            sides::run(side, client, server, injection).await?;
        }
        Ok(())
    })
}
