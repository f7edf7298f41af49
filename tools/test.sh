#!/usr/bin/env bash
# Installs build and test dependencies, builds everything and runs the whole test suite:
# unit tests, integration tests against the real kernel (root), and end-to-end checks.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
npm ci --prefix tests/dashboards --no-audit --no-fund >/dev/null
npm ci --prefix tests/deploy --no-audit --no-fund >/dev/null

# The core library and its unit tests build on a machine without kernel BTF: prove it with a
# tree configured as if there were none.
mkdir -p build-nobtf
cmake -S . -B build-nobtf -G Ninja -DSE_VMLINUX_BTF=/nonexistent -DSE_BUILD_BENCH=OFF \
  >build-nobtf/configure.log 2>&1 || { cat build-nobtf/configure.log; exit 1; }
cmake --build build-nobtf --target unit_tests
ctest --test-dir build-nobtf -L unit --output-on-failure

# The parsers' libFuzzer targets, each for a bounded time on its committed seed corpus.
tools/fuzz.sh build-fuzz
# The unit and integration tests under ASan+UBSan and under TSan (about 10-20 minutes: two
# sanitized builds), no report allowed.
tools/sanitize.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSE_BUILD_TESTS=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure --timeout 300 "$@"
