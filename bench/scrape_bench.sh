#!/usr/bin/env bash
# Userspace cost of socket_exporter, with Debian's prometheus-node-exporter as the peer in
# the same run (docs/benchmarks-scrape.md):
#   1. idle CPU (no scrapes) with default flags and with --netns=all, then again with 20,000
#      extra established loopback connections (in a namespace of its own) and 2,000 extra
#      idle processes; node_exporter runs beside them and is measured over the same windows;
#   2. scrape cost at ~50k series: 500 listening ports and 1000 open connections in namespace
#      se-scrape-<pid>; CPU per series, sequential and 20-way concurrent latency, response
#      size, scrape N against scrape 100, RSS, SIGTERM-to-exit time; node_exporter's CPU per
#      series and latency over the same number of scrapes.
# Prints the machine line and one "summary | figure | goal | measured | floor | peer |
# verdict" line per figure (the format of bench/run_all.sh). Needs root.
set -euo pipefail
shopt -s inherit_errexit

usage() {
  cat <<EOF
usage: $0 [options]   (every --opt value may also be written --opt=value)
  --exporter PATH       socket_exporter binary (default: build/socket_exporter)
  --node-exporter PATH  peer binary (default: prometheus-node-exporter, installed with
                        apt-get if missing; the package's service is not left running)
  --scrapes N           sequential scrapes of each exporter (default: 10000, at least 250).
                        10000 takes several minutes, up to about 45 on a busy 2-CPU machine:
                        each scrape of ~50k series costs the exporter 20-150 ms of CPU and is
                        waited for one after the other (scrape N is compared with scrape 100),
                        and node_exporter is then scraped as many times (~10 ms each)
  --idle-seconds S      length of each idle window (default: 30)
  --quick               about 2 minutes, for development: --scrapes=300 --idle-seconds=10
                        and fewer concurrent scrapes (figures are indicative only)
EOF
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXPORTER=$ROOT/build/socket_exporter
NODE_EXPORTER=
SCRAPES=10000
IDLE_SECONDS=30
CONCURRENCY=20
PER_SCRAPER=25      # concurrent scrapes per scraper
GZIP_SCRAPES=250    # sequential scrapes asking gzip: the single-scrape latency of that encoding
EXTRA_CONNS=20000
EXTRA_PROCS=2000
PORTS=500           # listening ports of the scrape phase
PORT_BASE=20000
HELD_CONNS=1000
BUSY=10             # % CPU pressure (or % spread) above which a figure gets no verdict
READY_TENTHS=300
while (($#)); do
  if [[ $1 == --*=* ]]; then set -- "${1%%=*}" "${1#*=}" "${@:2}"; fi
  case $1 in
    --exporter) EXPORTER=$2; shift 2 ;;
    --node-exporter) NODE_EXPORTER=$2; shift 2 ;;
    --scrapes) SCRAPES=$2; shift 2 ;;
    --idle-seconds) IDLE_SECONDS=$2; shift 2 ;;
    --quick) SCRAPES=300; IDLE_SECONDS=10; PER_SCRAPER=5; GZIP_SCRAPES=100; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ! [[ $SCRAPES =~ ^[0-9]+$ ]] || ((SCRAPES < 250)); then
  echo "--scrapes must be a number >= 250 (scrape 100 and scrape N need their own windows)" >&2
  exit 2
fi
if ! [[ $IDLE_SECONDS =~ ^[0-9]+$ ]] || ((IDLE_SECONDS < 5)); then
  echo "--idle-seconds must be a number >= 5" >&2
  exit 2
