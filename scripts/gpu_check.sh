#!/usr/bin/env bash
# Everything the CUDA backend can be checked with, on one GPU machine, in one go (< 8 min on an
# H200): builds the CUDA tests and benchmarks for sm_90a, runs every GPU test and the GPU
# benchmarks, and prints one short table last. Needs nothing from outside the machine: where
# libzmq, OpenBLAS, GoogleTest or nlohmann-json are missing, it unpacks the Debian packages that
# scripts/gpu_deps.sh downloaded into .gpu_deps/ (carry that folder with the working tree).
#
#   scripts/gpu_check.sh [OUT_DIR]      (OUT_DIR, or $OUT, receives logs and JSON)
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-build-gpu/out}}"
mkdir -p "$out"
jobs=$(nproc)
t_start=$(date +%s)
say() { echo "[gpu_check $(($(date +%s) - t_start))s] $*"; }

# ---- 1. what this machine has (first, so a failed start is cheap to read) ----
say "machine: $(uname -m), $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/{print $2" GiB"}')"
nvidia-smi -L 2>&1 | sed 's/^/  /' || echo "  nvidia-smi: not found"
for tool in nvcc cmake ninja g++ dpkg-deb ar python3; do
  if command -v "$tool" >/dev/null; then
    echo "  $tool: $("$tool" --version 2>&1 | grep -m1 -iE 'version|release|[0-9]+\.[0-9]+' | head -c 90)"
  else
    echo "  $tool: not found"
  fi
done
have() { ldconfig -p 2>/dev/null | grep -q "$1" || ls /usr/lib/x86_64-linux-gnu/$1* >/dev/null 2>&1; }
missing=()
[ -f /usr/include/zmq.h ] && have libzmq.so || missing+=(libzmq)
ls /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so >/dev/null 2>&1 || missing+=(openblas)
ls /usr/lib/x86_64-linux-gnu/cmake/GTest >/dev/null 2>&1 || ls /usr/lib/cmake/GTest >/dev/null 2>&1 || missing+=(gtest)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json)
echo "  missing system libraries: ${missing[*]:-none}"
# R1_GPU_CHECK_USE_DEBS=1 unpacks .gpu_deps even when nothing is missing (to try this path on a
# machine that has everything).
[ "${R1_GPU_CHECK_USE_DEBS:-0}" = 1 ] && [ ${#missing[@]} -eq 0 ] && missing+=(forced)

# ---- 2. bring what is missing ----
sysroot=""
if [ ${#missing[@]} -gt 0 ]; then
  if ! ls .gpu_deps/*.deb >/dev/null 2>&1; then
    say "FAIL: libraries missing and no .gpu_deps/*.deb (run scripts/gpu_deps.sh here, carry .gpu_deps)"
    exit 1
  fi
  sysroot=/tmp/r1-sysroot
  rm -rf "$sysroot" && mkdir -p "$sysroot"
  for deb in .gpu_deps/*.deb; do
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$deb" "$sysroot"
    else  # a .deb is an ar archive holding data.tar.*
      (tmp=$(mktemp -d) && cd "$tmp" && ar x "$OLDPWD/$deb" && tar -xf data.tar.* -C "$sysroot" && rm -rf "$tmp")
    fi
  done
  lib="$sysroot/usr/lib/x86_64-linux-gnu"
  # Debian's alternatives symlinks are not made by dpkg -x: point the OpenMP OpenBLAS at itself.
  ln -sf libopenblas.so.0 "$lib/openblas-openmp/libopenblas.so" 2>/dev/null
  export LD_LIBRARY_PATH="$lib:$lib/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export CMAKE_PREFIX_PATH="$sysroot/usr"
  say "unpacked $(ls .gpu_deps/*.deb | wc -l) packages into $sysroot"
fi

# ---- 3. build ----
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DR1_GPU_ONLY=ON -DR1_CUDA_ARCHS=90a \
  -DR1_SYSROOT="$sysroot" ${sysroot:+-DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$sysroot/usr/lib/x86_64-linux-gnu} \
  > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; say "FAIL: configure"; exit 1; }
cmake --build build-gpu -j "$jobs" --target test_cuda bench_cuda > "$out/build.log" 2>&1 ||
  { grep -E "error|Error" "$out/build.log" | head -40; say "FAIL: build"; exit 1; }
say "built test_cuda and bench_cuda (sm_90a)"

# ---- 4. every GPU test ----
timeout 300 build-gpu/test_cuda --gtest_output=json:"$out/gtest.json" > "$out/tests.log" 2>&1
tests_rc=$?
grep -E "^\[  (FAILED|PASSED|SKIPPED) |Failure|error" "$out/tests.log" | head -40
if nvidia-smi -L >/dev/null 2>&1 && grep -q "^\[  SKIPPED \]" "$out/tests.log"; then
  say "FAIL: GPU tests skipped on a machine with a GPU"
  tests_rc=1
fi
say "tests exit code $tests_rc"

# ---- 5. benchmarks (JSON lines, reference measured in the same run) ----
bench() {  # name, timeout, flags...
  local name=$1 limit=$2; shift 2
  timeout "$limit" build-gpu/bench_cuda "$@" > "$out/bench-$name.json" 2> "$out/bench-$name.log" ||
    echo "{\"config\": \"$name\", \"error\": \"exit $? (see bench-$name.log)\"}" > "$out/bench-$name.json"
}
bench small-moe 60 --config configs/models/small-moe.json --batch 16 --seq 256 --decode-batch 64 --prompt 64 --new-tokens 64
bench qwen3-0.6b 150 --config configs/models/qwen3-0.6b-shape.json --batch 4 --seq 2048 --steps 2 \
  --decode-batch 256 --prompt 128 --new-tokens 32
bench qwen3-30b-a3b-4l 120 --config configs/models/qwen3-30b-a3b-4layers-shape.json --batch 4 --seq 2048 --steps 2 \
  --decode-batch 64 --prompt 128 --new-tokens 16
say "benchmarks done"

# ---- 6. the table ----
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
print("\n| GPU test | result |\n|---|---|")
try:
    g = json.load(open(os.path.join(out, "gtest.json")))
    for suite in g.get("testsuites", []):
        for t in suite.get("testsuite", []):
            res = "FAILED" if t.get("failures") else ("SKIPPED" if t.get("result") == "SKIPPED" else "passed")
            print(f"| {suite['name']}.{t['name']} | {res} ({t.get('time', '?')}) |")
except Exception as e:
    print(f"| (no gtest.json: {e}) | |")
print("\n| benchmark | train tokens/s | train GFLOP/s | / SGEMM | decode tokens/s (batch) | SGEMM GFLOP/s |\n|---|---|---|---|---|---|")
for name in ("small-moe", "qwen3-0.6b", "qwen3-30b-a3b-4l"):
    try:
        d = json.loads(open(os.path.join(out, f"bench-{name}.json")).read().strip().splitlines()[-1])
    except Exception as e:
        print(f"| {name} | no result ({e}) | | | | |"); continue
    if "error" in d:
        print(f"| {name} | {d['error']} | | | | |"); continue
    t, dc, r = d["train"], d["decode"], d["reference"]
    print(f"| {name} ({d['params']/1e6:.0f}M) | {t['tokens_per_second']:.0f} | {t['achieved_gflops']:.0f} | "
          f"{d['ratio_train_gflops_to_sgemm']:.2f} | {dc['tokens_per_second']:.0f} ({dc['batch']}) | {r['gflops']:.0f} |")
PY
say "done"
exit $tests_rc
