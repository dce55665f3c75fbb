#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j"${R1_JOBS:-$(nproc)}" --timeout 900
