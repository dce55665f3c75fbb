#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the quickstart R1 recipe on the
# small-moe policy (configs/quickstart.json): cold-start SFT on 1,000 worked countdown solutions,
# evaluation, GRPO with the curriculum on freshly generated tasks for 200 steps, evaluation again,
# and the before/after table (about 13 minutes on 2 cores, plus the first build).
#
# The pipeline folder is runs/quickstart (or $R1_QUICKSTART_DIR). A killed run continues where
# it stopped when started again; delete the folder to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
out="${R1_QUICKSTART_DIR:-runs/quickstart}"
./build/r1 pipeline configs/quickstart.json --out "$out"
echo
echo "summary: $out/summary.md; reward curve: build/r1 plot --runs GRPO=$out/rl --field sampled/accuracy --out reward.svg"
