#!/usr/bin/env bash
# Overhead of socket_exporter on a loopback connect/accept/close storm.
#
# Interleaved rounds of three arms inside a private network namespace:
#   A = connect_storm with no exporter running
#   B = connect_storm with the exporter attached and scoped to that namespace
#   C = connect_storm with bpftrace running peer_accept_connect.bt (a peer that
#       counts the same accepts and connects; host-wide, it has no netns filter)
# The order rotates every round so slow drift of the machine cancels. A run
# whose A arm spreads too much, or whose rounds were mostly disturbed, prints
# "too noisy: ..." instead of ratios.
# A second phase turns on kernel.bpf_stats_enabled (restored afterwards) and
# reads the per-program run count and run time from the exporter's metrics.
#
# Needs root. Builds nothing: pass the built binaries (defaults: build/).
set -euo pipefail
shopt -s inherit_errexit

usage() {
  cat <<EOF
usage: $0 [options]   (every --opt value may also be written --opt=value)
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
  --bpftrace PATH     bpftrace binary of the peer arm (default: bpftrace, which
                      is installed with apt-get if missing)
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
BPFTRACE=bpftrace
PEER_SCRIPT=$ROOT/bench/peer_accept_connect.bt
QUIET=10 # rounds whose storms both stalled at most this % count as quiet
SETTLE=4 # idle seconds between the end of one storm and the start of the next
READY_TIMEOUT_TENTHS=300 # 30 s
STOP_TIMEOUT_TENTHS=100  # 10 s

while (($#)); do
  if [[ $1 == --*=* ]]; then set -- "${1%%=*}" "${1#*=}" "${@:2}"; fi
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
    --bpftrace) BPFTRACE=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

for bin in "$EXPORTER" "$STORM"; do
  [[ -x $bin ]] || { echo "not executable: $bin (build first)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "needs root (network namespaces, BPF)" >&2; exit 2; }
[[ -r $PEER_SCRIPT ]] || { echo "missing $PEER_SCRIPT" >&2; exit 2; }
if ! command -v "$BPFTRACE" >/dev/null; then
  echo "bpftrace not found; installing it with apt-get" >&2
  apt-get install -y bpftrace >&2
fi
if ss -Hltn "sport = :${LISTEN##*:}" | grep -q .; then
  echo "port ${LISTEN##*:} is in use; pick another with --listen" >&2
  exit 2
fi

NS=se-bench-$$
URL=http://$LISTEN
EXPORTER_PID=
PEER_PID=
MOUNTED_TRACEFS=0
EXPORTER_LOG=$(mktemp)
STATS_PREV=
WORK=$(mktemp -d)
LAST_STORM_END=$(date +%s.%N)
# Private copies: a rebuild during the run must not mix two versions.
cp "$EXPORTER" "$WORK/socket_exporter"
cp "$STORM" "$WORK/connect_storm"
cp "$PEER_SCRIPT" "$WORK/peer.bt"
PEER_LOG=$WORK/peer.log
EXPORTER=$WORK/socket_exporter
STORM=$WORK/connect_storm
STORM_CONNS=0 STORM_SECS=0 STORM_CPS=0 STORM_PSI=0

cleanup() {
  stop_exporter || true
  stop_peer || true
  if ((MOUNTED_TRACEFS)); then umount /sys/kernel/tracing || true; fi
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
  # bpftrace finds tracepoints through tracefs, which a fresh machine has not mounted.
  if ! mountpoint -q /sys/kernel/tracing; then
    mount -t tracefs tracefs /sys/kernel/tracing
    MOUNTED_TRACEFS=1
  fi
}

# The bpftrace peer runs beside the namespace, as the exporter does, and counts
# host-wide. Returns once its BEGIN line shows that every probe is attached.
start_peer() {
  "$BPFTRACE" -B line "$WORK/peer.bt" >"$PEER_LOG" 2>&1 &
  PEER_PID=$!
  local i
  for ((i = 0; i < READY_TIMEOUT_TENTHS; i++)); do
    grep -q '^peer attached' "$PEER_LOG" && return 0
    if ! kill -0 "$PEER_PID" 2>/dev/null; then
      echo "bpftrace exited before it attached; its output:" >&2
      cat "$PEER_LOG" >&2
      PEER_PID=
      return 1
    fi
    sleep 0.1
  done
  echo "bpftrace not attached after $((READY_TIMEOUT_TENTHS / 10)) s; its output:" >&2
  cat "$PEER_LOG" >&2
  return 1
}

# SIGINT makes bpftrace print its maps and exit; bounded wait, then SIGKILL.
stop_peer() {
  [[ -n $PEER_PID ]] || return 0
  local pid=$PEER_PID i
  PEER_PID=
  kill -INT "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT_TENTHS; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "bpftrace $pid ignored SIGINT; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Accepts on the storm's port the peer printed at exit.
peer_accepts() {
  awk -v k="@accepts[$PORT]:" '$1 == k { v = $2 } END { print v + 0 }' "$PEER_LOG"
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

# Runs arm A (nothing), B (exporter) or C (bpftrace peer); appends
# "cps stall% seconds accepts-seen" to $WORK/$1.
run_arm() {
  local arm=$1 counted=-
  if [[ $arm == B ]]; then start_exporter; fi
  if [[ $arm == C ]]; then start_peer; fi
  run_storm
  if [[ $arm == B ]]; then
    counted=$(metric socket_tcp_accepts_total "{port=\"$PORT\"}")
    stop_exporter
  fi
  if [[ $arm == C ]]; then
    stop_peer
    counted=$(peer_accepts)
  fi
  echo "$STORM_CPS $STORM_PSI $STORM_SECS $counted" >>"$WORK/$arm"
}

ROW='%-5s %-5s %8s %7s %8s %7s %8s %7s %6s %6s %6s %9s %9s\n'
ORDERS=(ABC BCA CAB CBA BAC ACB) # each arm in each position and after each other arm

run_rounds() {
  local r order arm a pa b pb c pc nb nc rb rc rbc
  : >"$WORK/A"
  : >"$WORK/B"
  : >"$WORK/C"
  : >"$WORK/ratios"
  run_storm # warm-up, not counted
  # shellcheck disable=SC2059
  printf "$ROW" round order "A cps" "A stl%" "B cps" "B stl%" "C cps" "C stl%" B/A C/A B/C \
    "B accepts" "C accepts" | tee "$WORK/table"
  for ((r = 1; r <= ROUNDS; r++)); do
    order=${ORDERS[(r - 1) % ${#ORDERS[@]}]}
    for arm in ${order:0:1} ${order:1:1} ${order:2:1}; do run_arm "$arm"; done
    read -r a pa _ _ < <(tail -n1 "$WORK/A")
    read -r b pb _ nb < <(tail -n1 "$WORK/B")
    read -r c pc _ nc < <(tail -n1 "$WORK/C")
    read -r rb rc rbc < <(awk -v a="$a" -v b="$b" -v c="$c" \
      'BEGIN { printf "%.3f %.3f %.3f\n", b / a, c / a, b / c }')
    echo "$rb $order $pa $pb $pc $rc $rbc" >>"$WORK/ratios"
    # shellcheck disable=SC2059
    printf "$ROW" "$r" "$order" "$a" "$pa" "$b" "$pb" "$c" "$pc" "$rb" "$rc" "$rbc" "$nb" "$nc" |
      tee -a "$WORK/table"
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

# "median (q1 .. q3)" of the numbers on stdin in printf format $1 (default
# %.0f), linear interpolation.
spread() {
  sort -g | awk -v f="${1:-%.0f}" '{ v[NR] = $1 }
    function q(p,  x, i) { x = 1 + p * (NR - 1); i = int(x); return v[i] + (x - i) * (v[i + 1 < NR ? i + 1 : NR] - v[i]) }
    END { if (NR == 0) print "nan"; else printf f " (" f " .. " f ")\n", q(0.5), q(0.25), q(0.75) }'
}

# Column $2 (1-based) of the ratios file, for rounds an awk condition selects.
ratio_col() {
  awk "$1"' { print $'"$2"' }' "$WORK/ratios"
}

# "" or "too noisy: <why>": the A arm's interquartile range above 10 % of its
# median, or fewer than half the rounds with every stall <= QUIET %.
noise_verdict() {
  local quiet=$1
  cut -d' ' -f1 "$WORK/A" | sort -g | awk -v quiet="$quiet" -v rounds="$ROUNDS" -v lim="$QUIET" '
    { v[NR] = $1 }
    function q(p,  x, i) { x = 1 + p * (NR - 1); i = int(x); return v[i] + (x - i) * (v[i + 1 < NR ? i + 1 : NR] - v[i]) }
    END {
      iqr = (q(0.75) - q(0.25)) / q(0.5)
      if (iqr > 0.10) printf "too noisy: the A arm'"'"'s interquartile range is %.1f %% of its median (limit 10 %%)\n", 100 * iqr
      else if (2 * quiet < rounds) printf "too noisy: only %d of %d rounds quiet (every stall <= %d %%)\n", quiet, rounds, lim
    }'
}

summary() {
  local quiet noisy cond="\$3 <= $QUIET && \$4 <= $QUIET && \$5 <= $QUIET"
  quiet=$(awk "$cond" "$WORK/ratios" | wc -l)
  noisy=$(noise_verdict "$quiet")
  {
    echo "cps A (no exporter), median (interquartile) | $(cut -d' ' -f1 "$WORK/A" | spread)"
    echo "cps B (exporter attached) | $(cut -d' ' -f1 "$WORK/B" | spread)"
    echo "cps C (bpftrace peer attached, host-wide) | $(cut -d' ' -f1 "$WORK/C" | spread)"
    echo "rounds with every stall <= $QUIET % | $quiet of $ROUNDS"
    if [[ -n $noisy ]]; then
      echo "verdict | $noisy; no ratios presented as results"
    else
      echo "verdict | quiet enough: ratios below are results"
      echo "per-round B/A (target >= 0.97) | $(ratio_col 1 1 | spread %.4f)"
      echo "per-round C/A | $(ratio_col 1 6 | spread %.4f)"
      echo "per-round B/C (exporter / bpftrace) | $(ratio_col 1 7 | spread %.4f)"
      echo "per-round B/A, $quiet quiet rounds | $(ratio_col "$cond" 1 | spread %.4f)"
      echo "B/A implied by BPF run time, 1 / (1 + t_bpf * cps_A) (low: stats clock included) | $(awk -v t="$(cat "$WORK/bpf_us")" \
        -v a="$(cut -d' ' -f1 "$WORK/A" | median)" 'BEGIN { printf "%.3f", 1 / (1 + t * 1e-6 * a) }')"
    fi
  } >"$WORK/summary"
  echo
  awk -F' [|] ' '{ printf "%-52s %s\n", $1 ":", $2 }' "$WORK/summary"
  # One line for bench/run_all.sh's table: figure | goal | measured | floor | peer | verdict.
  local head="summary | connect storm, exporter and bpftrace | B/A >= 0.97, exporter cheaper than bpftrace"
  if [[ -n $noisy ]]; then
    echo "$head | - | - | - | $noisy"
  else
    local ba bc
    ba=$(ratio_col 1 1 | median)
    bc=$(ratio_col 1 7 | median)
    echo "$head | B/A $ba | - (overhead_bench has the floor) | C/A $(ratio_col 1 6 | median), B/C $bc | $(awk -v ba="$ba" -v bc="$bc" 'BEGIN { print (ba >= 0.97 && bc >= 1) ? "met" : "NOT met" }')"
  fi
}

machine() {
  echo "machine: kernel $(uname -r), $(nproc) CPUs online, CPU pressure \"$(head -n1 /proc/pressure/cpu 2>/dev/null || echo n/a)\", cpu \"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)\""
}

exporter_version() {
  echo "$("$EXPORTER" --version 2>&1 | head -n1), binary sha256 $(sha256sum "$EXPORTER" | cut -c1-12)"
}

write_markdown() {
  {
    echo "Exporter: \`$(exporter_version)\`."
    echo "Machine: \`$(machine)\`, $ROUNDS rounds of $CONNECTIONS connections, \`--threads=$THREADS --server=$SERVER\`."
    echo
    echo "A = no exporter, B = exporter, C = bpftrace peer (host-wide)."
    echo
    echo "| round | order | A cps | A stall % | B cps | B stall % | C cps | C stall % | B/A | C/A | B/C | B accepts seen | C accepts seen |"
    echo "| ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
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
  machine
  echo "cpu time source: none; disturbance from /proc/pressure/cpu stall per storm"
  echo "rounds=$ROUNDS connections=$CONNECTIONS threads=$THREADS server=$SERVER netns=$NS peer=$("$BPFTRACE" --version 2>&1 | head -n1)"
  setup_netns
  run_rounds
  echo
  run_stats_phase
  summary
  if [[ -n $MARKDOWN ]]; then write_markdown; fi
  machine
}

main
