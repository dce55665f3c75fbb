#!/usr/bin/env bash
# Self-play against the fixed generators (issue 15, part 3): from one cold start, for the same
# wall time,
#   (a) GRPO on self-play tasks only (the policy proposes; the buffer starts from pyfunc seeds),
#   (b) GRPO on the generated pyplay solve tasks (deduction, abduction, induction on pyfunc
#       programs: the same kinds, from the fixed generator),
#   (c) continued SFT on the cold-start data,
# then r1 eval of the cold start and of (a), (b), (c) on held-out suites: generated deduction and
# abduction tasks on a seed no training uses, and the hand-written programs of
# tests/data/selfplay_heldout/programs.jsonl (not from any template).
# Reports go to OUT/*.json and a table to OUT/summary.md; stages already done are skipped.
#
# usage: bench/selfplay_vs_generators.sh [--minutes M (10)] [--sft configs/selfplay-sft.json]
#          [--rl configs/selfplay-rl.json] [--out docs/results/selfplay] [--work runs/selfplay]
#          [--samples K (4)] [--n N (100)] [--r1 build/r1]
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10
sft=configs/selfplay-sft.json
rl=configs/selfplay-rl.json
out=docs/results/selfplay
work=runs/selfplay
samples=4
n=100
r1=build/r1
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --sft) sft="$2"; shift 2 ;;
    --rl) rl="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --samples) samples="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --r1) r1="$2"; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) echo "selfplay_vs_generators.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$r1" ] || { echo "selfplay_vs_generators.sh: $r1 not found; build first" >&2; exit 1; }
mkdir -p "$out" "$work"
seconds=$(python3 -c "print(int(float('$minutes') * 60))")
heldout=tests/data/selfplay_heldout/programs.jsonl
suites="pyplay:n=$n:seed=4242:opt.kinds=deduction:opt.propose_share=0"
suites+=",pyplay:n=$n:seed=4242:opt.kinds=abduction:opt.propose_share=0"
[ -f "$heldout" ] && suites+=",deduction:$heldout,abduction:$heldout"

# 1. The cold start.
if [ ! -f "$work/sft/final/model.safetensors" ]; then
  "$r1" sft "$sft" --out "$work/sft" --no-progress
fi

# 2. Three continuations of equal wall time.
derive() {  # derive KIND -> the path of a derived config
  python3 - "$1" "$rl" "$sft" "$work" "$seconds" <<'PY'
import json, sys
kind, rl, sft, work, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
if kind == "sft":
    c = json.load(open(sft))
    c["model"] = {"init": f"{work}/sft/final"}
    c["train"]["steps"] = 100000
    c["train"]["max_seconds"] = seconds
    c["schedule"] = {"kind": "constant", "warmup_steps": 0}
    c["optimizer"]["lr"] = 5e-4
else:
    c = json.load(open(rl))
    c["model"] = {"init": f"{work}/sft/final"}
    c["learner"]["steps"] = 100000
    c["learner"]["max_seconds"] = seconds
    if kind == "generators":
        c["tasks"]["mix"] = [{"family": "pyplay", "options": {"propose_share": 0}}]
path = f"{work}/{kind}.json"
json.dump(c, open(path, "w"), indent=1)
print(path)
PY
}
for kind in selfplay generators; do
  if [ ! -f "$work/$kind/final/model.safetensors" ]; then
    rm -rf "${work:?}/$kind"
    /usr/bin/time -f "%e" -o "$work/$kind.wall" "$r1" run "$(derive "$kind")" --out "$work/$kind"
  fi
done
if [ ! -f "$work/sft_more/final/model.safetensors" ]; then
  rm -rf "${work:?}/sft_more"
  /usr/bin/time -f "%e" -o "$work/sft_more.wall" "$r1" sft "$(derive sft)" --out "$work/sft_more" --no-progress
fi

# 3. Evaluations.
for m in sft selfplay generators sft_more; do
  [ -f "$out/$m.json" ] && continue
  "$r1" eval --model "$work/$m/final" --tasks "$suites" --samples "$samples" --temperature 1.0 \
    --max-new-tokens 256 --seed 9 --greedy --out "$out/$m.json" --no-progress
done

# 4. The table, and the self-play run's own figures over time.
python3 - "$out" "$work" "$minutes" <<'PY'
import json, os, sys
out, work, minutes = sys.argv[1], sys.argv[2], sys.argv[3]
names = {"sft": "cold start", "selfplay": "(a) self-play RL", "generators": "(b) generator RL",
         "sft_more": "(c) more SFT"}
reports = {m: json.load(open(f"{out}/{m}.json")) for m in names}
suites = [s["suite"] for s in reports["sft"]["suites"]]
lines = [f"# Self-play against the fixed generators ({minutes} min each, {os.cpu_count()} cores)", "",
         "Sampled pass@1 (95% interval) per held-out suite.", "",
         "| model | " + " | ".join(suites) + " |", "|---|" + "---|" * len(suites)]
for m, label in names.items():
    cells = []
    for s in reports[m]["suites"]:
        p = s["pass@1"]
        cells.append(f"{100 * p['mean']:.1f} [{100 * p['lo']:.1f}, {100 * p['hi']:.1f}]")
    lines.append(f"| {label} | " + " | ".join(cells) + " |")
rows = [json.loads(l) for l in open(f"{work}/selfplay/metrics.jsonl")]
lines += ["", "Self-play run, per step: valid-proposal rate and mean learnability over all kinds.", "",
          "| steps | proposals | valid rate | learnability (resolved) | buffer |", "|---|---|---|---|---|"]
chunk = max(1, len(rows) // 6)
for i in range(0, len(rows), chunk):
    part = rows[i:i + chunk]
    props = valid = resolved = 0
    learn = 0.0
    for r in part:
        for p in r.get("selfplay", {}).get("propose", {}).values():
            props += p["proposals"]; valid += p["valid"]; resolved += p["resolved"]
            if p["learnability"] is not None: learn += p["learnability"] * p["resolved"]
    buf = part[-1].get("selfplay", {}).get("buffer", {}).get("size")
    lines.append(f"| {part[0]['step']}-{part[-1]['step']} | {props} | "
                 f"{(valid / props if props else 0):.2f} | "
                 f"{(learn / resolved if resolved else float('nan')):.3f} ({resolved}) | {buf} |")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
