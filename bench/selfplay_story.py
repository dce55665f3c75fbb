#!/usr/bin/env python3
"""The proposer's story of a self-play run: per tenth of its steps, the valid-proposal rate, the
mean learnability of resolved proposals, the share of distinct programs, the solve rate, and the
reasons proposals failed. Reads RUN/metrics.jsonl (the `selfplay` field, docs/selfplay.md).

usage: bench/selfplay_story.py RUN_DIR [--parts 10]
"""
import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--parts", type=int, default=10)
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(f"{a.run}/metrics.jsonl") if l.strip()]
    rows = [r for r in rows if "selfplay" in r]
    if not rows:
        raise SystemExit(f"{a.run}/metrics.jsonl: no self-play metrics")
    n = len(rows)
    print("| steps | proposals | valid rate | learnability | distinct programs | solve rate | top failures |")
    print("|---|---|---|---|---|---|---|")
    for p in range(a.parts):
        part = rows[p * n // a.parts:(p + 1) * n // a.parts]
        if not part:
            continue
        props = valid = resolved = 0
        learn = distinct = distinct_n = 0.0
        correct = samples = 0
        reasons = collections.Counter()
        for r in part:
            sp = r["selfplay"]
            for k in sp.get("propose", {}).values():
                props += k.get("proposals", 0)
                valid += k.get("valid", 0)
                resolved += k.get("resolved", 0)
                learn += (k.get("learnability") or 0.0) * k.get("resolved", 0)
                if k.get("distinct_programs") is not None:
                    distinct += k["distinct_programs"]
                    distinct_n += 1
                for reason, c in k.get("reasons", {}).items():
                    if reason != "ok":
                        reasons[reason] += c
            for k in sp.get("solve", {}).values():
                correct += k.get("correct", 0)
                samples += k.get("samples", 0)
        top = ", ".join(f"{k} {v}" for k, v in reasons.most_common(3))
        f = lambda x, d: f"{x / d:.2f}" if d else "-"
        print(f"| {part[0]['step']}-{part[-1]['step']} | {props} | {f(valid, props)} | {f(learn, resolved)} | "
              f"{f(distinct, distinct_n)} | {f(correct, samples)} | {top} |")


if __name__ == "__main__":
    main()
