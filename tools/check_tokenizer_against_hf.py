#!/usr/bin/env python3
"""Compares `r1 tokenize` with Hugging Face `tokenizers` on many texts (not run in CI).

    pip install tokenizers
    python3 tools/check_tokenizer_against_hf.py build/r1 ../shared/data/tokenizers/qwen3 [--random N] [--every-code-point]

--random N: N random texts mixing scripts, marks, spaces, digits, contractions and added tokens
(the ids must match; decoding is checked by the golden tests). --every-code-point: every code point outside the
private-use areas and surrogates, each in a few contexts (" x", "x'", digits, newlines).
Prints the mismatches (at most 8) and a summary; exits 1 when anything differs.
"""
import argparse
import json
import random
import subprocess
import sys
import unicodedata

from tokenizers import Tokenizer


def random_texts(ref, n, seed):
    rng = random.Random(seed)
    assigned = [c for c in range(0x110000) if unicodedata.category(chr(c)) not in ("Cn", "Cs")]
    marks = [c for c in assigned if unicodedata.category(chr(c)).startswith("M")]
    spaces = [c for c in assigned if chr(c).isspace()] + [0x85, 0x1C, 0x1F, 0x200B, 0x2060, 0xFEFF]
    added = [t.content for t in ref.get_added_tokens_decoder().values()]
    pieces = ["'s", "'S", "'\u017f", "'re", "'RE", "'Ve", "'LL", "'d", "'m", "''", "\r\n", "\n", "\r", " ", "  ",
              "\t", "   \n", "e\u0301", "A\u030a", "\u1100\u1161\u11a8", "123", "1234567", "\u0661\u0662", "\u00bd",
              "\u4e2d\u6587", "\u3072\u3089", "\u30ab\u30bf", "\U0001F600", "\U0001F468\u200d\U0001F469", "@x", "$5"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            if r < 0.25: parts.append(rng.choice(pieces))
            elif r < 0.45: parts.append(chr(rng.choice(assigned)))
            elif r < 0.55: parts.append(chr(rng.choice(marks)))
            elif r < 0.65: parts.append(chr(rng.choice(spaces)) * rng.randint(1, 3))
            elif r < 0.70: parts.append(rng.choice(added))
            elif r < 0.85: parts.append("".join(rng.choice("abcdefgXYZ") for _ in range(rng.randint(1, 8))))
            else: parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6))))
        out.append("".join(parts))
    return out


def code_point_texts():
    cps = [c for c in range(0x110000)
           if not (0xD800 <= c < 0xE000 or 0xE000 <= c < 0xF900 or c >= 0xF0000)]
    return ["".join(f"x{chr(c)}x {chr(c)} '{chr(c)}1{chr(c)}\n{chr(c)}  " for c in cps[i:i + 4])
            for i in range(0, len(cps), 4)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("r1")
    ap.add_argument("tokenizer_dir")
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every-code-point", action="store_true")
    a = ap.parse_args()
    ref = Tokenizer.from_file(a.tokenizer_dir + "/tokenizer.json")
    texts = random_texts(ref, a.random, a.seed) + (code_point_texts() if a.every_code_point else [])
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    run = subprocess.run([a.r1, "tokenize", "--tokenizer", a.tokenizer_dir], input=inp.encode(),
                         capture_output=True, check=True)
    got = [json.loads(l)["ids"] for l in run.stdout.decode().split("\n") if l]
    want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=False)]
    bad = 0
    for t, g, w in zip(texts, got, want):
        if g != w:
            bad += 1
            if bad <= 8:
                print("MISMATCH", repr(t), "\n  want", w, "\n  got ", g)
    print(f"{a.tokenizer_dir}: {len(texts)} texts, {bad} mismatches")
    sys.exit(1 if bad or len(got) != len(texts) else 0)


if __name__ == "__main__":
    main()
