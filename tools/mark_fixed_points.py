#!/usr/bin/env python3
"""Marks, in a self-play triplet file (tests/data/selfplay_heldout/programs.jsonl), which
outputs the program maps to themselves: "fixed_points": [bool per pair], f(output) == output.
An abduction task that shows such an output is answered by copying it, so the dataset reader
(tasks/datasets.cpp) chooses another pair. C++ cannot run the programs; this script does, once,
when the file changes. Rewrites the file in place; prints how many pairs and programs it marked.

    python3 tools/mark_fixed_points.py tests/data/selfplay_heldout/programs.jsonl
"""
import copy
import json
import signal
import sys


def _timeout(*_):
    raise TimeoutError()


def maps_to_itself(program, output):
    scope = {}
    exec(program, scope)  # the file's own hand-written programs
    value = eval(output, {})
    before = repr(value)  # f may change its argument in place
    signal.alarm(2)
    try:
        return repr(scope["f"](copy.deepcopy(value))) == before
    except Exception:  # another type, an error, a timeout: not a copy's answer
        return False
    finally:
        signal.alarm(0)


def main(path):
    signal.signal(signal.SIGALRM, _timeout)
    lines = [json.loads(line) for line in open(path) if line.strip()]
    pairs = programs = 0
    for t in lines:
        t["fixed_points"] = [maps_to_itself(t["program"], o) for o in t["outputs"]]
        pairs += sum(t["fixed_points"])
        programs += any(t["fixed_points"])
    with open(path, "w") as out:
        for t in lines:
            out.write(json.dumps(t) + "\n")
    print(f"{path}: {pairs} pairs in {programs} of {len(lines)} programs map their output to itself")


if __name__ == "__main__":
    main(sys.argv[1])
