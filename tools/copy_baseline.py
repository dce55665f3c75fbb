#!/usr/bin/env python3
"""How many self-play solve tasks copying the prompt would answer: the copy baseline of a
deduction or abduction suite. Deduction: the input shown equals the output asked for.
Abduction: the program maps the output shown to itself, so the output is an input for it.
countdown (`r1 tasks countdown ...`): the numbers added in the prompt's order, the cheapest
guess a policy can write (also counted: multiplied), right where the generator drew only that
operation: 37.0 / 11.8 / 12.0 / 4.0% of the quickstarts' suites of levels 1-4 (docs/eval.md).
pyoutput (`r1 tasks pyoutput ...`): the program prints its first literal unchanged (a branch not
taken, gcd(55, 55), a loop that never matches): 1-16% of a level's tasks, so a model that
copies that literal scores that much without tracing anything (also counted: an answer equal to
a constant the program assigns to a name, such as a counter printed unchanged).
Reads task JSONL (`r1 tasks pyplay ...`, `r1 tasks abduction --input FILE --n 0`); runs the
programs with Python, so use it on trusted suites only. Report it beside a model's pass rate:
a score under it measures nothing. Since 2026-12-06 the generators draw tasks whose copy
baseline is 0 (docs/eval.md).

    r1 tasks pyplay --n 150 --seed 4242 \\
        --options '{"kinds": "abduction", "propose_share": 0, "programs": "templates"}' > a.jsonl
    python3 tools/copy_baseline.py a.jsonl
"""
import ast
import json
import math
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mark_fixed_points import _timeout, maps_to_itself  # noqa: E402  (one reading of "copy answers")


def literals(program):
    """The constants a pyoutput program assigns, in order, as print() would write them."""
    return [str(node.value.value) for node in ast.walk(ast.parse(program))
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)]


def first_literal(program):
    found = literals(program)
    return found[0] if found else None


def main(paths):
    signal.signal(signal.SIGALRM, _timeout)
    for path in paths:
        n = right = any_right = 0
        kind = "?"
        for line in open(path):
            if not line.strip():
                continue
            task = json.loads(line)
            if task.get("family") == "countdown":
                kind = "countdown"
                n += 1
                numbers, target = task["meta"]["numbers"], task["meta"]["target"]
                right += sum(numbers) == target
                any_right += math.prod(numbers) == target
                continue
            if task.get("family") == "pyoutput":
                kind = "pyoutput"
                n += 1
                program, answer = task["meta"]["program"], task["answer"].strip()
                right += first_literal(program) == answer
                any_right += answer in literals(program)
                continue
            if "meta" not in task or "kind" not in task["meta"]:
                sys.exit(f"{path}: not a self-play solve task (no meta.kind): {line[:80]}")
            meta = task["meta"]
            kind = meta["kind"]
            n += 1
            if kind == "deduction":
                right += meta["input"].strip() == meta["output"].strip()
            elif kind == "abduction":
                right += maps_to_itself(meta["program"], meta["output"])
        share = 100.0 * right / n if n else 0.0
        print(f"{path}: {kind}: copying the prompt answers {right} of {n} ({share:.1f}%)")
        if kind == "countdown":
            print(f"  (the numbers multiplied instead: {any_right} of {n}, "
                  f"{100.0 * any_right / n if n else 0.0:.1f}%)")
        if kind == "pyoutput":
            print(f"  (its first literal; a constant it assigns to a name: {any_right} of {n}, "
                  f"{100.0 * any_right / n if n else 0.0:.1f}%)")


if __name__ == "__main__":
    main(sys.argv[1:])
