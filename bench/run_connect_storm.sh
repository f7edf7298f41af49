#!/usr/bin/env bash
# Overhead of socket_exporter on a loopback connect/accept/close storm.
#
# Interleaved A/B rounds inside a private network namespace:
#   A = connect_storm with no exporter running
#   B = connect_storm with the exporter attached and scoped to that namespace
# The A/B order alternates every round so slow drift of the machine cancels.
# A second phase turns on kernel.bpf_stats_enabled (restored afterwards) and
# reads the per-program run count and run time from the exporter's metrics.
#
# Needs root. Builds nothing: pass the built binaries (defaults: build/).
set -euo pipefail
shopt -s inherit_errexit

usage() {
  cat <<EOF
usage: $0 [options]
  --exporter PATH     socket_exporter binary (default: build/socket_exporter)
  --storm PATH        connect_storm binary (default: build/bench/connect_storm)
  --rounds N          interleaved A/B rounds (default: 12)
  --connections N     connections per storm (default: 50000)
  --threads K         client threads of the storm (default: 1)
  --server MODE       connect_storm --server: inline (default; one thread runs
                      the whole cycle, no sleeps) or thread (a server thread
                      accepts; adds cross-CPU wake-ups)
  --port P            storm listening port (default: 8080)
  --listen HOST:PORT  exporter listen address (default: 127.0.0.1:19976)
  --keep-time-wait    keep the namespace's default TIME_WAIT table instead of
                      disabling it (see docs/benchmarks.md)
  --settle SECONDS    idle gap between storms; the exporter starts and stops
                      inside it (default: 4)
  --markdown FILE     also write the summary as a markdown fragment to FILE
EOF
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXPORTER=$ROOT/build/socket_exporter
STORM=$ROOT/build/bench/connect_storm
ROUNDS=12
CONNECTIONS=50000
THREADS=1
SERVER=inline
PORT=8080
LISTEN=127.0.0.1:19976
KEEP_TIME_WAIT=0
MARKDOWN=
QUIET=10 # rounds whose storms both stalled at most this % count as quiet
SETTLE=4 # idle seconds between the end of one storm and the start of the next
READY_TIMEOUT_TENTHS=300 # 30 s
STOP_TIMEOUT_TENTHS=100  # 10 s

while (($#)); do
  case $1 in
    --exporter) EXPORTER=$2; shift 2 ;;
    --storm) STORM=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --server) SERVER=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --listen) LISTEN=$2; shift 2 ;;
    --keep-time-wait) KEEP_TIME_WAIT=1; shift ;;
    --settle) SETTLE=$2; shift 2 ;;
    --markdown) MARKDOWN=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

