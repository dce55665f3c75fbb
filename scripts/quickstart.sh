#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job.
# Until the RL loop lands this initialises the small-moe policy and samples from it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
out="${R1_QUICKSTART_DIR:-runs/quickstart}"
mkdir -p "$out"
./build/r1 init --model-config configs/models/small-moe.json --out "$out/init" --seed 0
./build/r1 generate --model "$out/init" --prompt "<|im_start|>user
Compute 12+30.<|im_end|>
<|im_start|>assistant
<think>" --max-new-tokens 48 --samples 2 --seed 1
./build/r1 bench model --model-config configs/models/small-moe.json --steps 3
