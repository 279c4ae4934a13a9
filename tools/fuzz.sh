#!/usr/bin/env bash
# Fuzzes `nnsimd run`'s input handling (issue 11): configures and builds the CMake preset `fuzz`
# (clang, libFuzzer, ASan + UBSan, build/fuzz), then runs each target for SECONDS (default 60):
#
#   fuzz_npy   the .npy parser (npy::parse) on arbitrary bytes
#   fuzz_run   parsed arrays through nnsimd run's checks and kernels (cli::compute), 64 MiB budget
#
#   tools/fuzz.sh [SECONDS]
#
# Each target starts from its committed seed corpus (fuzz/corpus/<npy|run>/, written by
# fuzz/make_corpus.py), copied into build/fuzz/fuzz-run/<target>/corpus so the committed one is never
# modified, with the dictionary fuzz/npy.dict. Exits non-zero if a target did not build, crashed (any
# sanitizer report, an uncaught exception, an input slower than -timeout, more memory than -rss_limit_mb
# or one allocation above -malloc_limit_mb), or ran fewer than NNSIMD_FUZZ_MIN_EXECS executions
# (default: 100 per second of fuzzing; a target that stalls is broken). A crashing input is left in
# build/fuzz/fuzz-run/<target>/ as crash-*, timeout-* or oom-*; replay it with
#   build/fuzz/fuzz/<target> <file>
# and save it under fuzz/corpus/<npy|run>/ as a regression seed once fixed.
# Needs clang and libclang-rt-14-dev (tools/deps.sh --fuzz).
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
min_execs="${NNSIMD_FUZZ_MIN_EXECS:-$((100 * seconds))}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/tools/deps.sh" --fuzz
t0=$SECONDS
t=$SECONDS
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
echo "fuzz.sh: configure + build took $((SECONDS - t)) s"

bin="$root/build/fuzz/fuzz"
scratch="$root/build/fuzz/fuzz-run"
failed=0
summary=()
for target in fuzz_npy fuzz_run; do
  corpus_name="${target#fuzz_}"
  if [[ ! -x "$bin/$target" ]]; then
    echo "fuzz.sh: $target: not built ($bin/$target missing)" >&2
    failed=1
    summary+=("$target: NOT BUILT")
    continue
  fi
  work="$scratch/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp -R "$root/fuzz/corpus/$corpus_name/." "$work/corpus/"
  t=$SECONDS
  echo "fuzz.sh: $target for $seconds s ($(ls "$work/corpus" | wc -l) seeds)"
  rc=0
  # -timeout: seconds per input; -rss_limit_mb: the whole process; -malloc_limit_mb: one allocation
  # (fuzz_run's budget is 64 MiB, so 512 MiB in one piece can only come from an unchecked size).
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:halt_on_error=1:detect_leaks=1" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:halt_on_error=1:print_stacktrace=1" \
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -dict="$root/fuzz/npy.dict" -print_final_stats=1 -artifact_prefix="$work/" \
    "$work/corpus" >"$work/log.txt" 2>&1 || rc=$?
  took=$((SECONDS - t))
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$work/log.txt" | tail -n 1)
  execs="${execs:-0}"
  corpus_size=$(ls "$work/corpus" | wc -l)
  if ((rc != 0)); then
    echo "fuzz.sh: $target FAILED (exit $rc) after $took s; the end of $work/log.txt:" >&2
    grep -v '^#[0-9]' "$work/log.txt" | tail -n 60 >&2 || true
    ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-* 2>/dev/null >&2 || true
    failed=1
    summary+=("$target: FAILED (exit $rc), $execs executions in $took s")
  elif ((execs < min_execs)); then
    echo "fuzz.sh: $target ran only $execs executions in $took s, fewer than the minimum $min_execs (NNSIMD_FUZZ_MIN_EXECS)" >&2
    grep -v '^#[0-9]' "$work/log.txt" | tail -n 30 >&2 || true
    failed=1
    summary+=("$target: TOO FEW EXECUTIONS, $execs in $took s (minimum $min_execs)")
  else
    summary+=("$target: ok, $execs executions in $took s ($((execs / (took > 0 ? took : 1)))/s), corpus $corpus_size inputs")
  fi
  echo "fuzz.sh: $target took $took s"
done

echo
printf 'fuzz.sh: %s\n' "${summary[@]}"
echo "fuzz.sh: done in $((SECONDS - t0)) s"
exit "$failed"
