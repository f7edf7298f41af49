#!/usr/bin/env bash
# Every kernel-cost benchmark in one go (about 6-12 minutes on a 2-CPU machine), each against
# its floor (an empty program on the same hooks) and, where there is one, its peer (bpftrace),
# in the same run. Each benchmark prints "summary | figure | goal | measured | floor | peer |
# verdict" lines; this script gathers them, with the revision and the machine line, into one
# table and writes it between the run_all markers of docs/benchmarks.md (--no-docs: print only).
# Full outputs stay in the log directory it names.
#   sudo bench/run_all.sh [--build DIR] [--rounds N] [--no-docs]
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
ROUNDS=10
DOCS=1
while (($#)); do
  case $1 in
    --build=*) BUILD=${1#*=}; shift ;;
    --build) BUILD=$2; shift 2 ;;
    --rounds=*) ROUNDS=${1#*=}; shift ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --no-docs) DOCS=0; shift ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run_all.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $ROUNDS =~ ^[0-9]+$ ]] || ((ROUNDS < 5)); then
  echo "run_all.sh: --rounds must be a number >= 5 (fewer give no verdict)" >&2
  exit 2
fi
[[ $(id -u) == 0 ]] || { echo "run_all.sh: needs root (namespaces, BPF)" >&2; exit 2; }
for bin in overhead_bench syn_flood_bench syn_hook_bench datapath_bench udp_storm_bench connect_storm; do
  [[ -x $BUILD/bench/$bin ]] || {
    echo "run_all.sh: $BUILD/bench/$bin is missing: cmake --build $BUILD first" >&2
    exit 2
  }
done

LOGS=$(mktemp -d /tmp/se-bench-XXXXXX)
echo "logs: $LOGS"
run() {  # name, command...
  local name=$1 start=$SECONDS
  shift
  echo "== $name: $*"
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    echo "   FAILED (exit $?); see $LOGS/$name.log" >&2
    echo "summary | $name | - | failed | - | - | see its log" >>"$LOGS/$name.log"
  fi
  echo "   $((SECONDS - start)) s"
}

run connect_storm_in_process "$BUILD/bench/overhead_bench" --rounds="$ROUNDS"
run syn_flood "$BUILD/bench/syn_flood_bench" --rounds="$ROUNDS"
run syn_hook "$BUILD/bench/syn_hook_bench" --rounds="$ROUNDS"
run datapath "$BUILD/bench/datapath_bench" --rounds="$ROUNDS"
run udp_storm "$BUILD/bench/udp_storm_bench" --rounds="$ROUNDS"
run udp_storm_unbatched "$BUILD/bench/udp_storm_bench" --rounds="$ROUNDS" --batch=1 \
  --datagrams=50000
run connect_storm_vs_bpftrace "$ROOT/bench/run_connect_storm.sh" \
  --exporter="$BUILD/socket_exporter" --storm="$BUILD/bench/connect_storm" \
  --rounds="$(((ROUNDS + 1) / 2))" --connections=30000 --settle=2

revision=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+changes" || true)
table=$LOGS/summary.md
{
  echo "Revision \`$revision$dirty\`, $(date -u +%Y-%m-%d), \`bench/run_all.sh --rounds=$ROUNDS\`:"
  echo "$(grep -h -m1 '^machine:' "$LOGS"/syn_hook.log || echo 'machine: unknown')."
  echo
  echo "| benchmark | figure | goal | measured | floor (empty program) | peer | verdict |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  for log in connect_storm_in_process syn_flood syn_hook datapath udp_storm udp_storm_unbatched \
    connect_storm_vs_bpftrace; do
    lines=$(grep -h '^summary |' "$LOGS/$log.log" || true)
    if [[ -n $lines ]]; then
      sed "s/^summary |/| $log |/; s/\$/ |/" <<<"$lines"
    else
      echo "| $log | - | - | no summary line | - | - | see its log |"
    fi
  done
} >"$table"
cat "$table"

if ((DOCS)); then
  doc=$ROOT/docs/benchmarks.md
  grep -q '<!-- run_all:begin -->' "$doc" || { echo "no run_all markers in $doc" >&2; exit 1; }
  awk -v table="$table" '
    /<!-- run_all:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- run_all:end -->/ { skip = 0 }
    !skip { print }' "$doc" >"$doc.new"
  mv "$doc.new" "$doc"
  echo "written into $doc"
fi
