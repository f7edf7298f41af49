# shellcheck shell=bash
# Summary lines of bench/scrape_bench.sh, from the files its phases left in $WORK.
# Sourced, not run: it uses WORK, BUSY, SCRAPES, IDLE_SECONDS, CONCURRENCY and val().

# "too noisy: ..." if the CPU pressure $1 (%) or the spread $2 (fraction) is above the limit.
noise() { # psi spread [what-the-pressure-is]
  calc "p = $1; s = $2; b = $BUSY;
    if (p > b) printf \"too noisy: CPU pressure %.1f %% ${3:-during the phase} (limit %d %%)\", p, b;
    else if (s > b / 100) printf \"too noisy: spread %.1f %% of the median (limit %d %%)\", 100 * s, b"
}

# verdict: the noise reason if any, else met / NOT met from an awk condition.
verdict() { # noise-reason condition
  if [[ -n $1 ]]; then echo "$1"; else calc "print ($2) ? \"met\" : \"NOT met\""; fi
}

line() { echo "summary | $1 | $2 | $3 | ${FLOOR:--} | $4 | $5"; }

idle_value() { awk -v n="$2" '$1 == n { print $2 }' "$WORK/idle.$1"; }

report_idle() {
  local name flag label x y psi node
  for label in plain extras; do
    psi=$(idle_value "$label" psi)
    node=$(idle_value "$label" node)
    for name in default all; do
      flag="default flags"
      [[ $name == all ]] && flag="--netns=all"
      x=$(idle_value "$label" "$name")
      if [[ $label == plain ]]; then
        line "idle CPU, $flag, ${IDLE_SECONDS} s" "< 0.1 % of one CPU" "$x %" "node_exporter $node %" \
          "$(verdict "$(noise "$psi" 0 "during the window")" "$x < 0.1")"
      else
        y=$(idle_value plain "$name")
        line "idle CPU, $flag, +20000 connections +2000 processes" \
          "< 0.1 % of one CPU, as without them" "$x % ($y % without)" "node_exporter $node %" \
          "$(verdict "$(noise "$psi" 0 "during the window")" "$x < 0.1")"
      fi
    done
  done
}

# The larger CPU pressure of the pauses around a scrape phase (seq or conc).
pause_psi() {
  if [[ $1 == seq ]]; then set -- psi.before psi.between; else set -- psi.between psi.after; fi
  calc "a = $(cat "$WORK/$1"); b = $(cat "$WORK/$2"); print (a > b ? a : b)"
}

report_cost() {
  local med q1 q3 iqr n nmed psi
  read -r med q1 q3 iqr n <<<"$(val seq chunk_us_per_series)"
  read -r nmed _ <<<"$(val node.seq chunk_us_per_series)"
  psi=$(pause_psi seq)
  line "CPU per series, $(cat "$WORK/exporter.series") series, $SCRAPES scrapes" "<= 1 us" \
    "$med us median of $n blocks of 100 scrapes ($q1 .. $q3); $(val seq us_per_series) us over the run" \
    "node_exporter $nmed us ($(val node.seq series) series; $(val node.seq us_per_series) over the run)" \
    "$(verdict "$(noise "$psi" "$iqr" "in the pauses around the phase")" "$med <= 1")"
  line "sequential scrape latency" "p99 <= 2 x p50" \
    "p50 $(val seq p50_ms) ms, p99 $(val seq p99_ms) ms ($(calc "printf \"%.2f\", $(val seq p99_ms) / $(val seq p50_ms)") x)" \
    "node_exporter p50 $(val node.seq p50_ms) ms, p99 $(val node.seq p99_ms) ms" \
    "$(verdict "$(noise "$psi" 0 "in the pauses around the phase")" "$(val seq p99_ms) <= 2 * $(val seq p50_ms)")"
  FLOOR="server answering at once with the same bytes: p50 $(val floor.conc p50_ms) ms, p99 $(val floor.conc p99_ms) ms, warm-up round max $(val floor.conc warmup_max_ms) ms" \
  line "$CONCURRENCY concurrent scrapers asking gzip, $(val conc scrapes) scrapes after a warm-up round" "p99 <= 3 x sequential gzip p50" \
    "p50 $(val conc p50_ms) ms, p99 $(val conc p99_ms) ms ($(calc "printf \"%.2f\", $(val conc p99_ms) / $(val seq.gzip p50_ms)") x sequential gzip p50 $(val seq.gzip p50_ms) ms; $(calc "printf \"%.2f\", $(val conc p99_ms) / $(val seq p50_ms)") x plain p50), max $(val conc max_ms) ms; warm-up round max $(val conc warmup_max_ms) ms" \
    "node_exporter p50 $(val node.conc p50_ms) ms, p99 $(val node.conc p99_ms) ms ($(calc "printf \"%.2f\", $(val node.conc p99_ms) / $(val node.seq.gzip p50_ms)") x its gzip p50)" \
    "$(verdict "$(noise "$(pause_psi conc)" 0 "in the pauses around the phase")" "$(val conc p99_ms) <= 3 * $(val seq.gzip p50_ms)")"
  line "response size" "- (gzip when asked)" "$(cat "$WORK/exporter.sizes")" \
    "node_exporter $(cat "$WORK/node.sizes")" \
    "$(grep -q 'no gzip' "$WORK/exporter.sizes" && echo "no gzip" || echo measured)"
}

