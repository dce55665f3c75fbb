#!/usr/bin/env python3
"""Why countdown search traces fail: each sample of an `r1 eval --dump` set beside the search the
model was taught (the generator's depth-first trace, tasks/families/countdown_search.h).

A model trained on "dfs" worked solutions should write that exact search: the same steps in the
same order, each result right, and the answer where the search ends. For each sample this finds
the first <think> line where it leaves the taught trace and names how:

  arithmetic      the same step with another result ("7*8 = 54")
  target check    the same step and result, judged wrongly against the target: a miss taken for
                  the target ("12+3 = 15" then the answer, where 15 != 36), or the target
                  written off as a miss ("6*6 = 36 != 36")
  claim form      the same step and result, written otherwise
  other step      a step the taught search does not take there (a branch skipped or reordered)
  stopped early   the taught trace goes on, the sample ends its search
  went on         the taught trace has ended, the sample keeps searching
  none            the sample writes the taught trace line for line

and, for a wrong sample, what went wrong first: `truncated` (no end within the token budget or
the context), `format` (no parsable answer), or else the divergence above (`none`: the trace was right and the
answer did not follow it). The wrong samples' target checks are also counted by direction.
Where a sample left the taught search and still found a right answer,
it is counted under `correct, another search`.

Lines are numbered from 1, the first line after <think>. Greedy completions are left out: the
figures are over the K sampled ones.

usage: tools/search_failures.py DUMP.jsonl [--r1 build/r1] [--trace-lines 48] [--leaf-order nearest]
                                 [--leaf-tries 2] [--suite SUBSTRING]
(the trace options are those of the model's cold start: countdown's "dfs" options, docs/tasks.md)
"""
import argparse
import collections
import json
import re
import subprocess
import sys

STEP = re.compile(r"^\s*(\d+)\s*([-+*/])\s*(\d+)\s*=\s*(\d+)")


def think_lines(text):
    """The lines of the <think> block (the completion starts inside it when the template opens it)."""
    body = text.split("<think>", 1)[1] if "<think>" in text else text
    body = body.split("</think>", 1)[0]
    return [" ".join(line.split()) for line in body.split("\n") if line.strip()]


def taught_traces(r1, suite_spec, options):
    """{task id: taught <think> lines} for a countdown suite spec like countdown:level=2:n=500:seed=9002."""
    parts = dict(p.split("=", 1) for p in suite_spec.split(":")[1:] if "=" in p)
    level = parts.get("level", parts.get("difficulty", "0"))  # tasks/suite.cpp takes either
    cmd = [r1, "tasks", "countdown", "--n", parts.get("n", "100"), "--seed", parts.get("seed", "0"),
           "--difficulty", level, "--with-solution",
           "--options", json.dumps(options)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    traces = {}
    for line in out.splitlines():
        j = json.loads(line)
        traces[j["id"]] = think_lines(j["completion"])
    return traces


def divergence(sample, taught):
    for i, (s, t) in enumerate(zip(sample, taught)):
        if s == t:
            continue
        ms, mt = STEP.match(s), STEP.match(t)
        if ms and mt and ms.group(1, 2, 3) == mt.group(1, 2, 3):
            if ms.group(4) != mt.group(4):
                return "arithmetic", i
            return ("target check" if ("!=" in s) != ("!=" in t) else "claim form"), i
        return "other step", i
    if len(sample) < len(taught):
        return "stopped early", len(sample)
    if len(sample) > len(taught):
        return "went on", len(taught)
    return "none", len(sample)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump")
    ap.add_argument("--r1", default="build/r1")
    ap.add_argument("--trace-lines", type=int, default=48, help="the trace budget the model was taught with")
    ap.add_argument("--leaf-order", default="nearest", choices=["nearest", "fixed"], help="its leaf order")
    ap.add_argument("--leaf-tries", type=int, default=2, help="its tries in a dead-end leaf")
    ap.add_argument("--suite", default="", help="only suites whose spec contains this")
    args = ap.parse_args()

    rows = [json.loads(line) for line in open(args.dump)]
    rows = [r for r in rows
            if r["kind"] == "sample" and r["suite"].split(":")[0] == "countdown" and args.suite in r["suite"]]
    if not rows:
        sys.exit(f"{args.dump}: no countdown samples" + (f" in suites matching {args.suite!r}" if args.suite else ""))
    by_suite = collections.defaultdict(list)
    for r in rows:
        by_suite[r["suite"]].append(r)

    for suite, samples in by_suite.items():
        taught = taught_traces(args.r1, suite, {"trace": "dfs", "trace_lines": args.trace_lines,
                                                "leaf_order": args.leaf_order, "leaf_tries": args.leaf_tries})
        outcome = collections.Counter()
        where = collections.Counter()  # line number (from 1) of the first divergence of wrong samples
        checks = collections.Counter()  # wrong samples' target checks, by direction
        for r in samples:
            t = taught.get(r["task_id"])
            if t is None:
                sys.exit(f"{suite}: task {r['task_id']} is not in `r1 tasks` output; is the suite a countdown spec?")
            lines = think_lines(r["completion"])
            kind, at = divergence(lines, t)
            v = r["verdict"]
            if v.get("correct"):
                outcome["correct, the taught search" if kind == "none" else "correct, another search"] += 1
                continue
            if r.get("finish_reason") in ("length", "context"):
                outcome["wrong: truncated"] += 1
            elif not v.get("format_ok", True):
                outcome["wrong: format"] += 1
            else:
                outcome["wrong: " + ("answer does not follow a right trace" if kind == "none" else kind)] += 1
                if kind != "none":
                    where[min(at + 1, 10)] += 1
                if kind == "target check":  # which way: the sample's line has "!=" or not
                    checks["targets written off" if "!=" in lines[at] else "misses taken for the target"] += 1
        n = len(samples)
        print(f"## {suite}: {n} samples\n")
        print("| outcome | samples | share |")
        print("|---|---|---|")
        for k, c in sorted(outcome.items(), key=lambda kv: (not kv[0].startswith("correct"), -kv[1])):
            print(f"| {k} | {c} | {c / n:.3f} |")
        if checks:
            print("\nwrong: target check: " + ", ".join(f"{c} {k}" for k, c in checks.most_common()))
        if where:
            print("\nwrong samples by the line where they left the taught search (10 = 10 or later): " +
                  ", ".join(f"{k}: {where[k]}" for k in sorted(where)))
        print()


if __name__ == "__main__":
    main()
