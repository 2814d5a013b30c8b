#!/usr/bin/env bash
# build_and_run.sh — build the libFuzzer targets with clang (ASan + UBSan + libFuzzer, the
# libraries they test included) and run each one briefly over its checked-in corpus.
#
# Usage: fuzz/build_and_run.sh [target ...]     (default: every target)
#   targets: fuzz_csv fuzz_report_decoder fuzz_metrics_config fuzz_alert_config
# Env:
#   CW_FUZZ_SECONDS    fuzzing time per target (default 20; 0 = only replay corpus and
#                      regressions)
#   CW_FUZZ_BUILD_DIR  build directory (default <repo>/build-fuzz)
#   CW_JOBS            parallel compile jobs (default 2)
#
# Per target: (1) replays fuzz/regressions/<target>/* (inputs that crashed once), then
# (2) fuzzes for CW_FUZZ_SECONDS starting from fuzz/corpus/<target>/ (with the tokens of
# fuzz/dict/<target>.dict), writing new inputs to
# <build>/corpus/<target>/ (the checked-in corpus is never modified) and crash inputs to
# <build>/artifacts/<target>/. Exits non-zero when any target crashed, leaked, timed out or
# broke an invariant; the summary names the artifact to add to fuzz/regressions/<target>/.
#
# Needs clang and libclang-rt-14-dev (scripts/setup.sh installs them). The first build
# compiles the proto library and common/ with the sanitizers: several minutes on 2 cores.
set -euo pipefail
me="build_and_run.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
BUILD="${CW_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
SECONDS_PER_TARGET="${CW_FUZZ_SECONDS:-20}"
JOBS="${CW_JOBS:-2}"
log() { echo "[$me] $*" >&2; }

ALL_TARGETS=(fuzz_csv fuzz_report_decoder fuzz_metrics_config fuzz_alert_config)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
for t in "${TARGETS[@]}"; do
  case " ${ALL_TARGETS[*]} " in
    *" $t "*) ;;
    *) log "unknown target '$t' (expected one of: ${ALL_TARGETS[*]})"; exit 2 ;;
  esac
done

# Longest input libFuzzer generates, per target (bytes).
max_len() {
  case "$1" in
    fuzz_csv) echo 8192 ;;
    fuzz_report_decoder) echo 2048 ;;
    fuzz_metrics_config) echo 4096 ;;
    fuzz_alert_config) echo 4096 ;;
  esac
}

for tool in clang++ cmake ninja; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "$tool not found (run scripts/setup.sh: it installs clang and libclang-rt-14-dev)"
    exit 2
  fi
done

# Libraries: coverage instrumentation for libFuzzer plus the sanitizers. UBSan findings
# abort (no recovery), so the fuzzer sees them as crashes.
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
SAN="$SAN -fno-omit-frame-pointer -gline-tables-only"
log "configuring $BUILD (clang++, $SAN)"
cmake -S "$FUZZ" -B "$BUILD" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_FLAGS_FUZZ="-O1" \
  -DCMAKE_CXX_FLAGS="$SAN" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
log "building ${TARGETS[*]} (-j$JOBS)"
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:symbolize=1}"

failed=()
start_all=$(date +%s)
for t in "${TARGETS[@]}"; do
  bin="$BUILD/$t"
  seeds="$FUZZ/corpus/$t"
  work="$BUILD/corpus/$t"
  artifacts="$BUILD/artifacts/$t/"
  logfile="$BUILD/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$logfile")"
  common=(-max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048
          -artifact_prefix="$artifacts" -print_final_stats=1)
  if [ -f "$FUZZ/dict/$t.dict" ]; then common+=(-dict="$FUZZ/dict/$t.dict"); fi

  # (1) Every regression input, once each.
  regressions=()
  if [ -d "$FUZZ/regressions/$t" ]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done \
      < <(find "$FUZZ/regressions/$t" -type f ! -name '*.md' -print0 | sort -z)
  fi
  if [ "${#regressions[@]}" -gt 0 ]; then
    log "$t: replaying ${#regressions[@]} regression input(s)"
    : >"$logfile.regressions"
    for f in "${regressions[@]}"; do  # one process each: a crash ends the process
      if ! "$bin" "${common[@]}" "$f" >>"$logfile.regressions" 2>&1; then
        log "$t: regression still fails: ${f#"$ROOT"/}"
        grep -E 'runtime error|invariant violated|ERROR: AddressSanitizer' \
          "$logfile.regressions" | tail -n 1 >&2 || true
        failed+=("$t (regression ${f##*/})")
      fi
    done
  fi

  # (2) Fuzz from the seed corpus (replays it first), for a bounded time.
  if [ "$SECONDS_PER_TARGET" -gt 0 ]; then
    log "$t: fuzzing for ${SECONDS_PER_TARGET}s (max_len $(max_len "$t"))"
    runs=(-max_total_time="$SECONDS_PER_TARGET")
  else
    log "$t: replaying the seed corpus"
    runs=(-runs=0)
  fi
  if "$bin" "${common[@]}" "${runs[@]}" "$work" "$seeds" >"$logfile" 2>&1; then
    grep -E '^stat::number_of_executed_units' "$logfile" | sed "s/^/[$me] $t: /" >&2 || true
  else
    log "$t: FAILED — log $logfile"
    grep -E 'ERROR: |runtime error|invariant violated|Test unit written to' "$logfile" \
      | tail -n 6 >&2 || true
    log "$t: add the artifact above to fuzz/regressions/$t/ and report it"
    failed+=("$t")
  fi
done

log "done in $(( $(date +%s) - start_all ))s of running"
if [ "${#failed[@]}" -gt 0 ]; then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all targets clean: ${TARGETS[*]}"
