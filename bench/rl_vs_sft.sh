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
# count and wall times). Stages already done are skipped, so the script can be re-run after a kill.
#
# usage: bench/rl_vs_sft.sh [--sizes "250 500 1000 2000"] [--minutes 9] [--pipeline configs/quickstart.json]
#                           [--out docs/results/rl_vs_sft] [--r1 build/r1]
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="250 500 1000 2000"
minutes=9
pipeline=configs/quickstart.json
out=docs/results/rl_vs_sft
work=runs/rl_vs_sft
r1=build/r1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --minutes) minutes="$2"; shift 2 ;;
    --pipeline) pipeline="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --r1) r1="$2"; shift 2 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "rl_vs_sft.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$r1" ] || { echo "rl_vs_sft.sh: $r1 not found; build first (scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out" "$work"
seconds=$(python3 -c "print(int(float('$minutes') * 60))")

# Configs derived from the pipeline config's sft/rl/eval sections (python3 only edits JSON).
derive() {  # derive KIND N DIR -> prints the path of the derived config
  python3 - "$pipeline" "$1" "$2" "$3" "$seconds" <<'PY'
import json, sys, os
pipeline, kind, n, d, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
p = json.load(open(pipeline))
def load(x): return json.load(open(x)) if isinstance(x, str) else x
sft, rl = load(p["sft"]), load(p["rl"])
if kind == "cold":
    c = sft; c["out"] = d; c["data"]["generated"]["n"] = n
elif kind == "sft":  # continued SFT: same examples, from the cold start, constant lr, for the budget
    c = sft; c["out"] = d; c["data"]["generated"]["n"] = n
    c["model"] = {"init": os.path.join(os.path.dirname(d), "cold", "final")}
    c["train"].pop("epochs", None); c["train"]["steps"] = 10**7; c["train"]["max_seconds"] = seconds
    c["train"]["checkpoint_every"] = 0
    c["schedule"] = {"kind": "constant", "warmup_steps": 0}
    c["optimizer"]["lr"] = p.get("continued_sft_lr", c["optimizer"]["lr"])
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
if e.get("greedy", True): args.append("--greedy")
print(" ".join(args))
PY
)

for n in $sizes; do
  d="$work/$n"
  mkdir -p "$d" "$out/$n"
  [ -f "$d/cold/final/model.safetensors" ] || "$r1" sft "$(derive cold "$n" "$d/cold")" --no-progress
  [ -f "$d/rl/final/model.safetensors" ] || { rm -rf "$d/rl"; "$r1" run "$(derive rl "$n" "$d/rl")"; }
  [ -f "$d/sft/final/model.safetensors" ] || { rm -rf "$d/sft"; "$r1" sft "$(derive sft "$n" "$d/sft")" --no-progress; }
  for arm in cold rl sft; do
    [ -f "$out/$n/$arm.json" ] || "$r1" eval --model "$d/$arm/final" $eval_args --no-progress --out "$out/$n/$arm.json"
  done
  [ -f "$out/$n/rl-reward.svg" ] || "$r1" plot --runs "GRPO=$d/rl" --field reward/mean --title "GRPO training reward, N=$n" \
      --out "$out/$n/rl-reward.svg" > /dev/null
done

python3 - "$out" "$minutes" "$sizes" <<'PY' > "$out/summary.md"
import json, os, sys
out, minutes, sizes = sys.argv[1], sys.argv[2], sys.argv[3].split()
print(f"# GRPO vs continued SFT from the same cold start ({minutes} min of wall time each, {os.cpu_count()} cores)\n")
print("| N curated | arm | sampled pass@1 % [95% CI] | greedy pass@1 % [95% CI] | pass@K % |")
print("|---|---|---|---|---|")
def ci(x): return f"{100*x['mean']:.1f} [{100*x['lo']:.1f}, {100*x['hi']:.1f}]"
for n in sizes:
    for arm, name in (("cold", "cold start"), ("rl", "(a) GRPO"), ("sft", "(b) continued SFT")):
        p = os.path.join(out, n, arm + ".json")
        if not os.path.exists(p): continue
        s = json.load(open(p))["suites"][0]
        k = str(s["samples_per_task"])
        print(f"| {n} | {name} | {ci(s['pass@1'])} | {ci(s['greedy_pass@1']) if 'greedy_pass@1' in s else '-'} | {100*s['pass@k'].get(k, 0):.1f} |")
PY
cat "$out/summary.md"
