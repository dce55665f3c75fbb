#!/usr/bin/env python3
"""rg_verifier.verify's rules with scorers of the test's own (no reasoning-gym needed): ctest runs
it as ReasoningGymVerifier.Rules. An answer that crashes the scorer is wrong, not a verifier
error (a dropped sample escapes its penalty); a scorer that crashes on the gold is an error; a
NaN score is 0; partial credit is paid only when asked for."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rg_verifier  # noqa: E402


class Scorer:
    def __init__(self, crash_on=None, value=1.0):
        self.crash_on, self.value = crash_on, value

    def score_answer(self, answer, entry):
        if self.crash_on is not None and answer in self.crash_on:
            raise ValueError("cannot parse " + answer)
        if answer == entry["answer"]:
            return self.value
        # reasoning-gym's default partial credit: the gold inside a longer answer
        return len(entry["answer"]) / len(answer) if entry["answer"] in answer else 0.0


def check(scorer, completion, partial_credit=False):
    task = {"meta": {"rg": {"dataset": "d", "entry": {"answer": "7"}}}}
    return rg_verifier.verify(task, completion, make_scorer=lambda d, c: scorer,
                              partial_credit=partial_credit)


failures = []


def expect(what, got, **want):
    for k, v in want.items():
        if got.get(k) != v:
            failures.append(f"{what}: {k} is {got.get(k)!r}, want {v!r} ({got})")


expect("right", check(Scorer(), "<answer>7</answer>"), correct=True, score=1.0, format_ok=False)
expect("right, thought first", check(Scorer(), "<think>7</think> <answer>7</answer>"), correct=True,
       score=1.0, format_ok=True)
expect("gold inside a wrong answer", check(Scorer(), "<answer>17</answer>"), correct=False,
       score=0.0, reason="wrong_answer")
expect("gold among candidates", check(Scorer(), "<answer>0123456789</answer>"), correct=False,
       score=0.0)
expect("partial credit when asked", check(Scorer(), "<answer>17</answer>", partial_credit=True),
       correct=False, score=0.5)
expect("wrong", check(Scorer(), "<answer>8</answer>"), correct=False, score=0.0, reason="wrong_answer")
crashed = check(Scorer(crash_on={"\x00"}), "<answer>\x00</answer>")
expect("answer crashes the scorer", crashed, correct=False, score=0.0)
if crashed.get("verifier_error") or not crashed.get("reason", "").startswith("answer_crashed_scorer"):
    failures.append(f"answer crashes the scorer: {crashed}")
try:
    check(Scorer(crash_on={"\x00", "7"}), "<answer>\x00</answer>")
    failures.append("a scorer that crashes on the gold too: no error raised")
except ValueError:
    pass
class NoneScorer(Scorer):  # broken: returns None for every answer, the gold's too
    def score_answer(self, answer, entry):
        return None


try:
    check(NoneScorer(), "<answer>7</answer>")
    failures.append("a scorer that returns None for the gold too: no error raised")
except TypeError:
    pass
expect("NaN score", check(Scorer(value=float("nan")), "<answer>7</answer>"), correct=False, score=0.0)
expect("no answer", check(Scorer(), "7"), format_ok=False, score=0.0)

for f in failures:
    print("FAIL:", f)
print("ok" if not failures else f"{len(failures)} failures")
sys.exit(1 if failures else 0)
