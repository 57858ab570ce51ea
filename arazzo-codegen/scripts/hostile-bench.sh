#!/usr/bin/env bash
# Times `arazzo-codegen check` (release build) on 1 MiB hostile documents and prints wall time,
# peak RSS and output size of each; then `generate` on the same documents, for comparison
# (check stops before emission). Issue 8's target for check: under 2 s and 300 MB each.
# Usage: bash arazzo-codegen/scripts/hostile-bench.sh   (from the workspace root)
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ARAZZO_HOSTILE_DIR="$dir" cargo test -q -p arazzo-codegen --test hostile write_hostile_documents \
    -- --ignored >/dev/null
cargo build -q --release -p arazzo-codegen-cli --bin arazzo-codegen
bin=target/release/arazzo-codegen
printf '%-22s %-8s %10s %10s %12s %12s\n' document command input_kb seconds peak_rss_mb output_kb
for doc in "$dir"/*/hostile.arazzo.yml; do
    name=$(basename "$(dirname "$doc")")
    for command in check generate; do
        /usr/bin/time -f '%e %M' -o "$dir/time" "$bin" "$command" "$doc" >/dev/null 2>"$dir/out" || true
        read -r secs rss_kb < <(tail -n 1 "$dir/time")
        printf '%-22s %-8s %10d %10s %12d %12d\n' "$name" "$command" \
            $(( $(stat -c %s "$doc") / 1024 )) "$secs" $(( rss_kb / 1024 )) \
            $(( $(stat -c %s "$dir/out") / 1024 ))
    done
done
