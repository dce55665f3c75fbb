#!/usr/bin/env bash
# Everything the CUDA backend can be checked with, on one GPU machine, in one go (< 8 min on an
# H200): builds the CUDA tests and benchmarks for sm_90a, runs every GPU test and the GPU
# benchmarks, and prints one short table last. Needs nothing from outside the machine: where
# libzmq, OpenBLAS, GoogleTest or nlohmann-json are missing, it unpacks the Debian packages that
# scripts/gpu_deps.sh downloaded into .gpu_deps/ (carry that folder with the working tree).
#
#   scripts/gpu_check.sh [OUT_DIR]      (OUT_DIR, or $OUT, receives table.md and a tarball of
#                                        every log and JSON)
#   scripts/gpu_check.sh --prebuild     (here, on a CPU machine: build test_cuda, bench_cuda and the
#                                        whole r1 binary for sm_90a and any x86-64 into
#                                        .gpu_prebuilt/; carry it, and the GPU machine spends no
#                                        time compiling. r1 runs `r1 bench rl` there; a machine
#                                        without it skips that benchmark)
set -uo pipefail
cd "$(dirname "$0")/.."
prebuild=0
if [ "${1:-}" = --prebuild ]; then prebuild=1; shift; fi
dest="${1:-${OUT:-build-gpu/out}}"
mkdir -p "$dest"
# Logs and JSON are written to a work folder and packed into $dest/gpu_check_logs.tar.gz after
# every stage (the device tool brings back at most 8 files, and whatever is there when a run is
# cut short), with the table in $dest/table.md.
out=/tmp/r1-gpu-check
rm -rf "$out" && mkdir -p "$out"
save() { tar -czf "$dest/gpu_check_logs.tar.gz" -C "$out" . 2>/dev/null; }
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
have libre2.so.9 && have libseccomp.so.2 || missing+=(re2/seccomp for r1)
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

# ---- 3. build (or use binaries built beforehand on a CPU machine, from the same sources) ----
# The sources the GPU binaries are made of; .gpu_prebuilt/SOURCES holds this hash when
# `scripts/gpu_check.sh --prebuild` made them, so stale binaries are never used.
sources_hash() {
  find core kernels model tasks rollout learner bench/cuda bench/bench_util.* bench/model_flops.h \
    tests/cuda tests/common CMakeLists.txt cmake -type f 2>/dev/null | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16
}
# Every source r1 is made of, for the prebuilt r1 (.gpu_prebuilt/SOURCES_R1).
all_sources_hash() {
  find core kernels model tasks rollout learner reward verifiers sandbox run eval serve apps bench \
    CMakeLists.txt cmake -type f 2>/dev/null | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16
}
bin=build-gpu
if [ "$prebuild" = 1 ]; then native=OFF; else native=ON; fi
if [ "$prebuild" = 0 ] && [ -x .gpu_prebuilt/test_cuda ] && [ "$(cat .gpu_prebuilt/SOURCES 2>/dev/null)" = "$(sources_hash)" ] &&
   .gpu_prebuilt/test_cuda --gtest_list_tests > "$out/prebuilt.log" 2>&1; then
  bin=.gpu_prebuilt
  say "using .gpu_prebuilt (built for sm_90a on a CPU machine from these sources; no build here)"
else
  [ "$prebuild" = 0 ] && [ -d .gpu_prebuilt ] && say "not using .gpu_prebuilt (stale or does not start: $(tail -1 "$out/prebuilt.log" 2>/dev/null))"
  gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
  cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DR1_GPU_ONLY=ON -DR1_CUDA_ARCHS=90a \
    -DR1_NATIVE=$native -DR1_SYSROOT="$sysroot" \
    ${sysroot:+-DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$sysroot/usr/lib/x86_64-linux-gnu} \
    > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; say "FAIL: configure"; save; exit 1; }
  cmake --build build-gpu -j "$jobs" --target test_cuda bench_cuda > "$out/build.log" 2>&1 ||
    { grep -E "error|Error" "$out/build.log" | head -40; say "FAIL: build"; save; exit 1; }
  say "built test_cuda and bench_cuda (sm_90a)"