report_growth() {
  local c1 cn r1 rn iqr psi nc1 ncn
  c1=$(val seq scrape100_cpu_ms) cn=$(val seq scrapeN_cpu_ms)
  r1=$(val seq scrape100_rss_kb) rn=$(val seq scrapeN_rss_kb)
  nc1=$(val node.seq scrape100_cpu_ms) ncn=$(val node.seq scrapeN_cpu_ms)
  read -r _ _ _ iqr _ <<<"$(val seq chunk_us_per_series)"
  psi=$(pause_psi seq)
  line "scrape $SCRAPES against scrape 100, CPU (100-scrape windows)" "within 10 %" \
    "$c1 ms, $cn ms per scrape ($(calc "printf \"%+.1f\", ($cn / $c1 - 1) * 100") %); p50 $(val seq scrape100_p50_ms), $(val seq scrapeN_p50_ms) ms" \
    "node_exporter $nc1 ms, $ncn ms ($(calc "printf \"%+.1f\", ($ncn / $nc1 - 1) * 100") %)" \
    "$(verdict "$(noise "$psi" "$iqr" "in the pauses around the phase")" "$cn <= 1.1 * $c1 && $cn >= 0.9 * $c1")"
  line "scrape $SCRAPES against scrape 100, RSS" "within 10 %" \
    "$(calc "printf \"%.1f MB, %.1f MB (%+.1f %%)\", $r1 / 1024, $rn / 1024, ($rn / $r1 - 1) * 100")" \
    "node_exporter $(calc "printf \"%.1f MB, %.1f MB\", $(val node.seq scrape100_rss_kb) / 1024, $(val node.seq scrapeN_rss_kb) / 1024")" \
    "$(verdict "" "$rn <= 1.1 * $r1")"
}

report_memory() {
  local rss hwm
  read -r _ _ _ _ _ rss _ _ hwm _ <"$WORK/exporter.rss"
  line "RSS after the run" "< 30 MB" "VmRSS $rss MB, VmHWM $hwm MB" \
    "node_exporter $(cut -d' ' -f5- "$WORK/node.rss")" "$(verdict "" "$rss < 30")"
  line "SIGTERM to exit" "< 0.5 s" "$(cat "$WORK/exporter.shutdown") s" \
    "node_exporter $(cat "$WORK/node.shutdown") s" "$(verdict "" "$(cat "$WORK/exporter.shutdown") < 0.5")"
}

report() {
  echo
  report_idle
  report_cost
  report_growth
  report_memory
}
