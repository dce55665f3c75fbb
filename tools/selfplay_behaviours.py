#!/usr/bin/env python3
"""How many of a self-play run's admitted proposals computed what an earlier buffer entry
computed: the behaviour_key (docs/selfplay.md) of every entry of the run's latest checkpoint,
in the order the entries joined, and per window of steps the share of proposed entries whose
key an earlier entry had. For runs from before the runner recorded behaviour keys (or with a
novelty other than "behaviour", which let such entries in).

The keys come from verifiers/selfplay/program_runner.py's probe mode, run here with this
python (the one that runs this script), not inside the sandbox: the runner's static checks and restricted builtins
apply, the sandbox's isolation does not. Every entry already passed the sandbox's validation
when it joined the buffer; still, read only runs you trust with it.

usage: tools/selfplay_behaviours.py RUN_DIR [--window 50] [--examples 5]
"""
import argparse
import collections
import json
import os
import subprocess
import sys

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "verifiers", "selfplay",
                      "program_runner.py")
PROBES = 16  # as ProgramRunner::validate asks


def behaviour_key(entry):
    req = {"mode": "probe", "program": entry["program"], "entry": entry.get("entry", "f"),
           "inputs": entry["inputs"], "probes": PROBES}
    try:
        r = subprocess.run([sys.executable, "-S", RUNNER], input=json.dumps(req),
                           capture_output=True, text=True, timeout=20,
                           env=dict(os.environ, PYTHONHASHSEED="1"))
    except subprocess.TimeoutExpired:
        return "", 0
    lines = [l for l in r.stdout.splitlines() if l.startswith("R1SP ")]
    rep = json.loads(lines[-1][5:]) if lines else {}
    return rep.get("behaviour_key", ""), rep.get("probe_timeouts", 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--window", type=int, default=50, help="steps per row")
    ap.add_argument("--examples", type=int, default=5, help="pairs of programs to show")
    a = ap.parse_args()
    ckpts = os.path.join(a.run, "checkpoints")
    if not os.path.isfile(os.path.join(ckpts, "latest")):
        raise SystemExit(f"{a.run}: no checkpoint to read the buffer from")
    name = open(os.path.join(ckpts, "latest")).read().strip()
    state = json.load(open(os.path.join(ckpts, name, "trainer_state.json")))
    for buf in state["task_source"]["self_play"].values():
        first = {}  # key -> the entry that had it first
        # proposed, known behaviour, no key, a probe timed out
        rows = collections.defaultdict(lambda: [0, 0, 0, 0])
        examples, odd = [], []
        for e in buf["entries"]:
            k, timeouts = behaviour_key(e)
            if e.get("origin") == "proposed":
                row = rows[(e["step"] - 1) // a.window]
                row[0] += 1
                row[3] += timeouts > 0
                if not k or timeouts:
                    odd.append(("no key" if not k else "timed out", e["program"], e["inputs"]))
                if not k:
                    row[2] += 1
                elif k in first:
                    row[1] += 1
                    examples.append((first[k]["program"], e["program"]))
            if k:
                first.setdefault(k, e)
        print(f"buffer ({name}): {len(buf['entries'])} entries")
        print("| steps | proposed entries | known behaviour | share | no key | a probe timed out |")
        print("|---|---|---|---|---|---|")
        for w in sorted(rows):
            n, known, none, slow = rows[w]
            print(f"| {w * a.window + 1}-{(w + 1) * a.window} | {n} | {known} | {known / n:.2f} "
                  f"| {none} | {slow} |")
        step = max(1, len(examples) // max(1, a.examples))
        for old, new in examples[::step][:a.examples]:
            print(f"- `{new!r}` computes what `{old!r}` computes")
        for why, program, inputs in odd[:a.examples * 4]:
            print(f"- {why}: `{program!r}` on {inputs}")


main()
