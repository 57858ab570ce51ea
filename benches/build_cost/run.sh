#!/usr/bin/env bash
# Build cost a user pays (issue 11, items 3, 4 and 5), each figure with its same-run baseline.
#
#   benches/build_cost/run.sh [item3] [item4] [item5] [edit]     (no argument: all four)
#
# `edit` is the loop behind the issue's "a one-line Arazzo edit rebuilds in 22-28 s": a crate whose
# build script runs `arazzo-codegen` (as pubsub-flows'), one workflow's summary edited, then
# `cargo build` (dev): the build script reruns the generator and rustc recompiles incrementally.
#
# Environment: RUNS (item 3's alternating from-empty builds per side, default 3), REPS (repeats
# of each item 4/5 measurement, default 3), SIZES (item 4's workflow counts, default
# "1 10 100 1000"), EDIT_SIZES (edit's workflow counts, default "100 1000"), OPENAPI_BYTES (item 5's synthetic OpenAPI, default 2800000), CORPUS (the
# shared corpus, default ../shared/corpus beside the repository), WORK (scratch, default
# target/build_cost), BASELINE_CLI (item 5: another build of the CLI, e.g. from an earlier
# commit, run alternately with this one on every input, with the CPU ratio), ARAZZO_CODEGEN
# (item 3's prebuilt variant: an installed generator binary; default: built here with
# `cargo build --release -p arazzo-codegen-cli` before the timed runs). Slow (about 25 min on the shared 2-core machine), so CI does not run it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-3}
REPS=${REPS:-3}
SIZES=${SIZES:-1 10 100 1000}
OPENAPI_BYTES=${OPENAPI_BYTES:-2800000}
CORPUS=${CORPUS:-$REPO/../shared/corpus}
WORK=${WORK:-$REPO/target/build_cost}
CLI=$REPO/target/debug/arazzo-codegen
# A caching wrapper (sccache) would make "from empty" meaningless.
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTC_WRAPPER

die() {
    echo "build_cost: $*" >&2
    exit 1
}
for tool in cargo rustc python3 awk sort find; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (needed by this script)"
done
[ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null ||
    die "GNU time (/usr/bin/time with -f) is needed for peak RSS: apt-get install time"
[ -f "$REPO/Cargo.lock" ] || die "$REPO/Cargo.lock is missing"

EDIT_SIZES=${EDIT_SIZES:-100 1000}
ITEMS=${*:-item3 item4 item5 edit}
for item in $ITEMS; do
    case $item in item3 | item4 | item5 | edit) ;; *) die "unknown item '$item' (item3, item4, item5, edit)" ;; esac
done
mkdir -p "$WORK"
SUMMARY=()
row() { SUMMARY+=("| $1 | $2 | $3 | \`$4\` |"); }

# "median (min–max)" of the numbers on stdin.
stats() {
    python3 -c '
import statistics, sys
v = [float(x) for x in sys.stdin.read().split()]
print(f"{statistics.median(v):.{sys.argv[1]}f} ({min(v):.{sys.argv[1]}f}-{max(v):.{sys.argv[1]}f})")' "$1"
}
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.stdin.read().split()))'; }

# A scratch workspace whose root is the repository's [workspace] tables (same lock file, same
# dependency versions and features) with path dependencies pointing back at the repository.
scratch_workspace() {
    local dir=$1 member=$2
    mkdir -p "$dir"
    awk -v repo="$REPO" -v member="$member" '
        /^\[package\]/ { exit }
        /^members = / { print "members = [\"" member "\"]"; next }
        { gsub(/path = "/, "path = \"" repo "/"); print }' "$REPO/Cargo.toml" >"$dir/Cargo.toml"
    grep -q "^members = \\[\"$member\"\\]" "$dir/Cargo.toml" ||
        die "cannot read the [workspace] tables of $REPO/Cargo.toml (layout changed?)"
    cp "$REPO/Cargo.lock" "$dir/Cargo.lock"
}

