#!/usr/bin/env bash
# The measurement behind the project's central claim (issue 5): from the same cold start, does
# GRPO on freshly generated tasks beat more SFT on the fixed curated set, for the same wall time?
#
# For each curated-set size N in the sweep:
#   1. cold start: r1 sft on N worked solutions (the first N of a fixed seeded stream, so the sets
#      are nested), with the quickstart's SFT settings;
#   2. (a) GRPO from the cold start on fresh tasks for MINUTES of wall time (quickstart RL config);
#      (b) continued SFT from the cold start on the same N examples for the same wall time;
#   3. r1 eval of the cold start, (a) and (b) on the target suite declared in the pipeline config
#      (K samples at the run temperature, greedy pass@1, pass@K).
# Reports go to OUT/<N>/*.json and a summary table to OUT/summary.md (with the machine's core
# count and wall times). Stages already done are skipped, so the script can be re-run after a kill:
# a model only when the same derived config made it (and, past the cold start, from the cold
# start there now), a report only when it is newer than its model and made with the same eval
# settings (kept beside it in REPORT.args).
#
# The cold start trains for the SFT config's fixed number of steps at every N (equal compute), so
# small sets are seen for more epochs. Continued SFT runs at a constant learning rate (--sft-lr,
# default 5e-4: between the cold start's peak 2e-3 and its final 2e-4).
#
# usage: bench/rl_vs_sft.sh [--sizes "250 500 1000 2000"] [--minutes M (default: the RL config's max_seconds)] [--pipeline configs/quickstart.json]
#                           [--out docs/results/rl_vs_sft] [--work runs/rl_vs_sft] [--sft-lr 5e-4] [--r1 build/r1]
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="250 500 1000 2000"
minutes=""  # default: the RL config's max_seconds
pipeline=configs/quickstart.json
out=docs/results/rl_vs_sft
work=runs/rl_vs_sft
r1=build/r1
sft_lr=5e-4
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --minutes) minutes="$2"; shift 2 ;;
    --pipeline) pipeline="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --r1) r1="$2"; shift 2 ;;
    --sft-lr) sft_lr="$2"; shift 2 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) echo "rl_vs_sft.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$r1" ] || { echo "rl_vs_sft.sh: $r1 not found; build first (scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out" "$work"
if [ -z "$minutes" ]; then
  minutes=$(python3 - "$pipeline" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
rl = json.load(open(p["rl"])) if isinstance(p["rl"], str) else p["rl"]
s = rl["learner"].get("max_seconds", 0)
if not s: sys.exit("rl_vs_sft.sh: the RL config has no learner.max_seconds; pass --minutes")
print(s / 60)
PY
)
fi
seconds=$(python3 -c "print(int(float('$minutes') * 60))")

# The comparison sweeps the number of generated SFT examples: JSONL SFT data has no such knob.
python3 - "$pipeline" <<'PY' || exit 2
import json, sys
p = json.load(open(sys.argv[1]))
sft = json.load(open(p["sft"])) if isinstance(p["sft"], str) else p["sft"]
if "generated" not in sft.get("data", {}):
    sys.exit(sys.argv[1] + ": rl_vs_sft.sh needs the sft section's data to be generated "
             "(data.generated): the comparison sets its number of examples n")
PY

# Configs derived from the pipeline config's sft/rl/eval sections (python3 only edits JSON).
derive() {  # derive KIND N DIR -> prints the path of the derived config
  python3 - "$pipeline" "$1" "$2" "$3" "$seconds" "$sft_lr" <<'PY'
import json, sys, os
pipeline, kind, n, d, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
sft_lr = float(sys.argv[6])
p = json.load(open(pipeline))
def load(x): return json.load(open(x)) if isinstance(x, str) else x
sft, rl = load(p["sft"]), load(p["rl"])
# As r1 pipeline does: the eval suites are held out of every training stage.
def hold_out(section):  # suites the config holds out already are not added twice
    held = [x for x in section.get("holdout", "").split(",") if x]
    held += [x for x in p["eval"]["tasks"].split(",") if x and x not in held]
    section["holdout"] = ",".join(held)
hold_out(sft["data"]["generated"]); hold_out(rl["tasks"])
if kind == "cold":
    c = sft; c["out"] = d; c["data"]["generated"]["n"] = n
elif kind == "sft":  # continued SFT: same examples, from the cold start, constant lr, for the budget
    c = sft; c["out"] = d; c["data"]["generated"]["n"] = n
    c["model"] = {"init": os.path.join(os.path.dirname(d), "cold", "final")}
    c["train"].pop("epochs", None); c["train"]["steps"] = 10**7; c["train"]["max_seconds"] = seconds
    c["train"]["checkpoint_every"] = 0
    c["schedule"] = {"kind": "constant", "warmup_steps": 0}
    c["optimizer"]["lr"] = sft_lr
elif kind == "rl":
    c = rl; c["out"] = d
    c["model"] = {"init": os.path.join(os.path.dirname(d), "cold", "final")}
    c["learner"]["steps"] = 10**6; c["learner"]["max_seconds"] = seconds
path = d + ".config.json"
os.makedirs(os.path.dirname(path), exist_ok=True)
json.dump(c, open(path, "w"), indent=2)
print(path)
PY
}
eval_args=$(python3 - "$pipeline" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["eval"]
args = ["--tasks", e["tasks"], "--samples", str(e.get("samples", 8)), "--temperature", str(e.get("temperature", 1.0)),
        "--max-new-tokens", str(e.get("max_new_tokens", 128)), "--seed", str(e.get("seed", 0))]
if "slots" in e: args += ["--slots", str(e["slots"])]
if e.get("greedy", True): args.append("--greedy")
print(" ".join(args))
PY
)

n_suites=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["eval"]["tasks"].split(",")))' "$pipeline")
whole() {  # whole REPORT: it exists and holds every suite (r1 eval writes its report suite by suite)
  python3 -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["suites"]) != int(sys.argv[2]))' \
    "$1" "$n_suites" 2> /dev/null
}

