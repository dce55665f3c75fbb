#!/usr/bin/env bash
# Self-play against the fixed generators (issue 15, part 3): from one cold start, for the same
# wall time,
#   (a) GRPO on self-play tasks only (the policy proposes; the buffer starts from pyfunc seeds),
#   (b) GRPO on the generated pyplay solve tasks (deduction, abduction, induction from the
#       generator the cold start was trained on, with its options, proposals left out),
#   (c) continued SFT on the cold-start data,
# each once per seed (the run's sampling seed, its task stream, SFT's batch order), then r1 eval
# of the cold start and of every arm on held-out suites: generated deduction and abduction tasks
# on a seed no training uses, on pyfunc's templates and on composed programs (the two halves of
# the cold start's "mixed" data), and the hand-written programs of
# tests/data/selfplay_heldout/programs.jsonl (from neither).
# Training never sees a held-out problem: the suites are every stage's holdout (tasks/holdout.h),
# since a generated suite on a seed of its own still shares prompts with a long training stream.
# Reports go to OUT/cold.json and OUT/sSEED/*.json, a table to OUT/summary.md (per seed, then
# pooled over seeds with paired differences over tasks); stages already done are skipped, so a
# stopped sweep resumes. Run it on an idle machine: the arms are bounded by wall time.
#
# usage: bench/selfplay_vs_generators.sh [--minutes M (6)] [--seeds "1 2 3"]
#          [--sft configs/selfplay-sft.json] [--rl configs/selfplay-rl.json]
#          [--out docs/results/selfplay/comparison-holdout] [--work runs/selfplay-cmp-holdout]
#          [--samples K (4)] [--n N (150)] [--r1 build/r1]
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=6
seeds="1 2 3"
sft=configs/selfplay-sft.json
rl=configs/selfplay-rl.json
out=docs/results/selfplay/comparison-holdout
work=runs/selfplay-cmp-holdout
samples=4
n=150
r1=build/r1
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --sft) sft="$2"; shift 2 ;;
    --rl) rl="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --samples) samples="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --r1) r1="$2"; shift 2 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) echo "selfplay_vs_generators.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$r1" ] || { echo "selfplay_vs_generators.sh: $r1 not found; build first" >&2; exit 1; }
for s in $seeds; do
  [[ "$s" =~ ^[0-9]+$ ]] || { echo "selfplay_vs_generators.sh: --seeds takes whole numbers, got '$s'" >&2; exit 2; }
done
mkdir -p "$out" "$work"
seconds=$(python3 -c "print(int(float('$minutes') * 60))")
heldout=tests/data/selfplay_heldout/programs.jsonl
suites=""
for programs in templates composed; do
  for kind in deduction abduction; do
    suites+="${suites:+,}pyplay:n=$n:seed=4242:opt.kinds=$kind:opt.propose_share=0:opt.programs=$programs"
  done
done
[ -f "$heldout" ] && suites+=",deduction:$heldout,abduction:$heldout"
n_suites=$(tr ',' '\n' <<< "$suites" | wc -l)
whole() {  # whole REPORT: it holds every suite (r1 eval writes its report suite by suite)
  python3 -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["suites"]) != int(sys.argv[2]))' \
    "$1" "$n_suites" 2> /dev/null
}
evaluate() {  # evaluate MODEL_DIR REPORT (kept when newer than the model and whole)
  [ "$2" -nt "$1/model.safetensors" ] && whole "$2" && return 0
  "$r1" eval --model "$1" --tasks "$suites" --samples "$samples" --temperature 1.0 \
    --max-new-tokens 256 --seed 9 --greedy --out "$2" --no-progress
}

# 1. The cold start, shared by every seed, with the held-out suites left out of its data.
if [ ! -f "$work/sft/final/model.safetensors" ]; then
  python3 - "$sft" "$suites" "$work/sft.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["data"]["generated"]["holdout"] = sys.argv[2]
json.dump(c, open(sys.argv[3], "w"), indent=1)
PY
  "$r1" sft "$work/sft.json" --out "$work/sft" --no-progress
fi
if ! python3 -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["data"]["generated"].get("holdout") != sys.argv[2])' \
    "$work/sft/config.json" "$suites"; then
  echo "selfplay_vs_generators.sh: the cold start in $work/sft was not trained with these suites" \
    "held out; delete it (or give another --work) to train one that is" >&2
  exit 1
fi
evaluate "$work/sft/final" "$out/cold.json"

# 2. Per seed, three continuations of equal wall time.
derive() {  # derive KIND SEED -> the path of a derived config
  python3 - "$1" "$2" "$rl" "$sft" "$work" "$seconds" "$suites" <<'PY'
import json, sys
kind, seed, rl, sft, work, seconds, suites = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7]
cold = json.load(open(sft))
cold["data"]["generated"]["holdout"] = suites
if kind == "sft_more":
    c = cold
    c["model"] = {"init": f"{work}/sft/final"}
    c["train"]["steps"] = 100000
    c["train"]["max_seconds"] = seconds
    c["train"]["seed"] = 1000 + seed  # not the cold start's batch order
    c["schedule"] = {"kind": "constant", "warmup_steps": 0}
    c["optimizer"]["lr"] = 5e-4
else:
    c = json.load(open(rl))
    c["model"] = {"init": f"{work}/sft/final"}
    c["seed"] = seed
    c["tasks"]["seed"] = c["tasks"].get("seed", 0) + seed - 1
    c["tasks"]["holdout"] = suites
    c["learner"]["steps"] = 100000
    c["learner"]["max_seconds"] = seconds
    if kind == "generators":
        # The generator the cold start learnt from, solve tasks only.
        mix = []
        for m in cold["data"]["generated"]["mix"]:
            e = {k: m[k] for k in ("family", "weight") if k in m}
            e["options"] = dict(m.get("options", {}), propose_share=0)
            if len(m.get("levels", [])) == 1:
                e["difficulty"] = m["levels"][0]
            mix.append(e)
        c["tasks"]["mix"] = mix
path = f"{work}/s{seed}/{kind}.json"
json.dump(c, open(path, "w"), indent=1)
print(path)
PY
}
for s in $seeds; do
  w="$work/s$s"
  mkdir -p "$w" "$out/s$s"
  for kind in selfplay generators; do
    if [ ! -f "$w/$kind/final/model.safetensors" ]; then
      rm -rf "${w:?}/$kind"
      /usr/bin/time -f "%e" -o "$w/$kind.wall" "$r1" run "$(derive "$kind" "$s")" --out "$w/$kind"
    fi
  done
  if [ ! -f "$w/sft_more/final/model.safetensors" ]; then
    rm -rf "${w:?}/sft_more"
    /usr/bin/time -f "%e" -o "$w/sft_more.wall" "$r1" sft "$(derive sft_more "$s")" --out "$w/sft_more" --no-progress
  fi
  for m in selfplay generators sft_more; do evaluate "$w/$m/final" "$out/s$s/$m.json"; done
done

# 3. The tables.
python3 bench/selfplay_vs_generators_table.py --out "$out" --work "$work" --minutes "$minutes" --seeds $seeds
