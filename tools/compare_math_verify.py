#!/usr/bin/env python3
"""Differential test of r1's `math` verifier against Hugging Face's Math-Verify.

Runs both verifiers on the same gold/answer pairs and prints their agreement per category,
every class of disagreement with examples, and the speed of each on the same pairs.

Pairs come from three places:
  gold_solution:<dataset>  the gold solutions of ../shared/data/eval (GSM8K test, MATH-500,
                           AIME24) judged against their own gold answers: both should say
                           "correct" every time;
  table:<category>         tests/verifiers/data/math_equivalence.tsv (answers as free text),
                           each with the expected verdict;
  perturbed:<kind>         respellings (should pass) and perturbations (should fail) of the
                           MATH-500 and GSM8K gold answers, generated here.
Where the expected verdict is known, each disagreement names the verifier that is right.

Needs `pip install math-verify` and a built `build/r1`; CI does not run it.

  python3 tools/compare_math_verify.py [--r1 build/r1] [--eval ../shared/data/eval]
                                       [--out report.json] [--examples 3]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def gold_solution_pairs(eval_dir):
    pairs = []
    path = os.path.join(eval_dir, "gsm8k-test.jsonl")
    if os.path.exists(path):
        for r in read_jsonl(path):
            gold = r["answer"].rsplit("####", 1)[-1].strip().replace(",", "")
            pairs.append(("gold_solution:gsm8k", gold, r["answer"], True))
    for name in ("math500", "aime24"):
        path = os.path.join(eval_dir, name + ".jsonl")
        if os.path.exists(path):
            for r in read_jsonl(path):
                if r.get("solution"):
                    pairs.append(("gold_solution:" + name, str(r["answer"]), r["solution"], True))
    return pairs


def table_pairs():
    pairs = []
    path = os.path.join(ROOT, "tests", "verifiers", "data", "math_equivalence.tsv")
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            category, expected, gold, answer = fields[:4]
            mode = fields[4] if len(fields) > 4 else "both"
            if mode == "tagged":
                continue  # Math-Verify has no answer tags; judge free text only
            # A bare expression is given to both verifiers in math mode, as a model writes it:
            # Math-Verify reads LaTeX only inside delimiters.
            bare = not any(d in answer for d in ("$", "\\(", "\\[", "\\boxed", "\\fbox"))
            words = re.search(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}", re.sub(r"\\(begin|end)\{\w+\}", "", answer))
            if bare and not words:
                answer = "$" + answer + "$"
            pairs.append(("table:" + category, gold, answer, expected == "1"))
    return pairs


INT = re.compile(r"^-?\d+$")
FRAC = re.compile(r"^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$")
TUPLE = re.compile(r"^\\left\(\s*(.*)\\right\)$|^\((.*)\)$")
INTERVAL = re.compile(r"^([\[(])(.*),(.*)([\])])$")


def perturbations(gold):
    """(kind, answer, expected) variants of one gold answer."""
    g = gold.strip()
    out = [
        ("boxed", "So the answer is $\\boxed{%s}$." % g, True),
        ("math_mode", "Putting it together we get $%s$." % g, True),
        ("final_answer", "Final answer: $%s$" % g, True),
    ]
    if not re.search(r"\\[a-zA-Z]+ [a-zA-Z0-9]", g):  # "\cot x" without its space is "\cotx"
        out.append(("no_spaces", "$\\boxed{%s}$" % g.replace(" ", ""), True))
    if INT.match(g):
        n = int(g)
        out += [("int_plus_one", "$\\boxed{%d}$" % (n + 1), False),
                ("int_decimal", "The answer is %d.0" % n, True)]
        if n != 0:
            out.append(("int_negated", "$\\boxed{%d}$" % -n, False))
            out.append(("int_times_ten", "$\\boxed{%d}$" % (n * 10), False))
        if abs(n) >= 1000:
            out.append(("int_thousands", "The answer is %s." % format(n, ","), True))
            out.append(("int_si_groups", "The answer is %s." % format(n, ",").replace(",", " "), True))
    m = FRAC.match(g)
    if m:
        sign, a, b = m.group(1), int(m.group(2)), int(m.group(3))
        out += [("frac_slash", "$%s%d/%d$" % (sign, a, b), True),
                ("frac_dfrac", "$\\dfrac{%s%d}{%d}$" % (sign, a, b), True),
                ("frac_decimal", "$%s%.10f$" % (sign, a / b), True),
                ("frac_numerator_plus_one", "$\\frac{%s%d}{%d}$" % (sign, a + 1, b), False)]
        if a != b:
            out.append(("frac_inverted", "$\\frac{%s%d}{%d}$" % (sign, b, a), False))
    m = TUPLE.match(g)
    if m and not g.startswith("\\left\\{"):
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        parts = [p.strip() for p in inner.split(",")]
        if len(parts) == 2 and parts[0] != parts[1] and "(" not in inner and "[" not in inner:
            out.append(("tuple_swapped", "$(%s, %s)$" % (parts[1], parts[0]), False))
            out.append(("tuple_left_right", "$\\left( %s, %s \\right)$" % (parts[0], parts[1]), True))
    m = INTERVAL.match(g)
    if m and m.group(2).strip() != m.group(3).strip() and "\\infty" not in m.group(2) + m.group(3):
        flipped = {"[": "(", "(": "[", "]": ")", ")": "]"}[m.group(1)]
        out.append(("interval_end_flipped",
                    "$%s%s,%s%s$" % (flipped, m.group(2), m.group(3), m.group(4)), False))
    scalar = not re.search(r"[,=<>]|\\text|\\begin|\\le|\\ge|\\ne|\\cup|\\pm|\\\$|\\infty", g)
    if g not in ("0", "") and not g.startswith("-") and scalar:
        out.append(("negated", "$\\boxed{-(%s)}$" % g, False))
    if scalar and g:
        out.append(("plus_one", "$\\boxed{%s+1}$" % g, False))
        if g != "0":
            out.append(("doubled", "$\\boxed{2\\left(%s\\right)}$" % g, False))
        if not re.search(r"(?<![\\a-zA-Z])x(?![a-zA-Z])", g):
            out.append(("x_equals", "So $x = %s$." % g, True))
        value = numeric_value(g)
        if value is not None and value != int(value) and abs(value) < 1e12:
            out.append(("decimal_10_digits", "The answer is %s." % ("%.10g" % value), True))
            two = round(value, 2)
            if abs(two - value) > 1e-9 * max(1.0, abs(value)):
                out.append(("decimal_2_places", "The answer is %.2f." % two, False))
    return out


def numeric_value(gold):
    """The gold's value as a float when it is a real number without variables, else None."""
    try:
        from latex2sympy2_extended import latex2sympy  # installed with math-verify
        expr = latex2sympy(gold)
        if getattr(expr, "free_symbols", {1}):
            return None
        value = complex(expr.evalf(20))
        return value.real if abs(value.imag) < 1e-12 else None
    except Exception:  # noqa: BLE001 - no value, no perturbation
        return None