# Runs a stage unless its output exists, is newer than what it was made from, and (for a
# training stage) was made by the same derived config; appends its wall time to
# OUT/N/times.jsonl. A report or model left by another config or an older cold start (reports
# committed before the holdout existed, a cold start trained without it) is made again, never
# reported as this run's.
stage() {  # stage N NAME DONE_FILE FROM_FILE CONFIG command...   (FROM_FILE, CONFIG: "" for none)
  local n="$1" name="$2" done_file="$3" from="$4" config="$5"; shift 5
  local fresh=1
  [ -f "$done_file" ] || fresh=0
  [ -z "$from" ] || [ "$done_file" -nt "$from" ] || fresh=0
  [ -z "$config" ] || cmp -s "$config" "$config.used" || fresh=0
  [ "$fresh" = 1 ] && return 0
  rm -f "$done_file"
  [ -z "$config" ] || rm -rf "${config%.config.json}"  # the stage's run folder
  local t0; t0=$(date +%s.%N)
  "$@"
  [ -z "$config" ] || cp "$config" "$config.used"
  python3 -c "import json,sys; print(json.dumps({'stage': sys.argv[1], 'seconds': round(float(sys.argv[3]) - float(sys.argv[2]), 1)}))" \
    "$name" "$t0" "$(date +%s.%N)" >> "$out/$n/times.jsonl"
}

for n in $sizes; do
  d="$work/$n"
  mkdir -p "$d" "$out/$n"
  cold_model="$d/cold/final/model.safetensors"
  cfg=$(derive cold "$n" "$d/cold")
  stage "$n" cold "$cold_model" "" "$cfg" "$r1" sft "$cfg" --no-progress
  cfg=$(derive rl "$n" "$d/rl")
  stage "$n" rl "$d/rl/final/model.safetensors" "$cold_model" "$cfg" "$r1" run "$cfg"
  cfg=$(derive sft "$n" "$d/sft")
  stage "$n" sft "$d/sft/final/model.safetensors" "$cold_model" "$cfg" "$r1" sft "$cfg" --no-progress
  for arm in cold rl sft; do
    whole "$out/$n/$arm.json" || rm -f "$out/$n/$arm.json"
    # A report is this run's only if made with this run's eval settings (samples, temperature,
    # max_new_tokens, greedy, suites): they are kept beside it, as configs are in .used.
    # Written before the eval: one killed midway leaves a partial report, which whole() catches.
    [ "$(cat "$out/$n/$arm.json.args" 2> /dev/null)" = "$eval_args" ] || rm -f "$out/$n/$arm.json"
    printf '%s\n' "$eval_args" > "$out/$n/$arm.json.args"
    stage "$n" "eval-$arm" "$out/$n/$arm.json" "$d/$arm/final/model.safetensors" "" \
      "$r1" eval --model "$d/$arm/final" $eval_args --no-progress --out "$out/$n/$arm.json"
  done
  [ "$out/$n/rl-reward.svg" -nt "$d/rl/final/model.safetensors" ] || rm -f "$out/$n/rl-reward.svg"
  [ -f "$out/$n/rl-reward.svg" ] || "$r1" plot --runs "GRPO=$d/rl" --field sampled/accuracy --title "GRPO: accuracy of all samples, N=$n" \
      --out "$out/$n/rl-reward.svg" > /dev/null
  for arm in rl sft; do  # steps done within the budget
    python3 -c "import sys; print(sum(1 for _ in open(sys.argv[1])))" "$d/$arm/metrics.jsonl" > "$out/$n/$arm.steps"
  done
done