fi
[[ $(id -u) == 0 ]] || { echo "needs root (network namespaces, BPF)" >&2; exit 2; }
[[ -x $EXPORTER ]] || { echo "not executable: $EXPORTER (build first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }

HELPER=$ROOT/bench/scrape_bench.py
NS_IDLE=se-idle-$$
NS_SCRAPE=se-scrape-$$
WORK=$(mktemp -d /tmp/se-scrape-XXXXXX)
cp "$EXPORTER" "$WORK/socket_exporter" # a rebuild during the run must not change the binary
EXPORTER=$WORK/socket_exporter
declare -A PIDS=()     # name -> PID of every long-lived process this script started
SLEEP_PIDS=()
NAMESPACES=()

# Runs a command as a tracked child and waits for it: bash runs a trap only once its
# foreground child exits, so a foreground scrape run would hold off Ctrl-C/SIGTERM handling.
run_child() { # name command...
  local name=$1 rc=0
  shift
  "$@" &
  PIDS[$name]=$!
  wait "${PIDS[$name]}" || rc=$?
  unset "PIDS[$name]"
  return "$rc"
}

stop_pid() { # name: SIGTERM, bounded wait, SIGKILL
  local name=$1 pid=${PIDS[$1]:-} i
  [[ -n $pid ]] || return 0
  unset "PIDS[$name]"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local name ns
  trap - INT TERM
  for name in "${!PIDS[@]}"; do stop_pid "$name"; done
  if ((${#SLEEP_PIDS[@]})); then kill "${SLEEP_PIDS[@]}" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine() {
  echo "machine: kernel $(uname -r), $(nproc) CPUs online, CPU pressure \"$(head -n1 /proc/pressure/cpu 2>/dev/null || echo n/a)\""
}

# Installs the Debian peer if needed; a service the install may have started is stopped.
find_node_exporter() {
  [[ -n $NODE_EXPORTER ]] && return 0
  NODE_EXPORTER=$(command -v prometheus-node-exporter || true)
  [[ -n $NODE_EXPORTER ]] && return 0
  local before after pid
  before=$(pgrep -x prometheus-node || true)
  echo "prometheus-node-exporter not found; installing it with apt-get" >&2
  apt-get install -y prometheus-node-exporter >&2
  if [[ -d /run/systemd/system ]]; then systemctl stop prometheus-node-exporter.service >&2 || true; fi
  after=$(pgrep -x prometheus-node || true)
  for pid in $after; do grep -qx "$pid" <<<"$before" || kill -TERM "$pid" 2>/dev/null || true; done
  NODE_EXPORTER=$(command -v prometheus-node-exporter)
}

free_port() { python3 "$HELPER" freeport; }

new_netns() {
  ip netns add "$1"
  NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

wait_ready() { # name url
  local i
  for ((i = 0; i < READY_TENTHS; i++)); do
    curl -sf -o /dev/null "$2" && return 0
    kill -0 "${PIDS[$1]}" 2>/dev/null || { echo "$1 exited; log:" >&2; cat "$WORK/$1.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$1 not ready after $((READY_TENTHS / 10)) s" >&2
  return 1
}

start_exporter() { # name port flags...
  local name=$1 port=$2
  shift 2
  "$EXPORTER" --web.listen-address="127.0.0.1:$port" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  echo "$port" >"$WORK/$name.port"
  wait_ready "$name" "http://127.0.0.1:$port/-/ready"
}

start_node_exporter() { # name port
  "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$2" >"$WORK/$1.log" 2>&1 &
  PIDS[$1]=$!
  echo "$2" >"$WORK/$1.port"
  wait_ready "$1" "http://127.0.0.1:$2/metrics"
}

start_floor() { # name port file
  python3 "$HELPER" floor --port "$2" --body "$3" --gzip >"$WORK/$1.log" 2>&1 &
  PIDS[$1]=$!
  echo "$2" >"$WORK/$1.port"
  wait_ready "$1" "http://127.0.0.1:$2/"
}

start_hold() { # name netns helper-args...
  local name=$1 ns=$2 i
  shift 2
  : >"$WORK/$name.log" # exists before the first poll below
  ip netns exec "$ns" python3 "$HELPER" hold "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  for ((i = 0; i < 1200; i++)); do
    grep -q '^ready' "$WORK/$name.log" && return 0
    kill -0 "${PIDS[$name]}" 2>/dev/null || { cat "$WORK/$name.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$name: connections not set up in 120 s" >&2
  return 1
}

start_sleepers() {
  local i
  for ((i = 0; i < EXTRA_PROCS; i++)); do
    sleep 100000 &
    SLEEP_PIDS+=($!)
  done
}

stop_sleepers() {
  kill "${SLEEP_PIDS[@]}" 2>/dev/null || true
  local pid
  for pid in "${SLEEP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SLEEP_PIDS=()
}

# CPU seconds of a process and its live descendants (the exporter forks a socket-owner helper).
cpu_seconds() { python3 "$HELPER" cpu --pid "$1"; }
stall_us() { awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu; }
now_us() { echo $(($(date +%s%N) / 1000)); }
status_mb() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
series_of() { curl -sf "$1" | grep -vc '^#'; }
calc() { awk "BEGIN { $1 }"; }

# One idle window; writes "<name> <% of one CPU>" for each name and "psi <stall %>".
idle_window() { # label names...
  local label=$1 name t0 s0 t1 s1
  shift
  declare -A c0=()
  run_child pause sleep 3 # start-up work and the extras' set-up are not idle time
  t0=$(now_us) s0=$(stall_us)
  for name in "$@"; do c0[$name]=$(cpu_seconds "${PIDS[$name]}"); done
  run_child pause sleep "$IDLE_SECONDS"
  t1=$(now_us) s1=$(stall_us)
  for name in "$@"; do
    calc "printf \"%s %.3f\n\", \"$name\", ($(cpu_seconds "${PIDS[$name]}") - ${c0[$name]}) / (($t1 - $t0) / 1e6) * 100"
  done >"$WORK/idle.$label"
  calc "printf \"psi %.1f\n\", ($s1 - $s0) / ($t1 - $t0) * 100" >>"$WORK/idle.$label"
  echo "idle $label ($IDLE_SECONDS s): $(tr '\n' ' ' <"$WORK/idle.$label")"
}

phase_idle() {
  new_netns "$NS_IDLE"
  start_node_exporter node "$(free_port)"
  start_exporter default "$(free_port)"
  start_exporter all "$(free_port)" --netns=all
  idle_window plain node default all
  start_hold idle-conns "$NS_IDLE" --ports 10 --base "$PORT_BASE" --conns "$EXTRA_CONNS"
  start_sleepers
  idle_window extras node default all
  stop_pid idle-conns
  stop_sleepers
  stop_pid default
  stop_pid all
}

# Sequential scrapes of one process; helper output lands in $WORK/<file>, PSI share appended.
scrape_run() { # name file count concurrency series [--gzip]
  local t0 s0 t1
  t0=$(now_us) s0=$(stall_us)
  run_child scraper python3 "$HELPER" scrape --address "127.0.0.1:$(cat "$WORK/$1.port")" \
    --pid "${PIDS[$1]}" --count "$3" --concurrency "$4" --series "$5" "${@:6}" >"$WORK/$2"
  t1=$(now_us)
  calc "printf \"psi=%.1f\n\", ($(stall_us) - $s0) / ($t1 - $t0) * 100" >>"$WORK/$2"
  echo "$2: $(tr '\n' ' ' <"$WORK/$2")"
}

# Share (%) of a 3 s pause, with no scrapes, in which some task waited for a CPU: the
# machine's own load. Scrape phases load both CPUs themselves, so their pressure is taken
# in pauses before and after them rather than during them.
background_psi() { # file
  local t0 s0
  t0=$(now_us) s0=$(stall_us)
  run_child pause sleep 3
  calc "printf \"%.1f\", ($(stall_us) - $s0) / ($(now_us) - $t0) * 100" >"$WORK/$1"
  echo "CPU pressure, 3 s pause ($1): $(cat "$WORK/$1") %"
}

val() { awk -F= -v k="$2" '$1 == k { print $2 }' "$WORK/$1"; }

# SIGTERM to exit of one of our children, in seconds.
shutdown_time() {
  local pid=${PIDS[$1]} t0
  unset "PIDS[$1]"
  t0=$(date +%s%N)
  kill -TERM "$pid"
  wait "$pid" || true
  calc "printf \"%.3f\", ($(date +%s%N) - $t0) / 1e9"
}

# Response size uncompressed and as gzip, or "no gzip" if the answer is not compressed.
sizes() { # url
  local plain gz enc
  plain=$(curl -sf -o /dev/null -w '%{size_download}' "$1")
  enc=$(curl -sf --compressed -D - -o /dev/null "$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
  gz=$(curl -sf -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$1")
  if [[ $enc == gzip ]]; then echo "$plain bytes, gzip $gz bytes"; else echo "$plain bytes, no gzip"; fi
}

phase_scrape() {
  local url series nseries
  new_netns "$NS_SCRAPE"
  start_exporter scrape "$(free_port)" --netns="/run/netns/$NS_SCRAPE" --ports.max=511 \
    --ports.track="$PORT_BASE-$((PORT_BASE + PORTS - 1))"
  start_hold scrape-conns "$NS_SCRAPE" --ports "$PORTS" --base "$PORT_BASE" --conns "$HELD_CONNS" --cycle
  url=http://127.0.0.1:$(cat "$WORK/scrape.port")/metrics
  series=$(series_of "$url")
  sizes "$url" >"$WORK/exporter.sizes"
  echo "exporter: $series series per scrape, $(cat "$WORK/exporter.sizes")"
  echo "$series" >"$WORK/exporter.series"
  background_psi psi.before
  scrape_run scrape seq "$SCRAPES" 1 "$series"
  scrape_run scrape seq.gzip "$GZIP_SCRAPES" 1 "$series" --gzip
  background_psi psi.between
  # Concurrent scrapers ask for gzip, as Prometheus does, and are compared with sequential
  # scrapes asking gzip: 20 uncompressed 4.4 MB answers per round would measure the loopback
  # copies on two CPUs more than the exporter.
  scrape_run scrape conc $((CONCURRENCY * PER_SCRAPER)) "$CONCURRENCY" "$series" --gzip
  # The floor of that run: the same clients against a server that answers at once with the
  # exporter's own gzip bytes, while the exporter sits idle.
  curl -sf -H 'Accept-Encoding: gzip' -o "$WORK/body.gz" "$url"
  start_floor floor "$(free_port)" "$WORK/body.gz"
  scrape_run floor floor.conc $((CONCURRENCY * PER_SCRAPER)) "$CONCURRENCY" "$series" --gzip
  stop_pid floor
  background_psi psi.after
  echo "exporter after the run: VmRSS $(status_mb "${PIDS[scrape]}" VmRSS) MB, VmHWM $(status_mb "${PIDS[scrape]}" VmHWM) MB" |
    tee "$WORK/exporter.rss"
  shutdown_time scrape >"$WORK/exporter.shutdown"
  echo "exporter SIGTERM to exit: $(cat "$WORK/exporter.shutdown") s"
  stop_pid scrape-conns

  url=http://127.0.0.1:$(cat "$WORK/node.port")/metrics
  nseries=$(series_of "$url")
  sizes "$url" >"$WORK/node.sizes"
  echo "node_exporter: $nseries series per scrape, $(cat "$WORK/node.sizes")"
  scrape_run node node.seq "$SCRAPES" 1 "$nseries"
  scrape_run node node.seq.gzip "$GZIP_SCRAPES" 1 "$nseries" --gzip
  scrape_run node node.conc $((CONCURRENCY * PER_SCRAPER)) "$CONCURRENCY" "$nseries" --gzip
  echo "node_exporter after the run: VmRSS $(status_mb "${PIDS[node]}" VmRSS) MB, VmHWM $(status_mb "${PIDS[node]}" VmHWM) MB" |
    tee "$WORK/node.rss"
  shutdown_time node >"$WORK/node.shutdown"
}

source "$ROOT/bench/scrape_bench_report.sh"

main() {
  find_node_exporter
  echo "exporter: $("$EXPORTER" --version 2>&1 | head -n1), binary sha256 $(sha256sum "$EXPORTER" | cut -c1-12)"
  echo "peer: $("$NODE_EXPORTER" --version 2>&1 | head -n1)"
  machine
  echo "scrapes=$SCRAPES idle-seconds=$IDLE_SECONDS concurrency=$CONCURRENCY x $PER_SCRAPER"
  phase_idle
  phase_scrape
  report
  machine
}

main
