#!/usr/bin/env bash
# Installs build dependencies, builds socket_exporter and runs it with default flags
# (extra arguments are passed on, e.g. tools/run.sh --netns=all).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSE_BUILD_TESTS=OFF >/dev/null
cmake --build build --target socket_exporter
exec build/socket_exporter "$@"