python3 - "$out" "$minutes" "$sizes" "$pipeline" "$sft_lr" <<'PY' > "$out/summary.md"
import json, os, sys
out, minutes, sizes, pipeline, sft_lr = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4], sys.argv[5]
p = json.load(open(pipeline))
target = p.get("target", {}).get("suite")
print(f"# GRPO vs continued SFT from the same cold start\n")
print(f"{minutes} min of wall time per arm, {os.cpu_count()} cores. Pipeline config `{pipeline}`; "
      f"continued SFT at constant lr {sft_lr}. Declared target suite: `{target}`.\n")
print(f"Command: `bench/rl_vs_sft.sh --sizes \"{' '.join(sizes)}\" --minutes {minutes} --pipeline {pipeline} --sft-lr {sft_lr}`\n")
def ci(x): return f"{100*x['mean']:.1f} [{100*x['lo']:.1f}, {100*x['hi']:.1f}]"
def load(n, arm):
    f = os.path.join(out, n, arm + ".json")
    return json.load(open(f)) if os.path.exists(f) else None
suites = []
for n in sizes:
    r = load(n, "cold")
    if r: suites = [s["suite"] for s in r["suites"]]; break
for suite in suites:
    print(f"## {suite}{' (target)' if suite == target else ''}\n")
    print("| N curated | arm | steps | sampled pass@1 % [95% CI] | greedy pass@1 % [95% CI] | pass@K % |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        for arm, name in (("cold", "cold start"), ("rl", "(a) GRPO"), ("sft", "(b) continued SFT")):
            r = load(n, arm)
            if not r: continue
            s = next(x for x in r["suites"] if x["suite"] == suite)
            k = str(s["samples_per_task"])
            sf = os.path.join(out, n, arm + ".steps")
            steps = open(sf).read().strip() if os.path.exists(sf) else "-"
            g = ci(s["greedy_pass@1"]) if "greedy_pass@1" in s else "-"
            print(f"| {n} | {name} | {steps} | {ci(s['pass@1'])} | {g} | {100*s['pass@k'].get(k, 0):.1f} |")
    print()
    print("| N curated | (a) - cold start, sampled pass@1 | (a) vs (b), sampled pass@1 | (a) vs (b), greedy pass@1 | (a) - (b) paired over tasks, sampled / greedy |")
    print("|---|---|---|---|---|")
    for n in sizes:
        c, a, b = load(n, "cold"), load(n, "rl"), load(n, "sft")
        if not (c and a and b): continue
        pick = lambda r: next(x for x in r["suites"] if x["suite"] == suite)
        sc, sa, sb = pick(c), pick(a), pick(b)
        def verdict(key):
            if key not in sa or key not in sb: return "-"
            xa, xb = sa[key], sb[key]
            if xa["lo"] > xb["hi"]: w = "(a) wins, intervals apart"
            elif xb["lo"] > xa["hi"]: w = "(b) wins, intervals apart"
            elif xa["mean"] == xb["mean"]: w = "tie, intervals overlap"
            else: w = "(a) ahead, intervals overlap" if xa["mean"] > xb["mean"] else "(b) ahead, intervals overlap"
            return f"{100*(xa['mean']-xb['mean']):+.1f}: {w}"
        # The two arms ran the same tasks: the difference paired by task id is the sharper test
        # (separate intervals can overlap while the paired one is clear of zero).
        def paired(field):
            pa, pb = sa.get("per_task", {}), sb.get("per_task", {})
            if not pa.get("ids") or not pb.get("ids") or field not in pa or field not in pb: return "-"
            scale = lambda pt: pt["n"] if field == "correct" else 1
            at = {t: j for j, t in enumerate(pb["ids"])}
            d = [pa[field][i] / scale(pa) - pb[field][at[t]] / scale(pb) for i, t in enumerate(pa["ids"]) if t in at]
            if len(d) < 2: return "-"
            m = sum(d) / len(d)
            se = (sum((x - m) ** 2 for x in d) / (len(d) - 1) / len(d)) ** 0.5
            return f"{100*m:+.1f} [{100*(m-1.96*se):+.1f}, {100*(m+1.96*se):+.1f}]"
        print(f"| {n} | {100*(sa['pass@1']['mean']-sc['pass@1']['mean']):+.1f} | {verdict('pass@1')} | {verdict('greedy_pass@1')} | {paired('correct')} / {paired('greedy')} |")
    print()
print("## Wall time per stage (seconds)\n")
print("| N curated | " + " | ".join(["cold", "rl", "sft", "eval-cold", "eval-rl", "eval-sft"]) + " |")
print("|---|---|---|---|---|---|---|")
for n in sizes:
    f = os.path.join(out, n, "times.jsonl")
    if not os.path.exists(f): continue
    t = {}
    for line in open(f): x = json.loads(line); t[x["stage"]] = x["seconds"]
    print(f"| {n} | " + " | ".join(str(t.get(k, "-")) for k in ["cold", "rl", "sft", "eval-cold", "eval-rl", "eval-sft"]) + " |")
PY
cat "$out/summary.md"
