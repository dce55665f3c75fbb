#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the quickstart R1 recipe on the
# small-moe policy (configs/quickstart-search.json): cold-start SFT on 4,000 countdown solutions
# written as depth-first searches with backtracking (three numbers and two), evaluation on
# held-out suites, GRPO on freshly generated three-number tasks for 160 steps, evaluation again,
# and the before/after table (about 12-14 minutes on 2 cores, plus the first build).
#
# usage: scripts/quickstart.sh [PIPELINE_CONFIG]
#   configs/quickstart.json is the older, faster recipe (about 4 minutes): countdown with two
#   numbers, answers without a search.
#
# The pipeline folder is runs/<config name> (runs/quickstart-search), or $R1_QUICKSTART_DIR. A
# killed run continues where it stopped when started again; delete the folder to start over.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
config="${1:-$repo/configs/quickstart-search.json}"
[ -f "$config" ] || { echo "quickstart.sh: no config $config" >&2; exit 2; }
config="$(realpath -- "$config")"  # given relative to the caller's directory
cd "$repo"
scripts/install_deps.sh
scripts/build.sh
out="${R1_QUICKSTART_DIR:-runs/$(basename "$config" .json)}"
./build/r1 pipeline "$config" --out "$out"
echo
echo "summary: $out/summary.md; curves: $out/rl-accuracy.svg, $out/rl-response-length.svg, $out/rl-reasoning.svg"
