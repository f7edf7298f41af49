#!/usr/bin/env bash
# Builds the parsers' libFuzzer targets (tests/fuzz/) in a clang tree of their own and runs each
# for a bounded time on its seed corpus. Usage: tools/fuzz.sh [BUILD_DIR] (default build-fuzz);
# SE_FUZZ_SECONDS sets the time per fuzzer (default 20). Needs the packages of
# tools/install-deps.sh, plus clang's runtime libraries, installed here when missing (root).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$repo/build-fuzz}")
seconds=${SE_FUZZ_SECONDS:-20}

# libFuzzer and the sanitizer runtimes live in Debian's libclang-rt-N-dev, which clang only
# recommends, so a --no-install-recommends install lacks them: probe with a one-line fuzzer.
probe_libfuzzer() {
  local dir
  dir=$(mktemp -d)
  echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' \
    >"$dir/probe.cc"
  clang++ -fsanitize=fuzzer,address,undefined "$dir/probe.cc" -o "$dir/probe" >/dev/null 2>&1
  local status=$?
  rm -rf "$dir"
  return "$status"
}
if ! probe_libfuzzer; then
  major=$(clang++ -dumpversion | cut -d. -f1)
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "fuzz: clang++ cannot link libFuzzer; install libclang-rt-$major-dev (as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "libclang-rt-$major-dev" >/dev/null
  probe_libfuzzer || { echo "fuzz: clang++ still cannot link libFuzzer" >&2; exit 1; }
fi

# Only the fuzzers are built, so neither the tests' nor the benchmarks' dependencies are needed.
# -O1 with line tables (the usual fuzzing build) compiles sanitized code faster than -O2 -g,
# still names lines in stack traces, and keeps assertions on.
mkdir -p "$build"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSE_FUZZ=ON \
  -DSE_FUZZ_SECONDS="$seconds" -DSE_BUILD_TESTS=OFF -DSE_BUILD_BENCH=OFF \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target fuzzers
# All at once: each fuzzer stops after SE_FUZZ_SECONDS of wall-clock time, so this takes that
# long whatever the number of cores (fewer cores only mean fewer inputs tried).
ctest --test-dir "$build" -L fuzz --output-on-failure -j 16
