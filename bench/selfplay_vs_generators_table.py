#!/usr/bin/env python3
"""The tables of bench/selfplay_vs_generators.sh: sampled pass@1 of the cold start and of the
three arms, per seed and pooled over seeds, the pooled paired differences between arms, and the
self-play runs' proposer figures (tools/selfplay_story.py, first to last third).

Pooling: a task's pass rate under an arm is its correct samples over all seeds' samples; the
interval of a mean or of a paired difference is 1.96 standard errors over tasks. Seeds differ
in the run (sampling, task stream, batch order), not in the cold start or in the held-out tasks,
so the range over seeds is printed beside the pooled figure: it shows how much one run can
move, which the task interval does not.

usage: bench/selfplay_vs_generators_table.py --out DIR --work DIR --minutes M --seeds S [S ...]
"""
import argparse
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import selfplay_story  # noqa: E402
from eval_pool import cell, interval, per_task, pooled, task_ids  # noqa: E402

ARMS = {"selfplay": "(a) self-play RL", "generators": "(b) generator RL", "sft_more": "(c) more SFT"}


def short(suite):
    kind = "deduction" if "deduction" in suite else "abduction"
    if not suite.startswith("pyplay"):
        return "hand-written " + kind
    return ("composed " if "programs=composed" in suite else "template ") + kind


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--minutes", required=True)
    ap.add_argument("--seeds", nargs="+", required=True)
    a = ap.parse_args()

    cold_report = json.load(open(f"{a.out}/cold.json"))
    cold = per_task(cold_report)
    suites = list(cold)
    ids = task_ids(cold_report)
    runs = {m: [per_task(json.load(open(f"{a.out}/s{s}/{m}.json")), ids) for s in a.seeds] for m in ARMS}
    header = "| model | " + " | ".join(short(s) for s in suites) + " |"
    rule = "|---|" + "---|" * len(suites)
    lines = [f"# Self-play against the fixed generators ({a.minutes} min each, seeds {' '.join(a.seeds)}, "
             f"{os.cpu_count()} cores)", "",
             "Sampled pass@1 in % (95% interval over tasks). Suites: " +
             ", ".join(f"`{s}`" for s in suites) + ".", ""]

    lines += ["## Per seed", "", header, rule]
    lines.append("| cold start | " + " | ".join(cell(*interval([c / n for c, n in cold[s]])) for s in suites) + " |")
    for seed_i, seed in enumerate(a.seeds):
        for m, label in ARMS.items():
            r = runs[m][seed_i]
            wall = f"{a.work}/s{seed}/{m}.wall"
            secs = f", {float(open(wall).read()) / 60:.1f} min" if os.path.exists(wall) else ""
            lines.append(f"| {label}, seed {seed}{secs} | " +
                         " | ".join(cell(*interval([c / n for c, n in r[s]])) for s in suites) + " |")

    lines += ["", "## Pooled over seeds (range of the seeds' means beside it)", "", header, rule]
    pool = {m: pooled(runs[m]) for m in ARMS}
    pool["cold"] = {s: [c / n for c, n in cold[s]] for s in suites}
    for m, label in [("cold", "cold start")] + list(ARMS.items()):
        cells = []
        for s in suites:
            txt = cell(*interval(pool[m][s]))
            if m != "cold":
                means = [sum(c / n for c, n in r[s]) / len(r[s]) for r in runs[m]]
                txt += f" ({100 * min(means):.1f}-{100 * max(means):.1f})"
            cells.append(txt)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    lines += ["", "## Paired differences, pooled over seeds (percentage points)", "",
              "The interval is over tasks only; the range after it is the difference seed by seed, "
              "which shows how far one run can move.", "", header.replace("model", "difference"), rule]
    pairs = [("selfplay", "generators"), ("selfplay", "sft_more"), ("generators", "sft_more"),
             ("selfplay", "cold"), ("generators", "cold"), ("sft_more", "cold")]
    name = dict(ARMS, cold="cold start")

    def seed_mean(arm, i, suite):  # an arm's pass rate on a suite in seed i's run
        tasks = cold[suite] if arm == "cold" else runs[arm][i][suite]
        return sum(c / n for c, n in tasks) / len(tasks)

    for x, y in pairs:
        cells = []
        for s in suites:
            m, lo, hi = interval([p - q for p, q in zip(pool[x][s], pool[y][s])])
            per_seed = [seed_mean(x, i, s) - seed_mean(y, i, s) for i in range(len(a.seeds))]
            cells.append(f"{100 * m:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] "
                         f"({100 * min(per_seed):+.1f} to {100 * max(per_seed):+.1f})")
        lines.append(f"| {name[x].split(' ')[0]} - {name[y].split(' ')[0] if y != 'cold' else 'cold'} | " + " | ".join(cells) + " |")

    lines += ["", "## The self-play runs' proposers (thirds of each run)", ""]
    for seed in a.seeds:
        run = f"{a.work}/s{seed}/selfplay"
        rows = [json.loads(l) for l in open(f"{run}/metrics.jsonl") if l.strip()]
        rows = [r for r in rows if "selfplay" in r]
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            selfplay_story.story(rows, 3)
        lines += [f"Seed {seed}, {len(rows)} steps:", "", text.getvalue().rstrip(), ""]

    open(f"{a.out}/summary.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
