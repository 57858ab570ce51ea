#!/usr/bin/env bash
# Builds every fuzz target in fuzz/Cargo.toml and runs each for FUZZ_SECONDS seconds
# (default 20), starting from fuzz/seeds/<target> plus whatever fuzz/corpus/<target> already
# holds. Installs cargo-fuzz first when it is missing. Fails on the first crash, leaving the
# input in fuzz/artifacts/<target>/. Stable toolchain: see README.md for why `--sanitizer none`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

seconds="${FUZZ_SECONDS:-20}"
cargo_fuzz_version="0.13.2"

if ! cargo fuzz --version 2>/dev/null | grep -q "$cargo_fuzz_version"; then
  echo "fuzz: installing cargo-fuzz $cargo_fuzz_version"
  cargo install cargo-fuzz --locked --version "$cargo_fuzz_version"
fi

# Release code with overflow checks and debug assertions, no sanitizer (stable rustc).
flags=(--sanitizer none --release --debug-assertions)
cargo fuzz build "${flags[@]}"

for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target" "seeds/$target"
  echo "fuzz: $target for ${seconds}s"
  log="target/smoke-$target.log"
  status=0
  cargo fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1 || status=$?
  # libFuzzer's summary line: "Done N runs in S second(s)".
  grep -E "^Done [0-9]+ runs" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target failed; the input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
