#!/usr/bin/env python3
"""Import graph between arazzo-codegen's top-level modules: every `crate::X` path and every
first-level name inside `use crate::{...}` groups, from non-test source files. Usage: python3 arazzo-codegen/scripts/import-graph.py [repository root]"""
import os, re, sys, collections
root = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "arazzo-codegen/src")
edges = collections.defaultdict(collections.Counter)
def strip_tests(t):
    # drop `#[cfg(test)] mod tests { ... }` blocks (brace matching)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", t):
        if m.start() < i: continue
        out.append(t[i:m.start()]); d = 0; j = m.end() - 1
        while j < len(t):
            d += (t[j] == "{") - (t[j] == "}")
            if d == 0: break
            j += 1
        i = j + 1
    out.append(t[i:]); return "".join(out)
for dp, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(dp, f); rel = os.path.relpath(p, root)
        if not f.endswith(".rs") or rel.startswith("bin/") or f == "tests.rs" or "/tests/" in rel: continue
        mod = rel.split("/")[0].removesuffix(".rs")
        t = strip_tests(open(p).read())
        t = re.sub(r"//[^\n]*", "", t)
        names = re.findall(r"crate::([a-z_]+)", t)
        for g in re.finditer(r"crate::\{", t):
            d, j = 1, g.end()
            while d and j < len(t):
                d += (t[j] == "{") - (t[j] == "}"); j += 1
            body = t[g.end():j-1]; depth = 0; cur = ""
            for ch in body:
                if ch == "{": depth += 1
                elif ch == "}": depth -= 1
                elif ch == "," and depth == 0: names.append(cur.strip().split("::")[0]); cur = ""; continue
                if depth == 0 and ch not in "{}": cur += ch
            if cur.strip(): names.append(cur.strip().split("::")[0])
        for n in names:
            n = n.strip()
            if n and n != mod and n != "self": edges[mod][n] += 1
for m in sorted(set(list(edges) + [x for v in edges.values() for x in v])):
    print(f"{m:12} -> " + ", ".join(f"{k}({v})" for k, v in sorted(edges[m].items())))