fi
if [ "$prebuild" = 1 ]; then
  rm -rf .gpu_prebuilt && mkdir -p .gpu_prebuilt
  cp build-gpu/test_cuda build-gpu/bench_cuda .gpu_prebuilt/ && sources_hash > .gpu_prebuilt/SOURCES
  # The whole r1 (every room; the CPU machine has every library) for `r1 bench rl` on the GPU.
  env -u CMAKE_PREFIX_PATH cmake -S . -B build-gpu-r1 -DCMAKE_BUILD_TYPE=Release -DR1_CUDA_ARCHS=90a -DR1_NATIVE=OFF \
    > "$out/configure-r1.log" 2>&1 && cmake --build build-gpu-r1 -j "$jobs" --target r1 > "$out/build-r1.log" 2>&1 &&
    cp build-gpu-r1/r1 .gpu_prebuilt/r1 && all_sources_hash > .gpu_prebuilt/SOURCES_R1 ||
    say "r1 not prebuilt (build-gpu-r1: $(grep -m1 -E "error|Error" "$out/build-r1.log" "$out/configure-r1.log"))"
  say "copied into .gpu_prebuilt/ ($(du -sh .gpu_prebuilt | cut -f1)); carry .gpu_prebuilt and .gpu_deps"
  exit 0
fi

# ---- 4. every GPU test, each in its own process ----
# A kernel that faults kills its process and leaves the CUDA context unusable, so one fault must
# not hide the results of the other tests: each test runs alone, and the op table resumes past a
# case that crashed (R1_OPS_FROM, tests/common/backend_op_cases.h).
tests_rc=0
: > "$out/tests.log"
results=()
for t in $("$bin/test_cuda" --gtest_list_tests | awk '/^[^ ]/{s=$1} /^  /{print s $1}'); do
  if [[ "$t" == *EveryOpAgreesWithTheCpu ]]; then  # the op table, at fp32 and at bf16
    from=0
    while :; do
      R1_OPS_TRACE=1 R1_OPS_FROM=$from timeout 90 "$bin/test_cuda" --gtest_filter="$t" >> "$out/tests.log" 2>&1
      rc=$?
      [ $rc -le 1 ] && break  # 0 passed, 1 failed: the process ran to its end
      crashed=$(grep -o "^op case [0-9]*: .*" "$out/tests.log" | tail -1)
      echo "CRASH (exit $rc) in ${crashed:-?}" | tee -a "$out/tests.log"
      results+=("| $t: ${crashed#op case } | CRASHED (exit $rc) |")
      next=$(echo "$crashed" | sed -E 's/^op case ([0-9]+):.*/\1/')
      [ -z "$next" ] && break
      from=$((next + 1)); tests_rc=1
    done
  else
    timeout 60 "$bin/test_cuda" --gtest_filter="$t" >> "$out/tests.log" 2>&1
    rc=$?
  fi
  case $rc in
    0) grep -q "^\[  SKIPPED \] $t" "$out/tests.log" && res=SKIPPED || res=passed ;;
    1) res=FAILED ;;
    124) res="TIMED OUT" ;;
    *) res="CRASHED (exit $rc)" ;;
  esac
  [ "$res" = passed ] || tests_rc=1
  results+=("| $t | $res |")
  say "$t: $res"
done
grep -E "Failure|error|CRASH" "$out/tests.log" | grep -v "relative norm error" | head -40
if nvidia-smi -L >/dev/null 2>&1 && grep -q "^\[  SKIPPED \]" "$out/tests.log"; then
  say "FAIL: GPU tests skipped on a machine with a GPU"
  tests_rc=1
fi
printf '%s\n' "${results[@]}" > "$out/tests.md"
say "tests exit code $tests_rc"
save

# A test that failed or crashed: the op table once more under compute-sanitizer's memcheck, whose
# report (out-of-bounds and misaligned accesses, with the kernel's name) says more than a wrong
# value does.
if [ $tests_rc != 0 ] && command -v compute-sanitizer >/dev/null; then
  R1_OPS_TRACE=1 timeout 90 compute-sanitizer --tool memcheck --print-limit 20 "$bin/test_cuda" \
    --gtest_filter='CudaBackendOps.*' > "$out/memcheck.log" 2>&1
  say "memcheck exit $?: $(grep -c 'Invalid\|Error' "$out/memcheck.log") error lines (memcheck.log)"
  grep -m12 -E "Invalid|Error|at .*0x|by thread|op case" "$out/memcheck.log" | grep -B1 -A2 -E "Invalid|Error" | head -24
  save
fi

