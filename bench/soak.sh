#!/usr/bin/env bash
# Soak: the exporter runs for a long time under mixed traffic while it is scraped every second
# and reloaded (SIGHUP, alternating two configurations) every minute. Its RSS, open file
# descriptors and threads are sampled every 10 s; they must stay flat.
#
# Traffic runs in a private network namespace the exporter is scoped to (--netns=PATH):
# connect/accept/close storms, connects to closed ports (resets, port scans, findings written
# to --events.file), and with --tls every scrape goes over TLS with basic auth.
#
# Needs root. Builds nothing: pass the built binaries (defaults: build/).
set -euo pipefail
shopt -s inherit_errexit

usage() {
  cat <<EOF
usage: $0 [options]
  --exporter PATH     socket_exporter binary (default: build/socket_exporter)
  --storm PATH        connect_storm binary (default: build/bench/connect_storm)
  --minutes N         how long to run (default: 30)
  --listen HOST:PORT  exporter listen address (default: 127.0.0.1:19977)
  --tls               serve over TLS with basic auth (--web.config.file), scrape with curl
  --markdown FILE     also write the summary as a markdown fragment to FILE
EOF
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXPORTER=$ROOT/build/socket_exporter
STORM=$ROOT/build/bench/connect_storm
MINUTES=30
LISTEN=127.0.0.1:19977
TLS=0
MARKDOWN=
while (($#)); do
  case $1 in
    --exporter) EXPORTER=$2; shift 2 ;;
    --storm) STORM=$2; shift 2 ;;
    --minutes) MINUTES=$2; shift 2 ;;
    --listen) LISTEN=$2; shift 2 ;;
    --tls) TLS=1; shift ;;
    --markdown) MARKDOWN=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || { echo "soak: --minutes=$MINUTES: expected a positive integer" >&2; exit 2; }
for bin in "$EXPORTER" "$STORM"; do
  [[ -x $bin ]] || { echo "soak: $bin: not an executable; build first (see README)" >&2; exit 2; }
done
[[ $(id -u) -eq 0 ]] || { echo "soak: needs root (BPF programs, network namespaces)" >&2; exit 2; }

NS=se-soak-$$
WORK=$(mktemp -d /tmp/se-soak.XXXXXX)
EXPORTER_PID=
CURL=(curl -s --max-time 5)
URL=http://$LISTEN

cleanup() {
  if [[ -n $EXPORTER_PID ]]; then
    kill -TERM "$EXPORTER_PID" 2>/dev/null || true
    wait "$EXPORTER_PID" 2>/dev/null || true
  fi
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two configurations that differ (cadences and a policy rule), so every SIGHUP changes something.
write_configs() {
  printf 'port_scan:\n  tick: 1s\npolicy:\n  denied_sources: ["10.250.0.0/16"]\n' >"$WORK/config-a.yaml"
  printf 'port_scan:\n  tick: 2s\npolicy:\n  denied_sources: ["10.251.0.0/16"]\n' >"$WORK/config-b.yaml"
  cp "$WORK/config-a.yaml" "$WORK/config.yaml"
}

# A CA-less self-signed server certificate and one bcrypt user (libxcrypt via Python's crypt).
write_web_config() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
  local hash
  hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("soak", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))')
  printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  soak: "%s"\n' \
    "$hash" >"$WORK/web.yaml"
  CURL+=(--cacert "$WORK/cert.pem" -u soak:soak)
  URL=https://$LISTEN
}

start_exporter() {
  local args=(--web.listen-address="$LISTEN" --netns="/run/netns/$NS"
              --config.file="$WORK/config.yaml" --events.file="$WORK/events.json")
  ((TLS)) && args+=(--web.config.file="$WORK/web.yaml")
  "$EXPORTER" "${args[@]}" >"$WORK/exporter.log" 2>&1 &
  EXPORTER_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    [[ $("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/-/ready" || true) == 200 ]] && return 0
    kill -0 "$EXPORTER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "soak: exporter not ready; its log:" >&2
  cat "$WORK/exporter.log" >&2
  exit 1
}

# One second of traffic in the namespace: a bounded storm and a few connects to closed ports.
traffic_second() {
  ip netns exec "$NS" "$STORM" --connections=300 --max-seconds=1 >/dev/null 2>&1 || true
  local p
  for p in $((RANDOM % 200 + 30000)) $((RANDOM % 200 + 30200)); do
    ip netns exec "$NS" timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null || true
  done
}

