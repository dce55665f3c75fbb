#!/usr/bin/env python3
"""Checks that two run folders hold the same results, bit for bit, apart from timings.

    python3 tools/same_results.py RUN_A RUN_B

Used to prove that a refactor leaves CPU results unchanged: run the same config with the old
and the new build, then compare. Safetensors files must be byte-identical; JSON and JSONL files
must be equal after removing fields that measure time (names ending in _s, per_s, seconds, or
containing "time"/"elapsed"/"wall"); other files (event logs, summaries with timings) are only
listed. Exit 0 when identical, 1 otherwise.
"""
import json
import os
import re
import sys

TIMING = re.compile(r"(_s$|per_s|seconds|time|elapsed|wall|date|started|host)")


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not TIMING.search(k)}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def load_json(path):
    with open(path) as f:
        text = f.read()
    if path.endswith(".jsonl"):
        return [strip(json.loads(line)) for line in text.splitlines() if line.strip()]
    return strip(json.loads(text))


def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            if not n.startswith("events.out.tfevents"):  # TensorBoard logs are named by wall time
                out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = sys.argv[1:]
    fa, fb = files(a), files(b)
    bad = 0
    for rel in sorted(fa ^ fb):
        print(f"only in {'A' if rel in fa else 'B'}: {rel}")
        bad += 1
    compared = 0
    for rel in sorted(fa & fb):
        pa, pb = os.path.join(a, rel), os.path.join(b, rel)
        if rel.endswith(".safetensors"):
            same = open(pa, "rb").read() == open(pb, "rb").read()
        elif rel.endswith((".json", ".jsonl")):
            same = load_json(pa) == load_json(pb)
        else:
            continue
        compared += 1
        if not same:
            print(f"differs: {rel}")
            bad += 1
    print(f"{compared} files compared, {bad} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
