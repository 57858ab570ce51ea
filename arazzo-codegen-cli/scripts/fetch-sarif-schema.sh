#!/usr/bin/env bash
# Puts the official SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json, as Microsoft ships it in
# the npm package @microsoft/jest-sarif) at target/sarif-schema/, where the ignored test
# `tests/sarif_schema.rs` reads it. .ci/run calls this, then runs that test with --ignored.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
dir=target/sarif-schema
package=@microsoft/jest-sarif@1.0.0-beta.0
tarball=microsoft-jest-sarif-1.0.0-beta.0.tgz
# The tarball checked in this script's review; npm checks the registry's own integrity too.
sha256=748e2c3d1a842e7bb258416685c7ea3a0da40005b72267b2052c2856d48ad102
mkdir -p "$dir"
cd "$dir"
[ -f "$tarball" ] || npm pack --silent "$package" >/dev/null
echo "$sha256  $tarball" | sha256sum -c --quiet
tar xzf "$tarball" --strip-components=3 package/lib/schemas/sarif-2.1.0-rtm.5.json
echo "SARIF schema: $PWD/sarif-2.1.0-rtm.5.json"
