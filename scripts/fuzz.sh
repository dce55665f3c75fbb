#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz/fuzz_*.cpp) with clang, libFuzzer, ASan and UBSan into
# build-fuzz/, then runs each one, coverage-guided, for SECONDS (default 60), R1_JOBS at a time.
#   scripts/fuzz.sh [SECONDS] [NAME...]      e.g. scripts/fuzz.sh 600 verify_line
# scripts/test.sh (CI) runs it with 20 seconds per target and R1_FUZZ_OPT=-O0, in
# build-fuzz-O0/: half the build time, for a third of the executions per second.
#
# Each target starts from its seeds (tests/fuzz/corpus/NAME/) and the inputs earlier runs kept
# (build-fuzz/corpus/NAME/, where new ones go). A crash, a leak, a sanitizer report or a timeout
# fails the script, and the input that caused it is kept under build-fuzz/crashes/NAME/; the
# message says how to replay it. The figures of each run (executions, corpus size, coverage)
# are printed at the end. See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
jobs="${R1_JOBS:-$(nproc)}"
root="$(pwd)"
opt="${R1_FUZZ_OPT:--O1}"
out="$root/build-fuzz"
[ "$opt" = "-O1" ] || out="$root/build-fuzz$opt"

export CC="${R1_FUZZ_CC:-clang}" CXX="${R1_FUZZ_CXX:-clang++}"
start=$(date +%s)
cmake -S . -B "$out" -DR1_FUZZ=ON -DR1_FUZZ_OPT="$opt" -DR1_CUDA=OFF -DCMAKE_BUILD_TYPE=Release \
  >/dev/null
cmake --build "$out" -j"$jobs" --target fuzz_targets
echo "fuzz: targets built in $(( $(date +%s) - start )) s"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.cpp; do
    n="$(basename "$src" .cpp)"
    names+=("${n#fuzz_}")
  done
fi

# halt_on_error and print_stacktrace: every sanitizer report is a crash libFuzzer keeps.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

run_one() {
  local name="$1" bin="$out/tests/fuzz/fuzz_$1"
  local seeds="$root/tests/fuzz/corpus/$name" work="$out/corpus/$name"
  local crashes="$out/crashes/$name" log="$out/logs/$name.log"
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  [ -d "$seeds" ] || { echo "fuzz: no seed folder $seeds" >"$log"; return 1; }
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1
}

stamp="$out/logs/.started"
mkdir -p "$out/logs" && touch "$stamp"
declare -A status
pids=()
for name in "${names[@]}"; do
  if [ ! -x "$out/tests/fuzz/fuzz_$name" ]; then
    echo "fuzz: no target fuzz_$name (tests/fuzz/fuzz_$name.cpp)" >&2
    exit 2
  fi
  run_one "$name" &
  pids+=("$!:$name")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    entry="${pids[0]}"; pids=("${pids[@]:1}")
    if wait "${entry%%:*}"; then status[${entry#*:}]=0; else status[${entry#*:}]=$?; fi
  fi
done
for entry in "${pids[@]}"; do
  if wait "${entry%%:*}"; then status[${entry#*:}]=0; else status[${entry#*:}]=$?; fi
done

failed=0
printf '%-22s %12s %10s %8s %8s %s\n' target executions exec/s corpus seeds coverage
for name in "${names[@]}"; do
  log="$out/logs/$name.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # The last status line: "#N DONE cov: C ft: F corp: K/SIZE ..."
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$last")
  nseeds=$(find "$root/tests/fuzz/corpus/$name" -type f | wc -l)
  printf '%-22s %12s %10s %8s %8s %s\n' "fuzz_$name" "${execs:-?}" "${rate:-?}" "${corp:-?}" "$nseeds" \
    "${cov:+$cov edges}"
  if [ "${status[$name]}" -ne 0 ]; then
    failed=1
    echo
    echo "FUZZ FAILURE: fuzz_$name exited with status ${status[$name]}; its log: $log"
    grep -E 'ERROR: |runtime error:|SUMMARY:|Test unit written to|deadly signal|uncaught exception|what\(\)' \
      "$log" | head -20 || true
    for f in $(find "$out/crashes/$name" -type f -newer "$stamp"); do
      echo "  input kept: $f"
      echo "  replay:     $out/tests/fuzz/fuzz_$name $f"
      echo "              (or build/tests/fuzz/fuzz_${name}_replay $f in the normal build)"
    done
    echo "  Once fixed, copy the input into tests/fuzz/corpus/$name/ so that every build replays it."
  fi
done
echo "fuzz: ${#names[@]} targets, ${seconds} s each, $(( $(date +%s) - start )) s in all"
exit "$failed"
