#!/usr/bin/env python3
"""An example external verifier for r1.cpp: any program that reads JSON lines on stdin and
writes one JSON line per request on stdout works (see docs/custom_verifiers.md).

"keywords": the answer (inside <answer>...</answer>) must mention every word listed in
task.meta.keywords; the score is the fraction it mentions.

    r1 verify --verifier external \
        --verifier-options '{"command": ["python3", "examples/external_verifier/keywords_verifier.py"]}' \
        < in.jsonl
"""
import json
import re
import sys


def verify(task, completion):
    found = re.findall(r"<answer>(.*?)</answer>", completion, re.S)
    if not found:
        return {"score": 0.0, "correct": False, "format_ok": False, "reason": "no_answer"}
    answer = found[-1].lower()
    keywords = task.get("meta", {}).get("keywords")
    if not isinstance(keywords, list) or not keywords:
        # The task itself is broken: say so instead of scoring the completion 0.
        return {"score": 0.0, "correct": False, "verifier_error": True,
                "reason": "task_has_no_keywords"}
    # Whole words only: "leaves" is not in "leavesautumnal". (A keywords score is easy to
    # stuff: an answer that only lists the words passes. It is an example of the protocol, not
    # a judge of writing.)
    words = set(re.findall(r"\w+", answer))
    missing = [k for k in keywords if k.lower() not in words]
    score = 1.0 - len(missing) / len(keywords)
    return {"score": score, "correct": not missing, "format_ok": True,
            "reason": "ok" if not missing else "missing_keywords",
            "details": {"missing": missing}}


def main():
    for line in sys.stdin:
        request = json.loads(line)
        reply = verify(request["task"], request["completion"])
        reply["id"] = request["id"]  # echo the id: r1 checks it
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()  # one reply per request, right away


if __name__ == "__main__":
    main()