for bin in "$EXPORTER" "$STORM"; do
  [[ -x $bin ]] || { echo "not executable: $bin (build first)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "needs root (network namespaces, BPF)" >&2; exit 2; }
if ss -Hltn "sport = :${LISTEN##*:}" | grep -q .; then
  echo "port ${LISTEN##*:} is in use; pick another with --listen" >&2
  exit 2
fi

NS=se-bench-$$
URL=http://$LISTEN
EXPORTER_PID=
EXPORTER_LOG=$(mktemp)
STATS_PREV=
WORK=$(mktemp -d)
LAST_STORM_END=$(date +%s.%N)
# Private copies: a rebuild during the run must not mix two versions.
cp "$EXPORTER" "$WORK/socket_exporter"
cp "$STORM" "$WORK/connect_storm"
EXPORTER=$WORK/socket_exporter
STORM=$WORK/connect_storm
STORM_CONNS=0 STORM_SECS=0 STORM_CPS=0 STORM_PSI=0

cleanup() {
  stop_exporter || true
  if [[ -n $STATS_PREV ]]; then sysctl -qw kernel.bpf_stats_enabled="$STATS_PREV" || true; fi
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK" "$EXPORTER_LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_netns() {
  ip netns add "$NS"
  ip netns exec "$NS" ip link set lo up
  if ((!KEEP_TIME_WAIT)); then
    # No TIME_WAIT sockets: every storm starts from the same empty table and
    # no timer work from earlier storms runs during later ones.
    ip netns exec "$NS" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
  fi
}

start_exporter() {
  "$EXPORTER" --web.listen-address="$LISTEN" --netns="/run/netns/$NS" >"$EXPORTER_LOG" 2>&1 &
  EXPORTER_PID=$!
  local i code
  for ((i = 0; i < READY_TIMEOUT_TENTHS; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/-/ready" || true)
    [[ $code == 200 ]] && return 0
    if ! kill -0 "$EXPORTER_PID" 2>/dev/null; then
      echo "exporter exited before it was ready; its log:" >&2
      cat "$EXPORTER_LOG" >&2
      EXPORTER_PID=
      return 1
    fi
    sleep 0.1
  done
  echo "exporter not ready after $((READY_TIMEOUT_TENTHS / 10)) s (last status $code); its log:" >&2
  cat "$EXPORTER_LOG" >&2
  return 1
}

# SIGTERM, then a bounded wait; SIGKILL and fail if it does not exit.
stop_exporter() {
  [[ -n $EXPORTER_PID ]] || return 0
  local pid=$EXPORTER_PID i rc=0
  EXPORTER_PID=
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT_TENTHS; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "exporter $pid ignored SIGTERM for $((STOP_TIMEOUT_TENTHS / 10)) s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    echo "exporter exited with status $rc after SIGTERM; its log:" >&2
    cat "$EXPORTER_LOG" >&2
    return 1
  fi
}

# Sleeps until SETTLE seconds have passed since the previous storm ended, so
# every storm follows the same idle gap whether or not the exporter was
# stopped or started inside it.
settle() {
  local now left
  now=$(date +%s.%N)
  left=$(awk -v n="$now" -v e="$LAST_STORM_END" -v s="$SETTLE" 'BEGIN { l = e + s - n; print (l > 0 ? l : 0) }')
  if [[ $left == 0 ]]; then echo "warning: gap before storm exceeded --settle $SETTLE s" >&2; fi
  sleep "$left"
}

# Microseconds some task waited for a CPU since boot (PSI); 0 without PSI.
cpu_stall_us() {
  awk '/^some/ { sub("total=", "", $5); t = $5 } END { print t + 0 }' /proc/pressure/cpu 2>/dev/null || echo 0
}

# One storm; sets STORM_CONNS, STORM_SECS, STORM_CPS and STORM_PSI (share of
# the storm's wall time during which some task waited for a CPU, in %).
run_storm() {
  local line start stall
  settle
  start=$(date +%s.%N)
  stall=$(cpu_stall_us)
  line=$(ip netns exec "$NS" "$STORM" --connections="$CONNECTIONS" --threads="$THREADS" \
    --server="$SERVER" --port="$PORT")
  LAST_STORM_END=$(date +%s.%N)
  STORM_PSI=$(awk -v s="$start" -v e="$LAST_STORM_END" -v a="$stall" -v b="$(cpu_stall_us)" \
    'BEGIN { printf "%.0f", (b - a) / ((e - s) * 1e4) }')
  read -r STORM_CONNS STORM_SECS STORM_CPS <<<"$(echo "$line" |
    sed -E 's/connections=([0-9]+) seconds=([0-9.]+) cps=([0-9.]+)/\1 \2 \3/')"
}

# Value of one sample of the exporter's metrics; 0 if absent.
metric() {
  curl -sf "$URL/metrics" | awk -v m="$1" -v l="$2" '$1 == m l { v = $2 } END { print v + 0 }'
}

median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
    else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs arm A or B; appends "cps stall% seconds accepts-seen" to $WORK/$1.
run_arm() {
  local arm=$1 counted=-
  if [[ $arm == B ]]; then start_exporter; fi
  run_storm
  if [[ $arm == B ]]; then
    counted=$(metric socket_tcp_accepts_total "{port=\"$PORT\"}")
    stop_exporter
  fi
  echo "$STORM_CPS $STORM_PSI $STORM_SECS $counted" >>"$WORK/$arm"
}

ROW='%-6s %-6s %9s %9s %9s %9s %7s %15s\n'

run_rounds() {
  local r order arm a pa b pb counted ratio
  : >"$WORK/A"
  : >"$WORK/B"
  run_storm # warm-up, not counted
  # shellcheck disable=SC2059
  printf "$ROW" round order "A cps" "A stall%" "B cps" "B stall%" "B/A" "B accepts seen" | tee "$WORK/table"
  for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then order=AB; else order=BA; fi
    for arm in ${order:0:1} ${order:1:1}; do run_arm "$arm"; done
    read -r a pa _ _ < <(tail -n1 "$WORK/A")
    read -r b pb _ counted < <(tail -n1 "$WORK/B")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
    echo "$ratio $order $pa $pb" >>"$WORK/ratios"
    # shellcheck disable=SC2059
    printf "$ROW" "$r" "$order" "$a" "$pa" "$b" "$pb" "$ratio" "$counted" | tee -a "$WORK/table"
  done
}

# Phase 2: per-program cost from kernel.bpf_stats_enabled, as deltas over one storm.
run_stats_phase() {
  STATS_PREV=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -qw kernel.bpf_stats_enabled=1
  start_exporter
  local probes="inet_sock_set_state tcp_send_reset tcp_receive_reset" p conns
  curl -sf "$URL/metrics" >"$WORK/before"
  run_storm
  conns=$STORM_CONNS
  curl -sf "$URL/metrics" >"$WORK/after"
  stop_exporter
  sysctl -qw kernel.bpf_stats_enabled="$STATS_PREV"
  STATS_PREV=
  printf '%-22s %12s %10s %14s\n' probe runs ns/run runs/conn | tee "$WORK/stats"
  for p in $probes; do
    awk -v p="$p" -v c="$conns" -f - "$WORK/before" "$WORK/after" <<'EOF' | tee -a "$WORK/stats"
FNR == 1 { file++ }
$1 == "socket_exporter_bpf_program_runs_total{probe=\"" p "\"}" { runs[file] = $2 }
$1 == "socket_exporter_bpf_program_run_seconds_total{probe=\"" p "\"}" { secs[file] = $2 }
END {
  n = runs[2] - runs[1]; s = secs[2] - secs[1]
  printf "%-22s %12d %10s %14.2f\n", p, n, (n > 0 ? sprintf("%.0f", s / n * 1e9) : "-"), n / c
}
EOF
  done
  echo "$conns" >"$WORK/stats_connections"
  awk -v c="$conns" -f - "$WORK/before" "$WORK/after" >"$WORK/bpf_us" <<'EOF'
FNR == 1 { file++ }
$1 ~ /^socket_exporter_bpf_program_run_seconds_total[{]/ { s[file] += $2 }
END { printf "%.2f", (s[2] - s[1]) / c * 1e6 }
EOF
  echo "BPF run time per connection: $(cat "$WORK/bpf_us") us"
}

# Median of the B/A ratios of the rounds an awk condition selects.
ratio_median() {
  awk "$1"' { print $1 }' "$WORK/ratios" | median
}

summary() {
  local ma mb mr min max quiet
  ma=$(cut -d' ' -f1 "$WORK/A" | median)
  mb=$(cut -d' ' -f1 "$WORK/B" | median)
  mr=$(ratio_median 1)
  min=$(cut -d' ' -f1 "$WORK/ratios" | sort -g | head -n1)
  max=$(cut -d' ' -f1 "$WORK/ratios" | sort -g | tail -n1)
  quiet=$(awk -v q="$QUIET" '$3 <= q && $4 <= q' "$WORK/ratios" | wc -l)
  {
    echo "median cps A (no exporter) | $ma"
    echo "median cps B (exporter attached) | $mb"
    echo "B/A of the medians | $(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')"
    echo "median of per-round B/A (target >= 0.97) | $mr (min $min, max $max)"
    # shellcheck disable=SC2016 # awk conditions, expanded by awk
    echo "median B/A, AB rounds / BA rounds | $(ratio_median '$2 == "AB"') / $(ratio_median '$2 == "BA"')"
    echo "median B/A, $quiet rounds with both stalls <= $QUIET % | $(ratio_median "\$3 <= $QUIET && \$4 <= $QUIET")"
    echo "B/A implied by BPF run time, 1 / (1 + t_bpf * cps_A) (low: stats clock included) | $(awk -v t="$(cat "$WORK/bpf_us")" \
      -v a="$ma" 'BEGIN { printf "%.3f", 1 / (1 + t * 1e-6 * a) }')"
  } >"$WORK/summary"
  echo
  awk -F' [|] ' '{ printf "%-52s %s\n", $1 ":", $2 }' "$WORK/summary"
}

machine() {
  echo "nproc=$(nproc) kernel=$(uname -r) cpu=\"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)\""
}

exporter_version() {
  echo "$("$EXPORTER" --version 2>&1 | head -n1), binary sha256 $(sha256sum "$EXPORTER" | cut -c1-12)"
}

write_markdown() {
  {
    echo "Exporter: \`$(exporter_version)\`."
    echo "Machine: \`$(machine)\`, $ROUNDS rounds of $CONNECTIONS connections, \`--threads=$THREADS --server=$SERVER\`."
    echo
    echo "| round | order | A cps | A stall % | B cps | B stall % | B/A | B accepts seen |"
    echo "| ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    tail -n +2 "$WORK/table" | awk '{ $1 = $1; gsub(" ", " | "); print "| " $0 " |" }'
    echo
    echo "Stall % = share of the storm's wall time during which some task waited for a CPU"
    echo "(\`/proc/pressure/cpu\`); high values mean other work competed with the storm."
    echo
    echo "| | value |"
    echo "| --- | ---: |"
    awk '{ print "| " $0 " |" }' "$WORK/summary"
    echo
    echo "Per-program cost, one extra storm of $(cat "$WORK/stats_connections") connections with \`kernel.bpf_stats_enabled=1\`:"
    echo
    echo "| probe | runs | ns/run | runs/connection |"
    echo "| --- | ---: | ---: | ---: |"
    tail -n +2 "$WORK/stats" | awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
    echo
    echo "BPF run time per connection (all probes): $(cat "$WORK/bpf_us") µs."
  } >"$MARKDOWN"
  echo "markdown written to $MARKDOWN"
}

main() {
  exporter_version
  echo "$(machine) rounds=$ROUNDS connections=$CONNECTIONS threads=$THREADS server=$SERVER netns=$NS"
  setup_netns
  run_rounds
  echo
  run_stats_phase
  summary
  if [[ -n $MARKDOWN ]]; then write_markdown; fi
}

main
