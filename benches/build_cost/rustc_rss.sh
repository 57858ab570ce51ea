#!/usr/bin/env bash
# RUSTC_WRAPPER for run.sh: wall time and peak RSS of the one rustc run that compiles the crate
# under test (`--crate-name $BUILD_COST_CRATE`), written to $BUILD_COST_OUT as "SECONDS KB
# USER SYS" (CPU seconds too: on a shared machine they move far less with load than wall time).
# Timing rustc itself, not cargo, keeps cargo's own start-up and RSS out of the figure.
rustc=$1
shift
case " $* " in
*" --crate-name $BUILD_COST_CRATE "*)
    exec /usr/bin/time -f "%e %M %U %S" -o "$BUILD_COST_OUT" "$rustc" "$@"
    ;;
esac
exec "$rustc" "$@"
