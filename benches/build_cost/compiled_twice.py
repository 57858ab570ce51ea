#!/usr/bin/env python3
"""Crates a build compiled more than once (item 3 of issue 11).

Reads `cargo build --message-format=json` on stdin. A library compiled twice in one build means
its build-dependency (host) and normal (target) feature sets differ, or a dependency below it
differs. Prints one line per such crate, or nothing; `--gate` exits 1 when there is any.
"""
import json
import re
import sys
from collections import defaultdict

units = defaultdict(list)
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and "custom-build" not in m["target"]["kind"]:
        units[(m["package_id"], m["target"]["name"])].append(m["features"])

twice = {k: v for k, v in units.items() if len(v) > 1}
for (pid, name), feats in sorted(twice.items(), key=lambda kv: kv[0][1]):
    version = re.search(r"[@#]([0-9][^ )]*)", pid)
    sets = "  vs  ".join("[" + ",".join(f) + "]" for f in feats)
    why = " (same features: a dependency below it differs)" if all(f == feats[0] for f in feats) else ""
    print(f"{name} {version.group(1) if version else ''}: {sets}{why}")
if "--gate" in sys.argv[1:] and twice:
    print(f"{len(twice)} crates compiled twice: align the host and target feature sets "
          "(see arazzo-codegen/Cargo.toml's smallvec line)", file=sys.stderr)
    sys.exit(1)
