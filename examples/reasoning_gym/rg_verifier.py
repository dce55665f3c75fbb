#!/usr/bin/env python3
"""Scores answers to reasoning-gym tasks with the dataset's own score_answer, as an r1 external
verifier (docs/custom_verifiers.md: one JSON line in, one out).

The answer is the text inside the completion's last <answer>...</answer>; a completion without
one scores 0 with format_ok false. The task must come from rg_tasks.py (meta.rg holds the
dataset, its config and the entry).

The score is 1 for a right answer and 0 for any other. Many datasets' score_answer gives partial
credit to wrong answers (the default one pays len(gold)/len(answer) when the gold is a substring:
"14" earns 0.25 for the gold "4", and "0123456789" 0.1), which GRPO would turn into answers padded
with candidates. --partial-credit passes the dataset's score through, for datasets whose partial
credit is a measure worth learning.

pip install reasoning-gym
"""
import argparse
import json
import math
import re
import sys

_scorers = {}


def scorer(dataset, config):
    key = (dataset, json.dumps(config, sort_keys=True))
    if key not in _scorers:
        import reasoning_gym  # here, so that tests can give verify() a scorer of their own

        _scorers[key] = reasoning_gym.create_dataset(dataset, size=1, seed=0, **config)
    return _scorers[key]


def verify(task, completion, make_scorer=scorer, partial_credit=False):
    rg = task.get("meta", {}).get("rg")
    if not isinstance(rg, dict) or "entry" not in rg:
        return {"score": 0.0, "correct": False, "verifier_error": True, "reason": "not_a_reasoning_gym_task"}
    found = re.findall(r"<answer>(.*?)</answer>", completion, re.S)
    if not found:
        return {"score": 0.0, "correct": False, "format_ok": False, "reason": "no_answer"}
    # format_ok as the format verifier means it, roughly: a reasoning block before the answer.
    thought = re.search(r"<think>.*?</think>.*<answer>", completion, re.S) is not None
    dataset = make_scorer(rg["dataset"], rg.get("config", {}))
    try:
        score = float(dataset.score_answer(answer=found[-1].strip(), entry=rg["entry"]))
    except Exception as e:  # noqa: BLE001
        # An answer that crashes the scorer is a wrong answer when the scorer takes the entry's
        # own answer: a verifier error would drop the sample, and with it the penalty a model
        # could learn to dodge by crashing the scorer. If the gold crashes it too, the scorer is
        # broken, and that error goes up (a verifier error, in main).
        gold = rg["entry"].get("answer")
        if gold is None:  # nothing to tell a broken scorer from a bad answer by
            raise
        float(dataset.score_answer(answer=str(gold), entry=rg["entry"]))
        return {"score": 0.0, "correct": False, "format_ok": thought,
                "reason": f"answer_crashed_scorer: {type(e).__name__}"}
    if not math.isfinite(score):  # NaN would pass min/max as 1.0
        return {"score": 0.0, "correct": False, "format_ok": thought, "reason": "wrong_answer"}
    right = score >= 1.0
    paid = max(0.0, min(1.0, score)) if partial_credit else (1.0 if right else 0.0)
    return {"score": paid, "correct": right, "format_ok": thought,
            "reason": "ok" if right else "wrong_answer"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partial-credit", action="store_true",
                        help="pay the dataset's own score for wrong answers (default: 0)")
    args = parser.parse_args()
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = verify(req["task"], req["completion"], partial_credit=args.partial_credit)
        except Exception as e:  # noqa: BLE001 - a scorer bug is the verifier's error, not a 0
            reply = {"score": 0.0, "correct": False, "verifier_error": True, "reason": f"scorer_failed: {e}"}
        reply["id"] = req["id"]
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
