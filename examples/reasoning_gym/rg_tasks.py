#!/usr/bin/env python3
"""Serves a reasoning-gym dataset as an r1 task source (tasks/external_tasks.h: JSON lines).

    python3 rg_tasks.py DATASET [--config JSON] [--levels JSON]

For each request {"n": N, "seed": S, "difficulty": D} on stdin it writes N task lines:
{"prompt", "answer", "verifier": "reasoning_gym", "meta": {"rg": {dataset, config, entry}}}.
The entry travels in the task, so rg_verifier.py can score an answer with the dataset's own
score_answer. --config is the dataset's keyword arguments; --levels maps a level ("1", "2", ...)
to keyword arguments merged over them, so r1's curriculum can move the difficulty. Without
--levels every level draws from --config alone.

pip install reasoning-gym
"""
import argparse
import json
import sys

import reasoning_gym


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", help="a reasoning-gym dataset name, e.g. leg_counting")
    ap.add_argument("--config", default="{}", help="JSON keyword arguments of the dataset")
    ap.add_argument("--levels", default="{}", help='JSON {"1": {...}, "2": {...}} per level')
    args = ap.parse_args()
    base = json.loads(args.config)
    levels = json.loads(args.levels)
    # Fail at start on a bad name or config, not at the first request.
    reasoning_gym.create_dataset(args.dataset, size=1, seed=0, **base)
    for line in sys.stdin:
        req = json.loads(line)
        config = dict(base)
        config.update(levels.get(str(req.get("difficulty", 1)), {}))
        data = reasoning_gym.create_dataset(args.dataset, size=req["n"], seed=req["seed"] % (2**63), **config)
        for i in range(req["n"]):
            entry = data[i]
            task = {
                "prompt": entry["question"],
                "answer": str(entry["answer"]),
                "verifier": "reasoning_gym",
                # default=str: metadata of some datasets holds values JSON has no type for.
                "meta": {"rg": {"dataset": args.dataset, "config": config,
                                "entry": json.loads(json.dumps(entry, default=str))}},
            }
            sys.stdout.write(json.dumps(task) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