def perturbed_pairs(eval_dir):
    pairs = []
    golds = []
    path = os.path.join(eval_dir, "math500.jsonl")
    if os.path.exists(path):
        golds += [str(r["answer"]) for r in read_jsonl(path)]
    path = os.path.join(eval_dir, "gsm8k-test.jsonl")
    if os.path.exists(path):
        golds += [r["answer"].rsplit("####", 1)[-1].strip().replace(",", "")
                  for r in read_jsonl(path)[:300]]
    for gold in golds:
        for kind, answer, expected in perturbations(gold):
            pairs.append(("perturbed:" + kind, gold, answer, expected))
    return pairs


def run_r1(r1, pairs, threads):
    lines = []
    for i, (_, gold, answer, _) in enumerate(pairs):
        lines.append(json.dumps({"id": i, "task": {"answer": gold, "verifier": "math"},
                                 "completion": answer}))
    data = ("\n".join(lines) + "\n").encode()
    t0 = time.perf_counter()
    proc = subprocess.run([r1, "verify", "--verifier", "math", "--threads", str(threads)],
                          input=data, capture_output=True, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 2):
        sys.exit("r1 verify failed: " + proc.stderr.decode(errors="replace"))
    verdicts = [json.loads(l) for l in proc.stdout.decode().splitlines() if l.strip()]
    verdicts.sort(key=lambda v: v["id"])
    return [v.get("correct", False) for v in verdicts], seconds