sample() {
  local status=/proc/$EXPORTER_PID/status rss threads fds
  rss=$(awk '/^VmRSS:/ { print $2 }' "$status")
  threads=$(awk '/^Threads:/ { print $2 }' "$status")
  fds=$(find "/proc/$EXPORTER_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
  echo "$1 $rss $fds $threads" >>"$WORK/samples"
}

pressure() {
  [[ -r /proc/pressure/cpu ]] && awk '/^some/ { print $2 }' /proc/pressure/cpu || echo "avg10=n/a"
}

run() {
  local end=$((SECONDS + MINUTES * 60)) start=$SECONDS t scrapes=0 failed=0 reloads=0
  : >"$WORK/samples"
  local tick_ns=$(date +%s%N) now_ns
  while ((SECONDS < end)); do
    t=$((SECONDS - start))
    traffic_second
    scrapes=$((scrapes + 1))
    [[ $("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/metrics" || true) == 200 ]] || failed=$((failed + 1))
    ((t % 5)) || "${CURL[@]}" -o /dev/null "$URL/api/v1/ports" || true
    if ((t > 0 && t % 60 == 0 && t != ${last_reload:--1})); then
      last_reload=$t
      if ((reloads % 2)); then cp "$WORK/config-a.yaml" "$WORK/config.yaml"; else cp "$WORK/config-b.yaml" "$WORK/config.yaml"; fi
      mv "$WORK/events.json" "$WORK/events.json.1" 2>/dev/null || true  # rotation by rename
      kill -HUP "$EXPORTER_PID"
      reloads=$((reloads + 1))
    fi
    ((t % 10)) || [[ $t == "${last_sample:-}" ]] || { last_sample=$t; sample "$t"; }
    kill -0 "$EXPORTER_PID" 2>/dev/null || { echo "soak: the exporter died; its log:" >&2; cat "$WORK/exporter.log" >&2; exit 1; }
    # One round per second: sleep what is left of it.
    tick_ns=$((tick_ns + 1000000000))
    now_ns=$(date +%s%N)
    ((now_ns >= tick_ns)) || sleep "$(awk -v d=$((tick_ns - now_ns)) 'BEGIN { printf "%.3f", d / 1e9 }')"
    ((now_ns < tick_ns + 1000000000)) || tick_ns=$now_ns  # fell behind: do not try to catch up
  done
  sample "$((SECONDS - start))"
  echo "$scrapes $failed $reloads" >"$WORK/counts"
}

# Median of column $1 over the samples whose time is in [$2, $3) (medians of the windows).
median() {
  awk -v c="$1" -v lo="$2" -v hi="$3" '$1 >= lo && $1 < hi { print $c }' "$WORK/samples" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

summarize() {
  local last total window scrapes failed reloads col name
  last=$(tail -n1 "$WORK/samples" | cut -d' ' -f1)
  window=$((last / 6 > 10 ? last / 6 : 10))  # first and last sixth (5 minutes of 30)
  read -r scrapes failed reloads <"$WORK/counts"
  reloaded=$(grep -c 'msg="configuration reloaded"' "$WORK/exporter.log" || true)
  {
    echo "machine: kernel $(uname -r), $(nproc) CPUs, CPU pressure $(pressure)"
    echo "exporter: $("$EXPORTER" --version 2>&1 | head -n1)$( ((TLS)) && echo ', TLS + basic auth')"
    echo "ran ${last} s: $scrapes scrapes ($failed failed), $reloads SIGHUPs ($reloaded reloads logged)"
    local mid=$(((last - window) / 2))
    echo "| measure | first ${window} s | ${mid}-$((mid + window)) s | last ${window} s | min | max |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for col in 2 3 4; do
      case $col in 2) name="RSS (KiB)" ;; 3) name="open fds" ;; 4) name="threads" ;; esac
      echo "| $name | $(median "$col" 0 "$window") | $(median "$col" "$mid" $((mid + window))) |" \
        "$(median "$col" $((last - window)) $((last + 1))) |" \
        "$(awk -v c="$col" 'NR == 1 || $c < m { m = $c } END { print m }' "$WORK/samples") |" \
        "$(awk -v c="$col" '$c > m { m = $c } END { print m }' "$WORK/samples") |"
    done
  } >"$WORK/summary"
  cat "$WORK/summary"
  [[ -z $MARKDOWN ]] || cp "$WORK/summary" "$MARKDOWN"
  ((failed == 0)) || { echo "soak: $failed scrapes failed" >&2; return 1; }
}

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
write_configs
((TLS)) && write_web_config
start_exporter
run
summarize