# The repository's pubsub-flows copied into a scratch workspace: its own path dependencies
# (`path = "../x"`) point back at the repository. -L: its `specs` is a symlink to specs/.
copy_pubsub_flows() {
    cp -rL "$REPO/pubsub-flows" "$1/"
    sed -i "s|path = \"\.\./|path = \"$REPO/|" "$1/pubsub-flows/Cargo.toml"
}

# The manifest of scratch crate `$2` in workspace `$1`: what a user's crate needs for generated
# code (as examples/petstore and pubsub-flows), then the lines on stdin (more tables, if any).
user_crate() {
    mkdir -p "$1/$2/src"
    {
        cat <<EOF
[package]
name = "$2"
version = "0.0.0"
edition.workspace = true
publish = false

[dependencies]
arazzo-runtime.workspace = true
serde.workspace = true
serde_json.workspace = true
EOF
        cat
    } >"$1/$2/Cargo.toml"
}

cli() {
    if [ ! -x "$CLI" ] || [ -z "${CLI_BUILT:-}" ]; then
        echo "building the generator CLI (dev profile, opt-level 0 like a build script)..." >&2
        (cd "$REPO" && cargo build -q -p arazzo-codegen-cli) || die "cannot build arazzo-codegen-cli"
        CLI_BUILT=1
    fi
}

