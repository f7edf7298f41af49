#!/usr/bin/env bash
# Installs build and test dependencies, builds everything and runs the whole test suite:
# unit tests, integration tests against the real kernel (root), and end-to-end checks.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSE_BUILD_TESTS=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure --timeout 300 "$@"
