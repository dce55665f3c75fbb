#!/usr/bin/env python3
"""The proposer's story of a self-play run: per tenth of its steps, the valid-proposal rate, the
share of proposals whose program (whose shape: the program up to its literals; whose behaviour:
its outputs on the runner's probe inputs) was new to the buffer, the mean learnability of
resolved proposals and the shares of them the solver never or always solved, the share of
distinct programs, the solve rate, and the reasons proposals failed.
Reads RUN/metrics.jsonl (the `selfplay` field, docs/selfplay.md). With --buffer it also reads
the buffer of the run's latest checkpoint and counts its programs: distinct normal forms, and
distinct shapes (the normal form with every literal replaced by its type, so `x > 10` and
`x > 1` share a shape), with the most common shapes. With --rewards it shows, per part, the
proposer's mean reward (from the counts and the rewards in RUN/config.json) and where each
outcome stands against it: above the mean, an outcome is reinforced.

Runs from before `new_programs` was a metric (2026-12-05) counted a valid re-post of a buffer
triplet as valid; this script subtracts those, so every run reads with today's definition.

usage: tools/selfplay_story.py RUN_DIR [--parts 10] [--buffer] [--rewards]
"""
import argparse
import ast
import builtins
import collections
import json
import os


def split(rows, parts):
    # The rows in `parts` runs of consecutive steps, as even as they divide (none empty).
    n = len(rows)
    return [rows[p * n // parts:(p + 1) * n // parts] for p in range(parts)
            if rows[p * n // parts:(p + 1) * n // parts]]


def story(rows, parts):
    print("| steps | proposals | valid rate | new programs | new shapes | new behaviours | learnability | never / always solved | distinct programs | solve rate | top failures |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for part in split(rows, parts):
        props = valid = resolved = 0
        never = always = None
        resolved_na = 0  # resolved proposals of the rows that count never/always solved
        new_programs = new_shapes = new_behaviours = None
        props_p = props_s = props_b = 0  # proposals of the rows that count each of them
        learn = distinct = distinct_n = 0.0
        correct = samples = 0
        reasons = collections.Counter()
        for r in part:
            sp = r["selfplay"]
            for k in sp.get("propose", {}).values():
                props += k.get("proposals", 0)
                by_verifier = k.get("reasons", {}).get("duplicate", 0)
                buffer_dups = k.get("duplicates", 0) - by_verifier
                if "new_programs" in k:
                    valid += k.get("valid", 0)
                    new_programs = (new_programs or 0) + k["new_programs"]
                    props_p += k.get("proposals", 0)
                else:  # older metrics counted a re-posted buffer triplet as valid
                    valid += k.get("valid", 0) - buffer_dups
                if "new_shapes" in k:
                    new_shapes = (new_shapes or 0) + k["new_shapes"]
                    props_s += k.get("proposals", 0)
                if "new_behaviours" in k:
                    new_behaviours = (new_behaviours or 0) + k["new_behaviours"]
                    props_b += k.get("proposals", 0)
                if buffer_dups:
                    reasons["duplicate_of_buffer"] += buffer_dups
                resolved += k.get("resolved", 0)
                if "never_solved" in k:
                    never = (never or 0) + k["never_solved"]
                    always = (always or 0) + k["always_solved"]
                    resolved_na += k.get("resolved", 0)
                learn += (k.get("learnability") or 0.0) * k.get("resolved", 0)
                if k.get("distinct_programs") is not None:
                    distinct += k["distinct_programs"]
                    distinct_n += 1
                for reason, c in k.get("reasons", {}).items():
                    if reason != "ok":
                        reasons[reason] += c
            for k in sp.get("solve", {}).values():
                correct += k.get("correct", 0)
                samples += k.get("samples", 0)
        top = ", ".join(f"{k} {v}" for k, v in reasons.most_common(3))
        f = lambda x, d: f"{x / d:.2f}" if d and x is not None else "-"
        print(f"| {part[0]['step']}-{part[-1]['step']} | {props} | {f(valid, props)} | {f(new_programs, props_p)} | "
              f"{f(new_shapes, props_s)} | {f(new_behaviours, props_b)} | {f(learn, resolved)} | {f(never, resolved_na)} / {f(always, resolved_na)} | {f(distinct, distinct_n)} | {f(correct, samples)} | {top} |")


def proposer_rewards(run):
    # The run's proposer rewards (docs/selfplay.md), from its config.json with the defaults.
    r = {"invalid_reward": -0.5, "format_reward": -1.0, "duplicate_reward": 0.0,
         "never_solved_reward": 0.0, "advantages": "role_kind"}
    try:
        mix = json.load(open(f"{run}/config.json"))["tasks"]["mix"]
    except (OSError, KeyError, ValueError):
        return r
    for m in mix:
        for k in r:
            r[k] = m.get("self_play", {}).get(k, r[k])
    return r


def rewards(rows, parts, rw):
    # Where each outcome stands against the proposer's mean reward. With advantages normalised
    # over the proposer's samples, an outcome above the mean is reinforced: when most proposals
    # fail, any valid one is, however hard. (A written-off follow-up's 0 counts in `resolved`,
    # so "learnable" divides by a few too many.)
    print(f"rewards: {rw}")
    if rw["advantages"] == "tiered":
        print("(advantages \"tiered\": the table is the validity part, where an admitted proposal's reward"
              " counts as 0; its difficulty part is normalised among the admitted ones)")
    print("| steps | mean proposer reward | learnable (mean 1 - s) | never solved | always solved | duplicate | refused | malformed |")
    print("|---|---|---|---|---|---|---|---|")
    for part in split(rows, parts):
        c = collections.Counter()
        learn = 0.0
        counted = True  # older runs did not count never/always solved
        for r in part:
            for k in r["selfplay"].get("propose", {}).values():
                counted = counted and "never_solved" in k
                for f in ("proposals", "malformed", "duplicates", "valid", "resolved",
                          "never_solved", "always_solved"):
                    c[f] += k.get(f, 0)
                learn += (k.get("learnability") or 0.0) * k.get("resolved", 0)
        if not c["proposals"] or not counted:
            print(f"| {part[0]['step']}-{part[-1]['step']} | - | | | | | | |")
            continue
        learnable = c["resolved"] - c["never_solved"] - c["always_solved"]
        refused = c["proposals"] - c["malformed"] - c["duplicates"] - c["valid"]
        total = (rw["format_reward"] * c["malformed"] + rw["invalid_reward"] * refused +
                 rw["duplicate_reward"] * c["duplicates"] + learn +
                 rw["never_solved_reward"] * c["never_solved"])
        mean = total / c["proposals"]
        d = lambda x: f"{x - mean:+.2f}"
        mean_learn = learn / learnable if learnable else 0.0
        never = rw["never_solved_reward"]
        if rw["advantages"] == "tiered":  # the validity part: an admitted proposal counts 0
            total -= learn + never * c["never_solved"]
            mean = total / c["proposals"]
            mean_learn = never = 0.0
        print(f"| {part[0]['step']}-{part[-1]['step']} | {mean:.2f} | {d(mean_learn)} | "
              f"{d(never)} | {d(0.0)} | {d(rw['duplicate_reward'])} | "
              f"{d(rw['invalid_reward'])} | {d(rw['format_reward'])} |")


BUILTINS = set(dir(builtins))


class Shape(ast.NodeTransformer):
    """The program's own names and its literals out: what is left is its structure. For
    buffers saved before the runner recorded a shape_key; close to the runner's, which renames
    only the names a program binds (here every name but a builtin's)."""

    def visit_Constant(self, node):
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)

    def visit_UnaryOp(self, node):  # -3 is a literal too
        if isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
            return self.visit_Constant(node.operand)
        self.generic_visit(node)
        return node

    def visit_Name(self, node):
        if node.id not in BUILTINS:
            node.id = "v"
        return node

    def visit_arg(self, node):
        node.arg = "v"
        node.annotation = None
        return node

    def visit_FunctionDef(self, node):
        node.name = "v"
        self.generic_visit(node)
        return node


def shape_of(entry):
    return entry.get("shape_key") or shape(entry["program"])


def shape(program):
    try:
        return ast.dump(Shape().visit(ast.parse(program)), annotate_fields=False)
    except (SyntaxError, ValueError, RecursionError):
        return None


def buffer_report(run):
    latest = os.path.join(run, "checkpoints", "latest")
    if not os.path.exists(latest):
        raise SystemExit(f"{run}: no checkpoint to read the buffer from")
    name = open(latest).read().strip() if os.path.isfile(latest) else "latest"
    state = json.load(open(os.path.join(run, "checkpoints", name, "trainer_state.json")))
    for entry in state["task_source"]["self_play"].values():
        entries = entry["entries"]
        proposed = [e for e in entries if e.get("origin") == "proposed"]
        programs = collections.Counter(e["program_key"] for e in proposed)
        shapes = collections.Counter(shape_of(e) for e in proposed)
        behaviours = collections.Counter(e["behaviour_key"] for e in proposed if e.get("behaviour_key"))
        probed = sum(behaviours.values())
        print(f"\nbuffer ({name}): {len(entries)} entries, {len(proposed)} proposed; among these, "
              f"{len(programs)} distinct programs and {len(shapes)} distinct shapes (literals ignored)"
              + (f"; {len(behaviours)} distinct behaviours among the {probed} with a behaviour_key" if probed else ""))
        by_shape = collections.defaultdict(list)
        for e in proposed:
            by_shape[shape_of(e)].append(e)
        for s, es in sorted(by_shape.items(), key=lambda x: -len(x[1]))[:5]:
            progs = collections.Counter(e["program"] for e in es)
            example = progs.most_common(1)[0][0].strip().replace("\n", "\\n")
            print(f"- {len(es)} entries ({len(es) / max(1, len(proposed)):.0%}), {len(progs)} programs, e.g. `{example}`")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--parts", type=int, default=10)
    ap.add_argument("--buffer", action="store_true", help="also count the programs of the latest checkpoint's buffer")
    ap.add_argument("--rewards", action="store_true",
                    help="also show each outcome's proposer reward against the mean (runs with never/always counts)")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(f"{a.run}/metrics.jsonl") if l.strip()]
    rows = [r for r in rows if "selfplay" in r]
    if not rows:
        raise SystemExit(f"{a.run}/metrics.jsonl: no self-play metrics")
    story(rows, a.parts)
    if a.rewards:
        rewards(rows, a.parts, proposer_rewards(a.run))
    if a.buffer:
        buffer_report(a.run)


if __name__ == "__main__":
    main()
