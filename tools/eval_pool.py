#!/usr/bin/env python3
"""Two sets of `r1 eval --out` reports, one report per seed in each, compared on the same tasks:
sampled pass@1 of each set pooled over seeds, and their paired difference.

Pooling: a task's pass rate in a set is its correct samples over all the set's samples; the
interval of a mean or of a paired difference is 1.96 standard errors over tasks. Seeds differ in
the run, not in the held-out tasks, so the range of the seed-by-seed differences is printed
beside the pooled one: it shows how far one run can move, which the task interval does not.
The i-th report of --a is paired with the i-th of --b (same seed, same cold start).

usage: tools/eval_pool.py --a A1.json A2.json ... --b B1.json B2.json ... [--names A B]
"""
import argparse
import json
import math
import sys


def per_task(report, ids=None):
    # suite -> list of per-task (correct, samples); `ids` (suite -> task ids) must match.
    out = {}
    if ids is not None and sorted(s["suite"] for s in report["suites"]) != sorted(ids):
        sys.exit(f"{report['model']}: its suites are not the reference report's (a "
                 "stopped evaluation? delete the report and evaluate again)")
    for s in report["suites"]:
        if ids is not None and s["per_task"]["ids"] != ids.get(s["suite"]):
            sys.exit(f"{report['model']}: the tasks of {s['suite']} are not the reference report's")
        correct, n = s["per_task"]["correct"], s["per_task"]["n"]  # n: samples per task
        out[s["suite"]] = [(c, n) for c in correct]
    return out


def load(path):
    # A report with per-task results and ids, or a clear exit naming the file.
    try:
        r = json.load(open(path))
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read it as JSON: {e}")
    if not isinstance(r, dict) or not isinstance(r.get("suites"), list):
        sys.exit(f"{path}: not an r1 eval report (no \"suites\" array)")
    for s in r["suites"]:
        pt = s.get("per_task") or {}
        ids = pt.get("ids")
        if not isinstance(ids, list) or len(set(map(str, ids))) != len(ids) or "correct" not in pt:
            sys.exit(f"{path}: suite {s.get('suite')} has no per-task results with one id per "
                     "task (a report of an older r1? evaluate again)")
    r.setdefault("model", path)
    return r


def differing_settings(a, b):
    # The eval settings two reports differ in, the seed aside (as `r1 eval --compare` says).
    sa, sb = a.get("settings") or {}, b.get("settings") or {}
    return [f"{k} ({json.dumps(sa.get(k))} vs {json.dumps(sb.get(k))})"
            for k in sorted(set(sa) | set(sb))
            if k not in ("seed", "tasks") and sa.get(k) != sb.get(k)]


def task_ids(report):
    return {s["suite"]: s["per_task"]["ids"] for s in report["suites"]}


def pooled(reports):
    # The per-task pass rate over several reports of the same suites (one per seed).
    out = {}
    for suite in reports[0]:
        tasks = zip(*(r[suite] for r in reports))
        out[suite] = [sum(c for c, _ in t) / sum(n for _, n in t) for t in tasks]
    return out


def mean_rate(tasks):  # one report's pass rate on a suite
    return sum(c / n for c, n in tasks) / len(tasks)


def interval(values):
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, m, m
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))
    half = 1.96 * sd / math.sqrt(len(values))
    return m, m - half, m + half


def rate_interval(values):
    # interval() for pass rates; where every task is 0 (or every one 1), the far end is Wilson's
    # bound for that many tasks, as in `r1 eval` (eval/estimators.h: rate_ci95).
    m, lo, hi = interval(values)
    edge = 1.96 ** 2 / (len(values) + 1.96 ** 2)
    if all(v == 0 for v in values):
        hi = edge
    if all(v == 1 for v in values):
        lo = 1 - edge
    return m, lo, hi


def cell(m, lo, hi):  # a pass rate: its interval clipped to [0, 1]
    lo, hi = max(lo, 0.0), min(hi, 1.0)
    return f"{100 * m:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", nargs="+", required=True, help="reports of the first set, one per seed")
    ap.add_argument("--b", nargs="+", required=True, help="reports of the second, in the same order")
    ap.add_argument("--names", nargs=2, default=["A", "B"])
    a = ap.parse_args()
    if len(a.a) != len(a.b):
        sys.exit(f"--a has {len(a.a)} reports and --b {len(a.b)}: they pair seed by seed")
    reports = [[load(p) for p in paths] for paths in (a.a, a.b)]
    first = reports[0][0]
    ids = task_ids(first)
    # Pooling reports made with other settings (temperature, samples, ...) would mix those into
    # the rates, and the difference would measure them too: say so, as --compare does.
    for (path, r) in zip(a.a + a.b, reports[0] + reports[1]):
        differ = differing_settings(first, r)
        if differ:
            print(f"note: {path} was evaluated with other settings than {a.a[0]}: "
                  f"{', '.join(differ)}; the figures below measure those too\n")
    sets = [[per_task(r, ids) for r in rs] for rs in reports]
    pools = [pooled(s) for s in sets]
    na, nb = a.names
    n_seeds = f"{len(a.a)} seed" + ("s" if len(a.a) > 1 else "")
    print(f"sampled pass@1 in %, pooled over {n_seeds} (95% interval over tasks; "
          "seed-by-seed range of the difference after it)\n")
    print(f"| suite | {na} | {nb} | {na} - {nb} |")
    print("|---|---|---|---|")
    for suite in ids:
        m, lo, hi = interval([p - q for p, q in zip(pools[0][suite], pools[1][suite])])
        seeds = [mean_rate(x[suite]) - mean_rate(y[suite]) for x, y in zip(*sets)]
        print(f"| {suite} | {cell(*rate_interval(pools[0][suite]))} | {cell(*rate_interval(pools[1][suite]))} | "
              f"{100 * m:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] "
              f"({100 * min(seeds):+.1f} to {100 * max(seeds):+.1f}) |")


if __name__ == "__main__":
    main()
