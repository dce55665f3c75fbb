#!/usr/bin/env bash
# Installs what is missing, builds, runs the whole test suite, then fuzzes every decoder for
# R1_FUZZ_SECONDS (default 20) each (scripts/fuzz.sh, built at -O0 to save build time; 0 skips
# it). `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j"${R1_JOBS:-$(nproc)}" --timeout 900)
if [ "${R1_FUZZ_SECONDS:-20}" != 0 ]; then
  R1_FUZZ_OPT="${R1_FUZZ_OPT:--O0}" scripts/fuzz.sh "${R1_FUZZ_SECONDS:-20}"
fi
