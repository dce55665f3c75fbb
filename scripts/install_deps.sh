#!/usr/bin/env bash
# Installs the Debian packages r1.cpp needs, only those that are missing, without questions.
# Both README commands run this first. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libgtest-dev
  libzmq3-dev cppzmq-dev
  libboost-dev libboost-system-dev
  nlohmann-json3-dev
  libre2-dev
  libseccomp-dev
  libopenblas-openmp-dev
  python3
  # tests that pip-install a client (openai, reasoning-gym) into a temporary venv; they skip
  # where PyPI cannot be reached
  python3-venv
  # scripts/fuzz.sh (run by scripts/test.sh): clang with libFuzzer and the sanitizer runtimes,
  # and clang's OpenMP
  clang libclang-rt-14-dev libomp-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install_deps: not root and no sudo; please install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have stale or empty package lists; refresh only if the install fails.
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