def mv_gold(gold):
    # Math-Verify reads LaTeX inside math delimiters; a bare gold answer gets them.
    if re.search(r"(?<!\\)\$", gold) or "\\boxed" in gold or "\\(" in gold:
        return gold
    return "$" + gold + "$"


def run_math_verify(pairs):
    from math_verify import parse, verify  # pip install math-verify
    out = []
    t0 = time.perf_counter()
    for _, gold, answer, _ in pairs:
        try:
            ok = bool(verify(parse(mv_gold(gold)), parse(answer)))
        except Exception:  # noqa: BLE001 - a crash counts as "not correct"
            ok = False
        out.append(ok)
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--r1", default=os.path.join(ROOT, "build", "r1"))
    ap.add_argument("--eval", default=os.path.join(ROOT, "..", "shared", "data", "eval"))
    ap.add_argument("--threads", type=int, default=1, help="r1 verify threads (default 1, as Math-Verify)")
    ap.add_argument("--out", help="write every pair and both verdicts here as JSON")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per disagreement class")
    args = ap.parse_args()
    try:
        import math_verify  # noqa: F401
    except ImportError:
        sys.exit("Math-Verify is not installed: pip install math-verify")
    if not os.access(args.r1, os.X_OK):
        sys.exit(args.r1 + " is not built: cmake -B build && make -C build -j2 r1")

    pairs = gold_solution_pairs(args.eval) + table_pairs() + perturbed_pairs(args.eval)
    print("pairs: %d (%s)" % (len(pairs), args.eval if os.path.isdir(args.eval) else "no eval data"),
          file=sys.stderr)
    r1_says, r1_s = run_r1(args.r1, pairs, args.threads)
    mv_says, mv_s = run_math_verify(pairs)

    by_cat = collections.OrderedDict()
    classes = collections.OrderedDict()
    rows = []
    for (cat, gold, answer, expected), a, b in zip(pairs, r1_says, mv_says):
        c = by_cat.setdefault(cat, {"pairs": 0, "agree": 0, "r1_right": 0, "mv_right": 0})
        c["pairs"] += 1
        c["agree"] += a == b
        c["r1_right"] += a == expected
        c["mv_right"] += b == expected
        rows.append({"category": cat, "gold": gold, "answer": answer, "expected": expected,
                     "r1": a, "math_verify": b})
        if a != b:
            right = "r1" if a == expected else "math_verify"
            key = (cat, "r1 " + ("accepts" if a else "rejects"),
                   "Math-Verify " + ("accepts" if b else "rejects"), right)
            classes.setdefault(key, []).append((gold, answer))

    total = len(pairs)
    agree = sum(c["agree"] for c in by_cat.values())
    print("%-40s %6s %8s %9s %9s" % ("category", "pairs", "agree", "r1 right", "MV right"))
    for cat, c in by_cat.items():
        print("%-40s %6d %7.1f%% %8.1f%% %8.1f%%" % (cat, c["pairs"], 100 * c["agree"] / c["pairs"],
                                                     100 * c["r1_right"] / c["pairs"],
                                                     100 * c["mv_right"] / c["pairs"]))
    print("%-40s %6d %7.1f%%" % ("all", total, 100 * agree / total))
    print("\ndisagreements (%d), by class:" % (total - agree))
    for (cat, r1v, mvv, right), ex in classes.items():
        print("  %s: %s, %s (%d); expected %s, so %s is right" % (
            cat, r1v, mvv, len(ex), "accept" if (right == "r1") == r1v.endswith("accepts") else "reject",
            right))
        for gold, answer in ex[: args.examples]:
            print("      gold %r  answer %r" % (gold[:80], answer[:120]))
    speed = {"pairs": total, "r1_verdicts_per_s": total / r1_s, "r1_threads": args.threads,
             "r1_seconds": r1_s, "math_verify_verdicts_per_s": total / mv_s, "math_verify_seconds": mv_s,
             "ratio": (total / r1_s) / (total / mv_s)}
    print("\n" + json.dumps(speed))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"speed": speed, "categories": by_cat, "pairs": rows}, f, indent=1)


if __name__ == "__main__":
    main()