# ---- 5. benchmarks (JSON lines, reference measured in the same run) ----
# R1_GPU_CHECK_SKIP="NAME ..." leaves out benchmarks measured in an earlier call (bench names,
# torch-NAME for the PyTorch ones, rl for `r1 bench rl`, rl-copied for its run with copied
# weights), to fit a rerun into the device time left.
skip_list=" ${R1_GPU_CHECK_SKIP:-} "
skip_list=${skip_list//[$'\t\n']/ }
skipped() { [[ "$skip_list" == *" $1 "* ]] && say "skipped $1 (R1_GPU_CHECK_SKIP)"; }
bench() {  # name, timeout, flags...
  local name=$1 limit=$2; shift 2
  skipped "$name" && { echo "{\"config\": \"$name\", \"skipped\": true}" > "$out/bench-$name.json"; return; }
  timeout "$limit" "$bin/bench_cuda" "$@" > "$out/bench-$name.json" 2> "$out/bench-$name.log" ||
    echo "{\"config\": \"$name\", \"error\": \"exit $? (see bench-$name.log)\"}" > "$out/bench-$name.json"
}
# Qwen3-0.6B decode in bf16 as the issue sets it: batch 256, prompt 128, 512 new tokens.
for dtype in fp32 bf16; do
  bench small-moe-$dtype 45 --dtype $dtype --config configs/models/small-moe.json --batch 16 --seq 256 \
    --decode-batch 64 --prompt 64 --new-tokens 64
  save
  new_tokens=64; [ $dtype = bf16 ] && new_tokens=512
  bench qwen3-0.6b-$dtype 100 --dtype $dtype --config configs/models/qwen3-0.6b-shape.json --batch 4 --seq 2048 \
    --steps 3 --decode-batch 256 --prompt 128 --new-tokens $new_tokens
  save
done
# The issue's training figure (a): the dense config at batch 16 x 2048 (bf16; a short decode).
bench qwen3-0.6b-bf16-b16 100 --dtype bf16 --config configs/models/qwen3-0.6b-shape.json --batch 16 --seq 2048 \
  --steps 3 --decode-batch 256 --prompt 128 --new-tokens 16
save
bench qwen3-30b-a3b-4l-bf16 90 --dtype bf16 --config configs/models/qwen3-30b-a3b-4layers-shape.json --batch 4 \
  --seq 2048 --steps 3 --decode-batch 64 --prompt 128 --new-tokens 16
save
# The same at bf16 with every op timed (R1_CUDA_PROFILE, kernels/cuda/op_profile.h): the
# synchronisation slows the run, so only the shares are read (the table shows where time goes).
R1_CUDA_PROFILE=1 bench qwen3-0.6b-bf16-profile 90 --dtype bf16 --config configs/models/qwen3-0.6b-shape.json \
  --batch 4 --seq 2048 --steps 1 --decode-batch 256 --prompt 128 --new-tokens 16
save
R1_CUDA_PROFILE=1 bench qwen3-30b-a3b-4l-bf16-profile 90 --dtype bf16 \
  --config configs/models/qwen3-30b-a3b-4layers-shape.json --batch 4 --seq 2048 --steps 1 --decode-batch 64 \
  --prompt 128 --new-tokens 16
save
# The same steps in PyTorch eager (tools/torch_step_bench.py), where the machine has PyTorch.
torch_bench() {  # name, timeout, flags...
  local name=$1 limit=$2; shift 2
  skipped "torch-$name" && { echo "{\"config\": \"$name\", \"skipped\": true}" > "$out/torch-$name.json"; return; }
  PYTHONUNBUFFERED=1 timeout "$limit" python3 tools/torch_step_bench.py "$@" > "$out/torch-$name.json" \
    2> "$out/torch-$name.log" ||
    echo "{\"config\": \"$name\", \"error\": \"exit $? (see torch-$name.log)\"}" > "$out/torch-$name.json"
}
if python3 -c "import torch, transformers; assert torch.cuda.is_available()" 2>/dev/null; then
  torch_bench qwen3-0.6b-fp32 75 --config configs/models/qwen3-0.6b-shape.json --dtype fp32 --batch 4 --seq 2048 \
    --steps 2 --decode-batch 256 --prompt 128 --new-tokens 32
  save
  torch_bench qwen3-0.6b-bf16 75 --config configs/models/qwen3-0.6b-shape.json --dtype bf16 --batch 4 --seq 2048 \
    --steps 2 --decode-batch 256 --prompt 128 --new-tokens 512
  save
  torch_bench qwen3-0.6b-bf16-b16 75 --config configs/models/qwen3-0.6b-shape.json --dtype bf16 --batch 16 \
    --seq 2048 --steps 2 --no-decode
  save
  torch_bench qwen3-30b-a3b-4l-bf16 50 --config configs/models/qwen3-30b-a3b-4layers-shape.json --dtype bf16 \
    --batch 4 --seq 2048 --steps 2 --no-decode
else
  say "no PyTorch with CUDA here: the PyTorch references are skipped"
fi
# One GRPO step with both roles on the GPU (`r1 bench rl`, configs/bench-rl-gpu.json: a 96M MoE
# from random weights on countdown, bf16): the split between generate, verify, train and weight
# publishing. Only with an r1 prebuilt from these sources (the GPU-only build has no verifiers).
if skipped rl; then
  :
elif [ -x .gpu_prebuilt/r1 ] && [ "$(cat .gpu_prebuilt/SOURCES_R1 2>/dev/null)" = "$(all_sources_hash)" ] &&
   .gpu_prebuilt/r1 --help > /dev/null 2>&1; then
  timeout 150 .gpu_prebuilt/r1 bench rl --config configs/bench-rl-gpu.json --steps 4 > "$out/bench-rl-bf16.json" \
    2> "$out/bench-rl-bf16.log" || {
    echo "{\"error\": \"exit $? (see bench-rl-bf16.log)\"}" > "$out/bench-rl-bf16.json"
    # bf16 failed: the same at fp32, so the loop's figures come back anyway.
    python3 -c "import json; c = json.load(open('configs/bench-rl-gpu.json')); c['model']['dtype'] = 'fp32'; \
json.dump(c, open('/tmp/bench-rl-gpu-fp32.json', 'w'))"
    timeout 120 .gpu_prebuilt/r1 bench rl --config /tmp/bench-rl-gpu-fp32.json --steps 4 > "$out/bench-rl-fp32.json" \
      2> "$out/bench-rl-fp32.log" || echo "{\"error\": \"exit $? (see bench-rl-fp32.log)\"}" > "$out/bench-rl-fp32.json"
  }
  save
  # The same steps with the weights copied from the learner to the rollout worker (as before
  # rollout.share_weights, and as across processes): what sharing them in place saves.
  if ! skipped rl-copied; then
    python3 -c "import json; c = json.load(open('configs/bench-rl-gpu.json')); \
c.setdefault('rollout', {})['share_weights'] = 'off'; json.dump(c, open('/tmp/bench-rl-gpu-copied.json', 'w'))"
    timeout 120 .gpu_prebuilt/r1 bench rl --config /tmp/bench-rl-gpu-copied.json --steps 4 \
      > "$out/bench-rl-bf16-copied.json" 2> "$out/bench-rl-bf16-copied.log" ||
      echo "{\"error\": \"exit $? (see bench-rl-bf16-copied.log)\"}" > "$out/bench-rl-bf16-copied.json"
    save
  fi
else
  say "no r1 prebuilt from these sources: r1 bench rl skipped"
fi
say "benchmarks done"

# ---- 6. the table ----
python3 - "$out" <<'PY' | tee "$dest/table.md"
import json, sys, os
out = sys.argv[1]
print("\n| GPU test | result |\n|---|---|")
try:
    print(open(os.path.join(out, "tests.md")).read().rstrip())
except Exception as e:
    print(f"| (no tests.md: {e}) | |")
print("\n| benchmark | train tokens/s | MFU | train GFLOP/s | / SGEMM | decode tokens/s (batch) | decode as CUDA graphs | SGEMM GFLOP/s | bf16 GEMM GFLOP/s |\n|---|---|---|---|---|---|---|---|---|")
for name in ("small-moe-fp32", "small-moe-bf16", "qwen3-0.6b-fp32", "qwen3-0.6b-bf16", "qwen3-0.6b-bf16-b16",
             "qwen3-30b-a3b-4l-bf16"):
    try:
        d = json.loads(open(os.path.join(out, f"bench-{name}.json")).read().strip().splitlines()[-1])
    except Exception as e:
        print(f"| {name} | no result ({e}) | | | | | | | |"); continue
    if "error" in d or "skipped" in d:
        print(f"| {name} | {d.get('error', 'skipped (R1_GPU_CHECK_SKIP)')} | | | | | | | |"); continue
    t, dc, r, rb = d["train"], d["decode"], d["reference"], d["reference_bf16"]
    g = dc.get("graphs", {})
    if "tokens_per_second" in g:
        graphs = (f"{g['tokens_per_second']:.0f} (x{g['speedup']:.2f}; {g['launched']} launched; "
                  f"same logits: {'yes' if g['same_last_logits'] else 'NO'})")
        if g.get("off_why"):
            graphs += f"; {g.get('failed', 0)} failed: {g['off_why']}"
    else:
        graphs = f"off: {g.get('off_why', '?')}"
    print(f"| {name} ({d['params']/1e6:.0f}M) | {t['tokens_per_second']:.0f} | {100 * t['mfu']:.1f}% | "
          f"{t['achieved_gflops']:.0f} | {d['ratio_train_gflops_to_sgemm']:.2f} | "
          f"{dc['tokens_per_second']:.0f} ({dc['batch']}) | {graphs} | {r['gflops']:.0f} | {rb['gflops']:.0f} |")
for name in ("qwen3-0.6b-bf16-profile", "qwen3-30b-a3b-4l-bf16-profile"):
    try:
        d = json.loads(open(os.path.join(out, f"bench-{name}.json")).read().strip().splitlines()[-1])
        rows = d["profile"]["train"][:8]
    except Exception:
        continue
    print(f"\n| {name}: training step, op (profiled) | calls | seconds | share |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['op']} | {r['calls']} | {r['seconds']:.3f} | {100 * r['share']:.1f}% |")
print("\n| r1 bench rl (96M MoE, one GPU) | weights | step s | generate | verify | train | publish | gen tokens/s in loop | learner tokens/s |\n|---|---|---|---|---|---|---|---|---|")
for name in ("bench-rl-bf16", "bench-rl-fp32", "bench-rl-bf16-copied"):
    try:
        d = json.loads(open(os.path.join(out, f"{name}.json")).read())
    except Exception:
        continue
    if "error" in d:
        print(f"| {name} | {d['error']} | | | | | | | |"); continue
    sh = d["share_of_step_time"]
    print(f"| {name} | {d.get('weights', '?')} | {d['step_seconds']:.2f} | {100 * sh['generate']:.0f}% | {100 * sh['verify']:.0f}% | "
          f"{100 * sh['train']:.0f}% | {100 * sh['publish']:.0f}% | {d['generation_tokens_per_second_in_loop']:.0f} | "
          f"{d['learner_tokens_per_second']:.0f} |")
try:  # shared weights must train as copied ones: the same rewards and losses, step for step
    a, b = (json.load(open(os.path.join(out, f"{n}.json")))["per_step"]
            for n in ("bench-rl-bf16", "bench-rl-bf16-copied"))
    gap = max(abs(x - y) for k in ("reward", "loss") for x, y in zip(a[k], b[k]))
    print(f"\nshared against copied weights, per-step reward and loss: largest difference {gap:.3g}"
          f" over {len(a['reward'])} steps" + (" (identical)" if gap == 0 else ""))
except Exception as e:
    print(f"\nshared against copied weights: not compared ({e})")
print("\n| PyTorch eager (same GPU) | train tokens/s | decode tokens/s incl. prefill (batch) |\n|---|---|---|")
for name in ("qwen3-0.6b-fp32", "qwen3-0.6b-bf16", "qwen3-0.6b-bf16-b16", "qwen3-30b-a3b-4l-bf16"):
    try:
        d = {}
        for line in open(os.path.join(out, f"torch-{name}.json")).read().strip().splitlines():
            d.update(json.loads(line))  # the training line, then the decode line
    except Exception as e:
        print(f"| {name} | no result ({e}) | |"); continue
    if "error" in d or "skipped" in d:
        print(f"| {name} | {d.get('error', 'skipped (R1_GPU_CHECK_SKIP)')} | |"); continue
    dc = d.get("decode")
    print(f"| {name} | {d['train']['tokens_per_second']:.0f} | "
          + (f"{dc['tokens_per_second']:.0f} ({dc['batch']})" if dc else "-") + " |")
PY
save
say "done (logs: $dest/gpu_check_logs.tar.gz)"
exit $tests_rc
