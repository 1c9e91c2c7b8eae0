#!/usr/bin/env python3
"""Fails if the runtime target, or the HTTP server over it, depends, directly or through another
target, on a training, experiment or command-line module: an app that only recommends (or
serves) must link the runtime alone. Reads `swift package dump-package` on standard input."""
import json
import sys

TRAINING = {"CompactRec", "CompactRecExperiments", "compactrec"}
# What each target must not reach (the runtime must not reach the server either).
FORBIDDEN = {
    "CompactRecRuntime": TRAINING | {"CompactRecServer"},
    "CompactRecServer": TRAINING,
}
package = json.load(sys.stdin)
targets = {t["name"]: t for t in package["targets"]}


def names(target):
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                yield dependency[kind][0]


def closure(root):
    seen, stack = set(), [root]
    while stack:
        name = stack.pop()
        if name in seen or name not in targets:
            continue
        seen.add(name)
        stack.extend(names(targets[name]))
    return seen


failed = False
for root, forbidden in FORBIDDEN.items():
    if root not in targets:
        sys.exit(f"no target {root} in the package")
    reached = closure(root)
    bad = sorted(reached & forbidden)
    if bad:
        print(f"{root} depends on {', '.join(bad)}; it must not import training code", file=sys.stderr)
        failed = True
    else:
        print(f"{root} depends on {', '.join(sorted(reached - {root}))} only (package targets; products of other packages are not followed)")
sys.exit(1 if failed else 0)
