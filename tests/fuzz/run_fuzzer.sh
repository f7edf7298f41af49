#!/usr/bin/env bash
# Runs one fuzzer for a bounded time, seeded from a copy of its committed corpus so the run never
# writes new inputs into the source tree. A crash, leak, timeout or failed invariant fails the
# test and leaves the input in ARTIFACT_DIR.
# Usage: run_fuzzer.sh FUZZER CORPUS_DIR ARTIFACT_DIR SECONDS [DICT]
set -euo pipefail
fuzzer=$1 corpus=$2 artifacts=$3 seconds=$4 dict=${5:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/se-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$corpus" "$work/corpus"
mkdir -p "$artifacts"

args=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1
      -artifact_prefix="$artifacts/")
[[ -n "$dict" ]] && args+=(-dict="$dict")
status=0
"$fuzzer" "${args[@]}" "$work/corpus" || status=$?
if ((status != 0)); then
  echo "run_fuzzer: $(basename "$fuzzer") failed (exit $status); the input is in $artifacts/" >&2
fi
exit "$status"
