'use strict';
// Panels per workload, for the overview (the selected ports) and the port detail (one port).
// With --attribution=cgroup the per-port TCP series carry `workload` (namespace/pod/container of
// a Kubernetes container, a container name, a systemd unit, "host", or "other" for connections
// folded because no slot was free) and, where known, namespace, pod and container. Without it
// each panel shows one series: the total, named by UNATTRIBUTED.
const g = require('./grafana');

const { R } = g;
const BY = 'namespace, pod, container, workload';
const UNATTRIBUTED = 'all (no attribution)';

// Names the series that has no workload label (an exporter without attribution).
function named(expr) {
  return `label_replace(${expr}, "workload", "${UNATTRIBUTED}", "workload", "")`;
}

function rate(metric, sel) {
  return `sum by (${BY}) (rate(${metric}{${sel}}${R}))`;
}

function quantile(q, metric, sel) {
  return `histogram_quantile(${q}, sum by (${BY}, le) (rate(${metric}_bucket{${sel}}${R})))`;
}

// The ten largest of a by-workload expression, as series (range) or bars (instant).
const top = (expr) => named(`topk(10, ${expr})`);
// a + b where a workload has both, else whichever it has.
const either = (a, b) => `${a} + ${b} or ${a} or ${b}`;

function topBars(sel, scope) {
  return [
    g.bargauge({
      title: 'Top workloads by connection rate',
      description: `Outbound connects plus accepts per second on ${scope}, the ten busiest workloads ` +
        '(workload: namespace/pod/container for Kubernetes containers; "other": connections folded ' +
        'because no workload slot was free).',
      unit: 'ops',
      targets: [g.instant(top(either(rate('socket_tcp_connects_total', sel),
        rate('socket_tcp_accepts_total', sel))), '{{workload}}')],
    }),
    g.bargauge({
      title: 'Top workloads by payload bytes',
      description: `Payload bytes sent plus received per second on ${scope} (added when connections close), the ten busiest workloads.`,
      unit: 'Bps',
      targets: [g.instant(top(either(rate('socket_tcp_sent_bytes_total', sel),
        rate('socket_tcp_received_bytes_total', sel))), '{{workload}}')],
    }),
  ];
}

function countPanels(sel, scope) {
  return [
    g.timeseries({
      title: 'Accepts by workload',
      description: `socket_tcp_accepts_total on ${scope} by the workload that owns the listener, the ten busiest at each moment.`,
      unit: 'ops',
      targets: [g.target(top(rate('socket_tcp_accepts_total', sel)), '{{workload}}')],
    }),
    g.timeseries({
      title: 'Outbound connects by workload',
      description: `socket_tcp_connects_total to ${scope} by the connecting workload, the ten busiest at each moment.`,
      unit: 'ops',
      targets: [g.target(top(rate('socket_tcp_connects_total', sel)), '{{workload}}')],
    }),
    g.timeseries({
      title: 'Connect failures by workload',
      description: `socket_tcp_connect_failures_total to ${scope}, all reasons, by the connecting workload (the ten with most). SocketConnectFailureRatioHigh fires per workload.`,
      unit: 'ops',
      targets: [g.target(top(rate('socket_tcp_connect_failures_total', sel)), '{{workload}}')],
    }),
    g.timeseries({
      title: 'Resets by workload',
      description: `socket_tcp_resets_sent_total (all reasons) and socket_tcp_resets_received_total on ${scope} by workload, the ten with most each.`,
      unit: 'ops',
      targets: [
        g.target(top(rate('socket_tcp_resets_sent_total', sel)), '{{workload}} sent'),
        g.target(top(rate('socket_tcp_resets_received_total', sel)), '{{workload}} received'),
      ],
    }),
  ];
}

function latencyPanels(sel, scope) {
  return [
    g.timeseries({
      title: 'Connect latency p99 by workload',
      description: `99th percentile of socket_tcp_connect_duration_seconds to ${scope} by the connecting workload, the ten slowest at each moment.`,
      unit: 's',
      targets: [g.target(top(quantile(0.99, 'socket_tcp_connect_duration_seconds', sel)), '{{workload}}')],
    }),
    g.timeseries({
      title: 'Connection lifetime p50 by workload',
      description: `Median of socket_tcp_connection_duration_seconds on ${scope} (ESTABLISHED to closed, both directions) by workload, the ten longest at each moment.`,
      unit: 's',
      targets: [g.target(top(quantile(0.5, 'socket_tcp_connection_duration_seconds', sel)), '{{workload}}')],
    }),
  ];
}

// The "Workloads" row: sel is the full label selector of the per-workload families.
function workloadRow(sel, scope) {
  return [
    g.row('Workloads'),
    ...topBars(sel, scope),
    ...countPanels(sel, scope),
    ...latencyPanels(sel, scope),
  ];
}

// The exporter's series budget under attribution.
function seriesPanels() {
  return [
    g.timeseries({
      title: 'Per-port TCP series',
      description: 'socket_exporter_series: series of the per-port TCP metrics in the latest scrape, workloads included (only with --attribution=cgroup). At most --metrics.max-series plus the per-port workload="other" series.',
      unit: 'short',
      targets: [g.target(`sum by (instance) (socket_exporter_series{${g.S}})`, '{{instance}}')],
    }),
    g.timeseries({
      title: 'Connections folded into workload "other"',
      description: 'socket_exporter_series_folded_total: connections of a workload counted as workload="other" because no workload slot (--workloads.max) or (workload, port) cell (--metrics.max-series) was free. Totals stay exact; above 0, raise the limits to see those workloads.',
      unit: 'ops',
      targets: [g.target(
        `sum by (instance) (rate(socket_exporter_series_folded_total{${g.S}}${R}))`, '{{instance}}')],
    }),
  ];
}

module.exports = { UNATTRIBUTED, workloadRow, seriesPanels };
