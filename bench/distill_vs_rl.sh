#!/usr/bin/env bash
# Distillation against RL for a small student (issue 15, part 3), as one r1 pipeline
# (configs/distill.json):
#   teacher: small-moe, cold-start SFT on countdown, then GRPO for --teacher-minutes;
#   student: mini-moe (0.49M parameters, a quarter of the teacher), cold-start SFT on the same data;
#   (d) distillation: the teacher samples K completions on fresh countdown tasks, the verified
#       ones (at most M per prompt) train the student's cold start by SFT;
#   (r) RL: GRPO from the student's cold start for the wall time (d) took (sampling + SFT);
#   (c) RL charged with the teacher too: GRPO from the student's cold start for the wall time of
#       the teacher's cold start, the teacher's RL and (d) together;
# then every model is evaluated on the held-out suites, and the summary compares (d) with (r)
# and (c). (r) asks what a small model gains from a stronger model's verified outputs versus its
# own RL, as the R1 paper did; (c) also charges (d) for making the teacher.
#
# usage: bench/distill_vs_rl.sh [--teacher-minutes M (6)] [--work runs/distill]
#          [--out docs/results/distill] [--r1 build/r1]
set -euo pipefail
cd "$(dirname "$0")/.."

teacher_minutes=6
work=runs/distill
out=docs/results/distill
r1=build/r1
while [ $# -gt 0 ]; do
  case "$1" in
    --teacher-minutes) teacher_minutes="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --r1) r1="$2"; shift 2 ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "distill_vs_rl.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$r1" ] || { echo "distill_vs_rl.sh: $r1 not found; build first" >&2; exit 1; }
mkdir -p "$work" "$out"

# derive PHASE RL_SECONDS CHARGED_SECONDS -> a pipeline config: phase 1 stops after the
# distilled student's evaluation; phase 2 adds the student's RL, timed to the distillation stage,
# and its RL charged with the teacher.
derive() {
  python3 - "$1" "$2" "$3" "$teacher_minutes" "$work" <<'PY'
import json, sys
phase, student_seconds, charged_seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
teacher_minutes, work = float(sys.argv[4]), sys.argv[5]
cfg = json.load(open("configs/distill.json"))
def rl(seconds):
    c = json.load(open("configs/quickstart-rl.json"))
    c["learner"]["max_seconds"] = seconds
    c["learner"]["steps"] = 10000  # the wall time decides
    return c
stages = []
for s in cfg["stages"]:
    if s["name"] == "teacher":
        s["config"] = rl(teacher_minutes * 60)
    if s["name"] == "student-rl":
        if phase == "1":
            break
        s["config"] = rl(student_seconds)
    if s["name"] == "student-rl-charged":
        s["config"] = rl(charged_seconds)
    stages.append(s)
cfg["stages"] = stages
if phase == "1":
    cfg.pop("target")
cfg["out"] = work
path = f"{work}/distill-phase{phase}.json"
json.dump(cfg, open(path, "w"), indent=2)
print(path)
PY
}

"$r1" pipeline "$(derive 1 0 0)" --out "$work"
read -r seconds charged < <(python3 -c "
import json
m = {k: v['minutes'] * 60 for k, v in json.load(open('$work/stages.json')).items()}
print(m['student-distill'], m['teacher-cold'] + m['teacher'] + m['student-distill'])")
echo "distill_vs_rl.sh: distillation took $seconds s, $charged s with the teacher; the student's RL arms get as long"
"$r1" pipeline "$(derive 2 "$seconds" "$charged")" --out "$work"
cp "$work/summary.md" "$work/stages.json" "$work"/eval-*.json "$work/student-distill/sampling.json" "$out/"
cp "$work"/distill-phase2.json "$out/pipeline.json"
for s in teacher student-rl student-rl-charged; do
  for f in accuracy response-length reasoning; do
    [ -f "$work/$s-$f.svg" ] && cp "$work/$s-$f.svg" "$out/"
  done
done
echo "distill_vs_rl.sh: results in $out"