# "wall cpu" seconds (CPU: user + system) of one command; it must succeed.
timed_cpu() {
    /usr/bin/time -f "%e %U %S" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/last.err" ||
        { cat "$WORK/last.err" >&2; die "failed: $*"; }
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$WORK/time.txt"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; $(rustc --version)"

# ---------------------------------------------------------------------------------------------
item5() {
    echo
    echo "== item 5: the generator at opt-level 0 (debug CLI, as build scripts run it); median (range) of $REPS"
    cli
    local d=$WORK/item5
    rm -rf "$d"
    python3 "$HERE/gen.py" workflows 1 "$d/w1"
    python3 "$HERE/gen.py" workflows 1000 "$d/w1000"
    python3 "$HERE/gen.py" large-openapi "$OPENAPI_BYTES" "$d/large"
    local cases=(w1 w1000 large) vendor=""
    if [ -d "$CORPUS" ]; then
        # The largest JSON OpenAPI file of the corpus, read in place (never copied).
        vendor=$(find "$CORPUS" -name '*.json' -size +100k -exec grep -l '"openapi"' {} + 2>/dev/null |
            xargs -r ls -S | head -1)
    fi
    if [ -n "$vendor" ]; then
        python3 "$HERE/gen.py" vendor "$vendor" "$d/vendor"
        cases+=(vendor)
    else
        echo "   (skipped: the vendor-OpenAPI case needs the shared corpus at $CORPUS; set CORPUS=...)"
    fi
    declare -A label=(
        [w1]="1 workflow, 3 steps (baseline: start-up + small OpenAPI)"
        [w1000]="1000 workflows, 3 steps each"
        [large]="3 steps vs synthetic OpenAPI $(($(stat -c %s "$d/large/api.openapi.yml") / 1000)) kB"
        [vendor]="3 steps vs ${vendor#"$CORPUS"/} $(($(stat -c %s "${vendor:-/dev/null}") / 1000)) kB"
    )
    declare -A target=([w1]="-" [w1000]="≤ 2 s" [large]="≤ 0.5 s (2.8 MB)" [vendor]="- (≤ 0.5 s is for 2.8 MB)")
    local bins=("$CLI") c cmd bin rep i out
    if [ -n "${BASELINE_CLI:-}" ]; then
        [ -x "$BASELINE_CLI" ] || die "BASELINE_CLI=$BASELINE_CLI is not an executable"
        bins+=("$BASELINE_CLI")
        echo "   (each line: this CLI, then BASELINE_CLI=$BASELINE_CLI, run alternately)"
    fi
    for c in "${cases[@]}"; do
        for cmd in check generate; do
            # Per CLI (index in bins): wall and CPU seconds of each repeat.
            local walls=() cpus=()
            for rep in $(seq "$REPS"); do
                for i in "${!bins[@]}"; do
                    bin=${bins[$i]}
                    if [ "$cmd" = check ]; then
                        out=$(timed_cpu "$bin" check "$d/$c/doc.arazzo.yml")
                    else
                        out=$(timed_cpu "$bin" generate "$d/$c/doc.arazzo.yml" -o "$d/$c/out$i.rs")
                    fi
                    walls[i]="${walls[i]:-} ${out% *}"
                    cpus[i]="${cpus[i]:-} ${out#* }"
                done
            done
            local w p figure
            w=$(echo "${walls[0]}" | stats 2)
            p=$(echo "${cpus[0]}" | stats 2)
            figure="$w s, CPU $p s"
            if [ "${#bins[@]}" = 2 ]; then
                local bw bp ratio
                bw=$(echo "${walls[1]}" | stats 2)
                bp=$(echo "${cpus[1]}" | stats 2)
                # GNU time counts CPU in hundredths: a start-up-sized run can read 0.
                ratio=$(python3 -c "a, b = $(echo "${cpus[0]}" | median), $(echo "${cpus[1]}" | median); print(f'{a / b:.2f}×' if b else '-')")
                figure="$figure; baseline $bw s, CPU $bp s; CPU ratio $ratio"
            fi
            printf '   %-9s %-62s %s\n' "$cmd" "${label[$c]}" "$figure"
            row "item 5: \`$cmd\`, ${label[$c]}" "${target[$c]}" "$figure" \
                "target/debug/arazzo-codegen $cmd ${d#"$REPO"/}/$c/doc.arazzo.yml"
        done
    done
}

# ---------------------------------------------------------------------------------------------
item4() {
    echo
    echo "== item 4: compiling generated code (dev), rustc of the crate alone; median (range) of $REPS"
    cli
    local d=$WORK/item4
    rm -rf "$d"
    scratch_workspace "$d" bench-wf
    user_crate "$d" bench-wf </dev/null
    echo 'include!("generated.rs");' >"$d/bench-wf/src/lib.rs"
    : >"$d/bench-wf/src/generated.rs"
    export RUSTC_WRAPPER=$HERE/rustc_rss.sh BUILD_COST_CRATE=bench_wf BUILD_COST_OUT=$d/rustc.txt
    echo "   building the dependencies once..." >&2
    (cd "$d" && cargo build -q) || die "the scratch crate's dependencies do not build"
    local one_t="" n rep t rss usr sys ts rs cs cr
    for n in 0 $SIZES; do
        if [ "$n" = 0 ]; then
            : >"$d/bench-wf/src/generated.rs" # baseline: the same crate and dependencies, no workflow
        else
            python3 "$HERE/gen.py" workflows "$n" "$d/doc$n"
            "$CLI" generate "$d/doc$n/doc.arazzo.yml" -o "$d/bench-wf/src/generated.rs" 2>/dev/null ||
                die "generating $n workflows failed"
        fi
        ts=() rs=() cs=()
        for rep in $(seq "$REPS"); do
            rm -rf "$d"/target/debug/incremental/bench_wf-* "$d/rustc.txt"
            touch "$d/bench-wf/src/lib.rs"
            (cd "$d" && cargo build -q) || die "the generated code for $n workflows does not compile"
            read -r t rss usr sys <"$d/rustc.txt"
            ts+=("$t") rs+=("$rss") cs+=("$(python3 -c "print($usr + $sys)")")
        done
        t=$(printf '%s\n' "${ts[@]}" | median)
        rss=$(printf '%s\n' "${rs[@]}" | median)
        local tr rr
        tr=$(printf '%s\n' "${ts[@]}" | stats 2)
        rr=$(printf '%s\n' "${rs[@]}" | awk '{ printf "%s ", int($1 / 1024) }' | stats 0)
        cr=$(printf '%s\n' "${cs[@]}" | stats 2)
        if [ "$n" = 0 ]; then
            printf '   %5s workflows: rustc %s s (CPU %s s), peak RSS %s MB (baseline)\n' 0 "$tr" "$cr" "$rr"
            row "item 4: empty crate, same deps (baseline)" "-" "$tr s (CPU $cr s), $rr MB" \
                "benches/build_cost/run.sh item4 (rustc of the crate alone)"
            continue
        fi
        # Per workflow: the whole compile over N (the issue's figure), and the marginal cost of
        # each workflow after the first (what one more workflow adds).
        local per marginal="-"
        per=$(python3 -c "print(f'{$t * 1000 / $n:.0f}')")
        [ "$n" = 1 ] && one_t=$t
        [ "$n" != 1 ] && [ -n "$one_t" ] &&
            marginal=$(python3 -c "print(f'{($t - $one_t) * 1000 / ($n - 1):.0f}')")
        printf '   %5s workflows: rustc %s s (CPU %s s), peak RSS %s MB; %s ms per workflow, %s ms marginal\n' \
            "$n" "$tr" "$cr" "$rr" "$per" "$marginal"
        local tgt="-"
        [ "$n" = 100 ] && tgt="≤ 3 s, ≤ 400 MB"
        row "item 4: $n workflows (3 steps each)" "$tgt" \
            "$tr s (CPU $cr s), $rr MB; $per ms/workflow, marginal $marginal ms" "SIZES=\"$n\" benches/build_cost/run.sh item4"
    done
    unset RUSTC_WRAPPER BUILD_COST_CRATE BUILD_COST_OUT
    rm -rf "$d/target"
}

# ---------------------------------------------------------------------------------------------
item3() {
    echo
    echo "== item 3: pubsub-flows from empty (own target dir, dev) vs its generated code checked in; $RUNS alternating runs per side"
    local d=$WORK/item3
    rm -rf "$d"
    scratch_workspace "$d/shipped" pubsub-flows
    scratch_workspace "$d/checked-in" pubsub-flows
    copy_pubsub_flows "$d/shipped"
    copy_pubsub_flows "$d/checked-in"

    # Once, untimed: the shipped crate with --timings (the evidence of crates compiled twice)
    # and JSON messages; it also yields the generated files.
    echo "   first build of the shipped crate, with --timings..." >&2
    (cd "$d/shipped" && cargo build -p pubsub-flows --timings --message-format=json \
        --target-dir "$d/t-timings" >"$d/messages.json" 2>"$d/timings.err") ||
        { cat "$d/timings.err" >&2; die "pubsub-flows does not build"; }
    local html
    html=$(ls -t "$d"/t-timings/cargo-timings/cargo-timing*.html | head -1)
    mkdir -p "$WORK/evidence"
    cp "$html" "$WORK/evidence/pubsub-flows-timings.html"
    local n_units twice
    n_units=$(python3 -c 'import json,re,sys; d=re.search(r"UNIT_DATA = (\[.*?\]);", open(sys.argv[1]).read(), re.S); print(len(json.loads(d.group(1))) if d else "?")' "$WORK/evidence/pubsub-flows-timings.html")
    twice=$(python3 "$HERE/compiled_twice.py" <"$d/messages.json")
    echo "   --timings: $n_units units; $(printf '%s' "$twice" | grep -c . || true) crates compiled twice (host and target feature sets differ):"
    [ -z "$twice" ] || printf '%s\n' "$twice" | sed 's/^/     /'
    twice=$(printf '%s\n' "$twice" | awk 'NF { printf "%s%s", (n++ ? " " : ""), $1 }')
    [ -n "$twice" ] || twice=none
    echo "   (timings report kept at $WORK/evidence/pubsub-flows-timings.html)"

    # The checked-in variant: generated files in src/, no build script, no build-dependency.
    local out
    out=$(find "$d/t-timings/debug/build" -path '*pubsub-flows-*/out/*.rs' -printf '%h\n' | sort -u)
    [ "$(echo "$out" | wc -l)" = 1 ] && [ -n "$out" ] || die "cannot find pubsub-flows' OUT_DIR"
    local c=$d/checked-in/pubsub-flows
    cp "$out"/*.rs "$c/src/"
    # The index `include_workflows!` consults; the checked-in variant includes files directly.
    rm -f "$c/src/arazzo-codegen-modules.rs"
    rm "$c/build.rs"
    awk '/^\[/ { skip = ($0 == "[build-dependencies]") } !skip' "$c/Cargo.toml" >"$c/Cargo.toml.new"
    mv "$c/Cargo.toml.new" "$c/Cargo.toml"
    sed -i 's/arazzo_runtime::include_workflows!("\([^"]*\)");/include!("\1.rs");/' "$c/src/lib.rs"
    ! grep -rq 'include_workflows\|OUT_DIR' "$c/src" || die "checked-in variant still reads OUT_DIR"
    rm -rf "$d/t-timings"

    # The prebuilt variant: the shipped crate with `arazzo-build` as its build-dependency,
    # running an installed generator binary (as prost-build runs protoc). Installing that binary
    # is once per machine, like installing protoc, so it is built before the timed runs.
    local p=$d/prebuilt/pubsub-flows
    scratch_workspace "$d/prebuilt" pubsub-flows
    copy_pubsub_flows "$d/prebuilt"
    sed -i 's/^arazzo-codegen = .*$/arazzo-build.workspace = true/' "$p/Cargo.toml"
    sed -i 's/arazzo_codegen::Builder/arazzo_build::Builder/' "$p/build.rs"
    grep -q '^arazzo-build.workspace = true$' "$p/Cargo.toml" && grep -q arazzo_build "$p/build.rs" ||
        die "cannot make the prebuilt variant (pubsub-flows' build-dependency or build.rs changed?)"
    local codegen=${ARAZZO_CODEGEN:-}
    if [ -z "$codegen" ]; then
        echo "   installing the generator binary once (cargo build --release -p arazzo-codegen-cli)..." >&2
        local install
        install=$( (cd "$REPO" && /usr/bin/time -f '%e' cargo build -q --release -p arazzo-codegen-cli) 2>&1 | tail -1)
        codegen=$REPO/target/release/arazzo-codegen
        [ -x "$codegen" ] || die "cannot build the release arazzo-codegen binary"
        echo "   (the binary took ${install} s to build, once per machine; not in the figures below)"
    fi
    export ARAZZO_CODEGEN=$codegen

    # side -> "wall cpu": seconds of a from-empty dev build in its own target dir, and the CPU
    # seconds (user + system) of cargo and every rustc it waited for. Other work on a shared
    # machine stretches wall time far more than CPU time, so the CPU ratio is the steadier figure.
    build_side() {
        local side=$1 keep=${2:-}
        rm -rf "$d/t-$side"
        (cd "$d/$side" && /usr/bin/time -f '%e %U %S' -o "$WORK/time.out" \
            cargo build --offline -p pubsub-flows --target-dir "$d/t-$side" >/dev/null 2>"$WORK/last.err") ||
            { cat "$WORK/last.err" >&2; die "failed: cargo build ($side)"; }
        [ -n "$keep" ] || rm -rf "$d/t-$side"
        awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$WORK/time.out"
    }
    echo "   verifying that the checked-in variant builds..." >&2
    build_side checked-in >/dev/null
    echo "   verifying that the prebuilt variant builds and writes the shipped crate's files..." >&2
    build_side prebuilt keep >/dev/null
    local pout
    pout=$(find "$d/t-prebuilt/debug/build" -path '*pubsub-flows-*/out/*.rs' -printf '%h\n' | sort -u)
    [ "$(echo "$pout" | wc -l)" = 1 ] && [ -n "$pout" ] || die "cannot find the prebuilt variant's OUT_DIR"
    # The shipped build's files are in the checked-in variant's src/ (all but the index).
    local f n=0
    for f in "$pout"/*.rs; do
        [ "$(basename "$f")" = arazzo-codegen-modules.rs ] && continue
        cmp -s "$f" "$c/src/$(basename "$f")" || die "the prebuilt variant wrote another $(basename "$f")"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || die "the prebuilt variant wrote no generated file"
    echo "   (the prebuilt variant wrote the same $n files as the shipped crate)" >&2
    rm -rf "$d/t-prebuilt"

    # Each run builds the three sides in a rotated order, so no side always goes first.
    local r side a b e ratios=() as=() bs=() es=() cratios=() cas=() cbs=() ces=() pratios=() cpratios=()
    local -A wall cpu
    for r in $(seq "$RUNS"); do
        local order=(shipped checked-in prebuilt)
        order=("${order[@]:$(((r - 1) % 3))}" "${order[@]:0:$(((r - 1) % 3))}")
        for side in "${order[@]}"; do
            read -r "wall[$side]" "cpu[$side]" < <(build_side "$side")
            [ -n "${cpu[$side]:-}" ] || die "a from-empty build failed (see above)"
        done
        a=${wall[shipped]} b=${wall[checked-in]} e=${wall[prebuilt]}
        as+=("$a") bs+=("$b") es+=("$e") cas+=("${cpu[shipped]}") cbs+=("${cpu[checked-in]}") ces+=("${cpu[prebuilt]}")
        ratios+=("$(python3 -c "print(f'{$a / $b:.3f}')")")
        cratios+=("$(python3 -c "print(f'{${cpu[shipped]} / ${cpu[checked-in]}:.3f}')")")
        pratios+=("$(python3 -c "print(f'{$e / $b:.3f}')")")
        cpratios+=("$(python3 -c "print(f'{${cpu[prebuilt]} / ${cpu[checked-in]}:.3f}')")")
        printf '   run %d (%s): shipped %.1f s (%.1f s CPU), checked-in %.1f s (%.1f s CPU), prebuilt %.1f s (%.1f s CPU); shipped/checked-in %s (CPU %s), prebuilt/checked-in %s (CPU %s)\n' \
            "$r" "${order[*]}" "$a" "${cpu[shipped]}" "$b" "${cpu[checked-in]}" "$e" "${cpu[prebuilt]}" \
            "${ratios[-1]}" "${cratios[-1]}" "${pratios[-1]}" "${cpratios[-1]}"
    done
    local ra sa sb se cra csa csb cse rp crp
    ra=$(printf '%s\n' "${ratios[@]}" | stats 3)
    rp=$(printf '%s\n' "${pratios[@]}" | stats 3)
    sa=$(printf '%s\n' "${as[@]}" | stats 1)
    sb=$(printf '%s\n' "${bs[@]}" | stats 1)
    se=$(printf '%s\n' "${es[@]}" | stats 1)
    cra=$(printf '%s\n' "${cratios[@]}" | stats 3)
    crp=$(printf '%s\n' "${cpratios[@]}" | stats 3)
    csa=$(printf '%s\n' "${cas[@]}" | stats 1)
    csb=$(printf '%s\n' "${cbs[@]}" | stats 1)
    cse=$(printf '%s\n' "${ces[@]}" | stats 1)
    echo "   wall: shipped ${sa} s; checked-in ${sb} s; prebuilt ${se} s; shipped/checked-in ${ra}; prebuilt/checked-in ${rp}"
    echo "   CPU:  shipped ${csa} s; checked-in ${csb} s; prebuilt ${cse} s; shipped/checked-in ${cra}; prebuilt/checked-in ${crp}"
    row "item 3: pubsub-flows from empty, shipped / generated code checked in (wall)" "≤ 1.10×" \
        "$ra× ($sa s / $sb s)" "RUNS=$RUNS benches/build_cost/run.sh item3"
    row "item 3: the same, CPU seconds (user + system)" "≤ 1.10×" \
        "$cra× ($csa s / $csb s)" "RUNS=$RUNS benches/build_cost/run.sh item3"
    row "item 3: pubsub-flows from empty with arazzo-build and the installed binary / checked in (wall)" "≤ 1.10×" \
        "$rp× ($se s / $sb s)" "RUNS=$RUNS benches/build_cost/run.sh item3"
    row "item 3: the same, CPU seconds (user + system)" "≤ 1.10×" \
        "$crp× ($cse s / $csb s)" "RUNS=$RUNS benches/build_cost/run.sh item3"
    row "item 3: crates compiled twice (host and target)" "none" "$twice" \
        "cargo build -p pubsub-flows --timings --message-format=json"
}

# ---------------------------------------------------------------------------------------------
edit() {
    echo
    echo "== edit: one workflow's summary changed, then cargo build (dev); median (range) of $REPS"
    local d=$WORK/edit n rep walls scripts rustcs out
    rm -rf "$d"
    scratch_workspace "$d" edit-wf
    # The generator as a build-dependency, without the criteria features (as pubsub-flows).
    user_crate "$d" edit-wf <<EOF

[build-dependencies]
arazzo-codegen = { path = "$REPO/arazzo-codegen", default-features = false }
EOF
    cat >"$d/edit-wf/build.rs" <<'EOF'
fn main() -> Result<(), Box<dyn std::error::Error>> {
    arazzo_codegen::Builder::new().compile(&["specs/doc.arazzo.yml"])?;
    Ok(())
}
EOF
    echo 'arazzo_runtime::include_workflows!("doc");' >"$d/edit-wf/src/lib.rs"
    for n in $EDIT_SIZES; do
        rm -rf "$d/edit-wf/specs"
        python3 "$HERE/gen.py" workflows "$n" "$d/edit-wf/specs"
        echo "   $n workflows: the first build..." >&2
        (cd "$d" && cargo build -q) || die "the scratch crate with $n workflows does not build"
        walls=() scripts=() rustcs=()
        for rep in $(seq "$REPS"); do
            # The middle workflow's summary: a one-line edit that changes one doc comment.
            sed -i "s/^    summary: Synthetic workflow $((n / 2))\\(,\\| (edit [0-9]*),\\)/    summary: Synthetic workflow $((n / 2)) (edit $rep),/" \
                "$d/edit-wf/specs/doc.arazzo.yml"
            grep -q "(edit $rep)," "$d/edit-wf/specs/doc.arazzo.yml" ||
                die "the edit did not apply (gen.py's summaries changed?)"
            rm -rf "$d/target/cargo-timings"
            (cd "$d" && /usr/bin/time -f %e -o "$d/time.txt" cargo build -q --timings >/dev/null 2>"$d/build.err") ||
                die "the rebuild after the edit failed ($n workflows): $(cat "$d/build.err")"
            walls+=("$(tail -1 "$d/time.txt")")
            # The build script's run and the crate's rustc, from cargo's own timings.
            out=$(python3 - "$d/target/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
mine = [u for u in units if u["name"] == "edit-wf"]
run = sum(u["duration"] for u in mine if u.get("mode") == "run-custom-build")
lib = sum(u["duration"] for u in mine if u.get("mode") != "run-custom-build")
print(f"{run:.2f} {lib:.2f}")
PY
            ) || die "cannot read cargo's timings"
            scripts+=("${out% *}") rustcs+=("${out#* }")
        done
        local w s r
        w=$(printf '%s\n' "${walls[@]}" | stats 2)
        s=$(printf '%s\n' "${scripts[@]}" | stats 2)
        r=$(printf '%s\n' "${rustcs[@]}" | stats 2)
        printf '   %5s workflows: cargo build %s s (build script %s s, rustc %s s)\n' "$n" "$w" "$s" "$r"
        row "edit: one summary changed, $n workflows, \`cargo build\` (dev)" "-" \
            "$w s (build script $s s, rustc $r s)" "EDIT_SIZES=\"$n\" benches/build_cost/run.sh edit"
    done
    rm -rf "$d/target"
}

for item in $ITEMS; do "$item"; done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| figure | target | measured: median (range) | command |"
echo "|---|---|---|---|"
printf '%s\n' "${SUMMARY[@]}"
