#!/usr/bin/env bash
# Checks deploy/systemd/: `systemd-analyze verify` of the unit prints nothing, the offline
# `systemd-analyze security` exposure stays at or below MAX, the capability lines name exactly
# the documented set, and every flag named in the default file is one the exporter accepts.
# Each check is also run on a broken copy, which must be rejected.
# Usage: check_systemd.sh SYSTEMD_ANALYZE EXPORTER_BINARY UNIT DEFAULT_FILE MAX WORKDIR
set -euo pipefail
analyze=$1 binary=$(realpath "$2") unit=$3 defaults=$4 max=$5 work=$6
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# A copy whose ExecStart names a file that exists here, so that verify checks the rest.
copy() {  # copy NAME [sed expression]: writes $work/NAME/socket_exporter.service
  mkdir -p "$work/$1"
  sed -e "s#^ExecStart=/usr/local/bin/socket_exporter #ExecStart=$binary #" ${2:+-e "$2"} \
    "$unit" >"$work/$1/socket_exporter.service"
  echo "$work/$1/socket_exporter.service"
}

# verify returns 0 on unknown keys and bad values, so any output counts as a failure.
verify_quiet() {
  local out
  out=$("$analyze" verify "$1" 2>&1) && [[ -z "$out" ]] && return 0
  echo "$out" >&2
  return 1
}

# Prints the overall exposure (0.0-10.0) of a unit file.
exposure() {
  "$analyze" security --offline=yes "$1" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }

grep -q '^ExecStart=/usr/local/bin/socket_exporter \$SOCKET_EXPORTER_OPTS$' "$unit" ||
  fail "ExecStart must be /usr/local/bin/socket_exporter \$SOCKET_EXPORTER_OPTS"
unit_copy=$(copy unit)
verify_quiet "$unit_copy" || fail "systemd-analyze verify printed warnings for $unit"
broken=$(copy bad_key 's#^UMask=0077#UMask=0077\nProtectSystem=strictt#')
verify_quiet "$broken" 2>/dev/null && fail "verify did not reject a bad ProtectSystem value"

score=$(exposure "$unit_copy")
echo "systemd-analyze security exposure: ${score:-none} (at most $max)"
at_most "$score" "$max" || fail "exposure ${score:-not found} is above $max"
weak=$(copy weak '/^\(ProtectSystem\|ProtectHome\|PrivateDevices\|ProtectProc\|SystemCallFilter\)=/d')
weak_score=$(exposure "$weak")
at_most "$weak_score" "$max" && fail "a copy without file system hardening scored $weak_score"

# Start-up needs exactly these (docs/security.md#privileges); the last two are optional.
caps="CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"
for key in AmbientCapabilities CapabilityBoundingSet; do
  grep -qx "$key=$caps" "$unit" || fail "$key must be exactly: $caps"
done

# Flags named in the default file (comments included) exist in --help; a made-up one does not.
help=$("$binary" --help 2>&1) || true
flags_known() {  # flags_known FILE: every --name in FILE is in the exporter's --help
  local flag ok=0
  for flag in $(grep -o -- '--[a-z][a-z.-]*' "$1" | sort -u); do
    grep -q -- "$flag\b\|--\[no-\]${flag#--}\b" <<<"$help" || { echo "unknown flag $flag" >&2; ok=1; }
  done
  return $ok
}
grep -q '^SOCKET_EXPORTER_OPTS=' "$defaults" || fail "$defaults does not set SOCKET_EXPORTER_OPTS"
flags_known "$defaults" || fail "$defaults names flags the exporter does not have"
sed 's/--log.level=/--log.levle=/' "$defaults" >"$work/bad.default"
flags_known "$work/bad.default" 2>/dev/null && fail "a misspelt flag in the default file passed"

((failures == 0)) || exit 1
echo "deploy/systemd: all checks passed"
