#!/usr/bin/env python3
"""Fails if the runtime target depends, directly or through another target, on a training,
experiment or command-line module: an app that only recommends must link the runtime alone.
Reads `swift package dump-package` on standard input."""
import json
import sys

FORBIDDEN = {"CompactRec", "CompactRecExperiments", "CompactRecServer", "compactrec"}
package = json.load(sys.stdin)
targets = {t["name"]: t for t in package["targets"]}


def names(target):
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                yield dependency[kind][0]


seen, stack = set(), ["CompactRecRuntime"]
while stack:
    name = stack.pop()
    if name in seen or name not in targets:
        continue
    seen.add(name)
    stack.extend(names(targets[name]))
bad = sorted(seen & FORBIDDEN)
if bad:
    sys.exit(f"CompactRecRuntime depends on {', '.join(bad)}; the runtime must not import training code")
print(f"CompactRecRuntime depends on {', '.join(sorted(seen - {'CompactRecRuntime'}))} only")
