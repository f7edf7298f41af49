#!/usr/bin/env bash
# Runs the test suite under sanitizers, each stage in a build tree of its own:
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (-DSE_SANITIZE=ON, every UBSan check
#         fatal), the unit and integration tests;
#   tsan: ThreadSanitizer (-DSE_TSAN=ON), the unit and integration tests: every exporter they
#         start runs its HTTP workers (scrapes, the API), the detector loop and the event
#         reader at once, and the policy tests reload it with SIGHUP meanwhile.
# The exporters the integration tests start inherit the sanitizer options; every report aborts
# the process that made it. ASan, LeakSanitizer and TSan reports - from a test binary or from
# an exporter it started - are also written to the stage's report directory, and the script
# fails on any of them, even one a test did not notice (a report just before a test kills its
# exporter, a leak at exit). UBSan reports cannot go there: gcc links libubsan beside libasan,
# and libubsan ignores log_path then; they go to the process's stderr (ctest's output for the
# test binaries, the test's failure message for an exporter, which the abort fails).
#
# Usage (root): tools/sanitize.sh [asan|tsan]...   (default: both). SE_SANITIZE_BUILD_ROOT sets
# where the trees go (default: the repository: build-asan, build-tsan). Needs the packages of
# tools/install-deps.sh --test; gcc's sanitizer runtimes (libasan8, libubsan1, libtsan2) come
# with g++.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(realpath -m "${SE_SANITIZE_BUILD_ROOT:-$repo}")
stages=("$@")
((${#stages[@]})) || stages=(asan tsan)
for stage in "${stages[@]}"; do
  [[ $stage == asan || $stage == tsan ]] || { echo "sanitize: unknown stage $stage" >&2; exit 2; }
done

# Only what the unit and integration tests run: the tests, the exporter, the SYN generator and
# the TC program. -O1 with line tables compiles sanitized code much faster than -O2 -g and
# still names lines in reports.
targets=(unit_tests http_unit_tests integration_tests socket_exporter se_syngen drop_pure_acks_skel_gen)

configure() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cmake -S "$repo" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DSE_BUILD_TESTS=ON -DSE_BUILD_BENCH=OFF "$@" >"$dir/configure.log" 2>&1 ||
    { cat "$dir/configure.log"; exit 1; }
}

# Fails, printing them, if the report directory holds any report.
check_reports() {
  local dir=$1 stage=$2 reports
  reports=$(find "$dir" -type f -size +0 | sort)
  [[ -z $reports ]] && return 0
  echo "sanitize: $stage: sanitizer reports:" >&2
  while read -r f; do
    echo "==== $f" >&2
    cat "$f" >&2
  done <<<"$reports"
  return 1
}

# Prepares a fresh report directory (writable by the unprivileged exporter one test starts).
report_dir() {
  local dir=$1/sanitizer-reports
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 1777 "$dir"
  echo "$dir"
}

status=0
run_stage() {
  local stage=$1 build=$root/build-$1 reports
  local start=$SECONDS
  case $stage in
    asan)
      configure "$build" -DSE_SANITIZE=ON -DCMAKE_C_FLAGS=-fno-sanitize-recover=all \
        -DCMAKE_CXX_FLAGS=-fno-sanitize-recover=all
      ;;
    tsan) configure "$build" -DSE_TSAN=ON ;;
  esac
  reports=$(report_dir "$build")
  # The options are in force from the build on: gtest_discover_tests runs the test binaries.
  # Each report aborts the process that made it (non-zero exit) and goes to $reports/NAME.PID.
  export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_init_order=1:log_path=$reports/asan"
  export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
  export TSAN_OPTIONS="abort_on_error=1:halt_on_error=1:second_deadlock_stack=1:suppressions=$repo/tests/sanitizers/tsan.supp:log_path=$reports/tsan"
  nice cmake --build "$build" --target "${targets[@]}"
  echo "sanitize: $stage: built in $((SECONDS - start)) s"
  local ok=0
  # The integration tests are RUN_SERIAL; the unit tests share the other cores meanwhile.
  ctest --test-dir "$build" -L 'unit|integration' --output-on-failure --timeout 600 \
    -j "$(nproc)" || ok=1
  check_reports "$reports" "$stage" || ok=1
  unset ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
  if ((ok)); then
    echo "sanitize: $stage: FAILED ($((SECONDS - start)) s)" >&2
    status=1
  else
    echo "sanitize: $stage: passed, no sanitizer report ($((SECONDS - start)) s)"
  fi
}

for stage in "${stages[@]}"; do run_stage "$stage"; done
exit "$status"
