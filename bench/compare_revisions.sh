#!/usr/bin/env bash
# One in-process benchmark of two revisions, interleaved: runs the benchmark binary of revision
# A, then B's, then A's again... (the order alternating per pair: AB, BA, AB...), each run with
# its own detached, empty and exporter arms, and compares each revision's per-run medians of
# exporter/detached and empty/detached. This is how a change's cost shows against the figure
# of the revision before it measured in the same hour on the same machine (a figure from
# another day or machine is not comparable).
#   sudo bench/compare_revisions.sh --a OLD/bench/overhead_bench --b build/bench/overhead_bench \
#     [--runs N] [-- benchmark flags...]
# Build the older revision aside first, e.g.
#   git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old/build -G Ninja \
#     -DSE_BUILD_TESTS=OFF && ninja -C /tmp/old/build overhead_bench
set -euo pipefail
shopt -s inherit_errexit

A= B= RUNS=6
while (($#)); do
  case $1 in
    --a=*) A=${1#*=}; shift ;;
    --a) A=$2; shift 2 ;;
    --b=*) B=${1#*=}; shift ;;
    --b) B=$2; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "compare_revisions.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -x $A && -x $B ]] || {
  echo "compare_revisions.sh: --a and --b must name built benchmark binaries (see --help)" >&2
  exit 2
}
if ! [[ $RUNS =~ ^[0-9]+$ ]] || ((RUNS < 3)); then
  echo "compare_revisions.sh: --runs must be a number >= 3" >&2
  exit 2
fi
[[ $(id -u) == 0 ]] || { echo "compare_revisions.sh: needs root (namespaces, BPF)" >&2; exit 2; }

LOGS=$(mktemp -d /tmp/se-compare-XXXXXX)
echo "logs: $LOGS"
echo "A: $A"
echo "B: $B"
echo "benchmark flags: ${*:-(defaults)}"
uname_line() {
  echo "machine: kernel $(uname -r), $(nproc) CPUs online, CPU pressure" \
    "\"$(head -1 /proc/pressure/cpu 2>/dev/null || echo n/a)\" ($1)"
}
uname_line before

# The median of a "per-round <name>  median X" line of a benchmark's output.
figure() { awk -v name="$2" '$1 == "per-round" && $2 == name { print $4; exit }' "$1"; }

printf '%-4s %-3s %-12s %-12s\n' run rev exporter/D empty/D
for ((i = 1; i <= RUNS; i++)); do
  if ((i % 2)); then order="A B"; else order="B A"; fi
  for rev in $order; do
    bin=$A
    [[ $rev == B ]] && bin=$B
    log=$LOGS/$rev-$i.log
    "$bin" "$@" >"$log" 2>&1 || { echo "run $i $rev failed; see $log" >&2; exit 1; }
    x=$(figure "$log" exporter/detached)
    e=$(figure "$log" empty/detached)
    if [[ -z $x || -z $e ]]; then  # the benchmark refused a verdict (too noisy): not a figure
      printf '%-4s %-3s %s\n' "$i" "$rev" "no ratios ($(grep -m1 -o 'too [a-z ]*' "$log" || echo see log))"
      continue
    fi
    printf '%-4s %-3s %-12s %-12s\n' "$i" "$rev" "$x" "$e"
    echo "$rev $x $e" >>"$LOGS/figures"
  done
done

# Median and interquartile range of column $2 for revision $1.
stats() {
  awk -v rev="$1" -v col="$2" '$1 == rev { print $col }' "$LOGS/figures" | sort -g |
    awk '{ v[NR] = $1 } END {
      n = NR
      m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      lo = v[int((n - 1) * 0.25) + 1]; hi = v[int((n - 1) * 0.75 + 0.5) + 1]
      printf "%.4f [%.4f..%.4f]", m, lo, hi }'
}
for rev in A B; do
  echo "$rev exporter/detached median $(stats $rev 2) (interquartile over runs)," \
    "empty/detached $(stats $rev 3)"
done
med() { stats "$1" "$2" | cut -d' ' -f1; }
awk -v ax="$(med A 2)" -v bx="$(med B 2)" -v ae="$(med A 3)" -v be="$(med B 3)" 'BEGIN {
  printf "B - A: exporter/detached %+.2f points, of which the floor (empty/detached) %+.2f, the\n", 100 * (bx - ax), 100 * (be - ae)
  printf "exporter over its floor %+.2f\n", 100 * ((bx - be) - (ax - ae)) }'
echo "summary | revisions A/B, same benchmark | B not below A by more than the noise | A $(med A 2), B $(med B 2) of detached | A $(med A 3), B $(med B 3) | - | see spreads"
uname_line after
