'use strict';
// socket_exporter / Overview: traffic per service port and the exporter's own health.
const g = require('./grafana');
const workloads = require('./workloads');
const tcpQuality = require('./tcp_quality');
const udp = require('./udp');

const { S, W, R } = g;
const SP = `${S}, port=~"$port"`;
// The per-port TCP families, also counted per workload.
const SPW = `${SP}, ${W}`;

const connects = `sum by (port) (rate(socket_tcp_connects_total{${SPW}}${R}))`;
const accepts = `sum by (port) (rate(socket_tcp_accepts_total{${SPW}}${R}))`;
// The shared rows' view of the ports (view.js); UDP has no workload labels.
const PER_PORT = { by: ['port'], scope: 'the selected ports' };

const panels = [
  g.row('Summary'),
  g.stat({
    title: 'Outbound connects',
    description: 'Outbound connection attempts (SYN sent) per second, all selected ports.',
    unit: 'ops',
    targets: [g.target(`sum(rate(socket_tcp_connects_total{${SPW}}${R}))`, 'connects')],
  }),
  g.stat({
    title: 'Accepts',
    description: 'Inbound connections that completed the handshake per second, all selected ports.',
    unit: 'ops',
    targets: [g.target(`sum(rate(socket_tcp_accepts_total{${SPW}}${R}))`, 'accepts')],
  }),
  g.stat({
    title: 'Connect failure ratio',
    description: 'Share of outbound connection attempts that never reached ESTABLISHED.',
    unit: 'percentunit',
    thresholds: g.thresholds([0.05, 'orange'], [0.2, 'red']),
    targets: [g.target(
      `(sum(rate(socket_tcp_connect_failures_total{${SPW}}${R})) or sum(rate(socket_tcp_connects_total{${SPW}}${R})) * 0)` +
      ` / sum(rate(socket_tcp_connects_total{${SPW}}${R}))`, 'failure ratio')],
  }),
  g.stat({
    title: 'Established connections',
    description: 'TCP connections in ESTABLISHED state now, both directions (sock_diag).',
    unit: 'short',
    targets: [g.target(`sum(socket_tcp_established{${SP}}) or vector(0)`, 'established')],
  }),
  g.stat({
    title: 'Listening sockets',
    description: 'Listening TCP sockets and bound, unconnected UDP sockets now.',
    unit: 'short',
    targets: [g.target(`count by (protocol) (socket_listener_info{${SP}})`, '{{protocol}}')],
  }),
  g.stat({
    title: 'Ports under SYN flood',
    description: 'Listening ports the SYN flood detector flags now (see the Attacks and policy dashboard).',
    unit: 'short',
    graph: false,
    colorMode: 'background',
    thresholds: g.thresholds([1, 'red']),
    targets: [g.target(`sum(socket_syn_flood_active{${SP}}) or vector(0)`, 'flooded ports')],
  }),

  g.row('Top ports'),
  g.bargauge({
    title: 'Top ports by connection rate',
    description: 'Outbound connects plus accepts per second, the ten busiest ports. Click a bar for its port detail.',
    unit: 'ops',
    links: [g.PORT_DETAIL_LINK],
    // Ports with both, then ports with only one of them.
    targets: [g.instant(`topk(10, ${connects} + ${accepts} or ${connects} or ${accepts})`, '{{port}}')],
  }),
  g.bargauge({
    title: 'Top ports by payload bytes',
    description: 'Payload bytes sent plus received per second (added when connections close), the ten busiest ports.',
    unit: 'Bps',
    links: [g.PORT_DETAIL_LINK],
    targets: [g.instant(
      `topk(10, sum by (port) (rate(socket_tcp_sent_bytes_total{${SPW}}${R})) + sum by (port) (rate(socket_tcp_received_bytes_total{${SPW}}${R})))`,
      '{{port}}')],
  }),

  g.row('Connections'),
  g.timeseries({
    title: 'Outbound connects by port',
    description: 'socket_tcp_connects_total: outbound connection attempts (SYN sent); port is the remote service port.',
    unit: 'ops',
    targets: [g.target(connects, '{{port}}')],
  }),
  g.timeseries({
    title: 'Accepts by port',
    description: 'socket_tcp_accepts_total: inbound connections that completed the handshake on a listening port.',
    unit: 'ops',
    targets: [g.target(accepts, '{{port}}')],
  }),
  g.timeseries({
    title: 'Connect failures by port and reason',
    description: 'socket_tcp_connect_failures_total: attempts that never reached ESTABLISHED. refused: nothing listening; timeout: no answer; unreachable: routing; other: given up by the application.',
    unit: 'ops',
    stack: true,
    targets: [g.target(
      `sum by (port, reason) (rate(socket_tcp_connect_failures_total{${SPW}}${R}))`,
      '{{port}} {{reason}}')],
  }),
  g.timeseries({
    title: 'Connect failure ratio by port',
    description: 'Failed outbound attempts over all attempts to the port. SocketConnectFailureRatioHigh fires above 20% with more than 1 connect/s.',
    unit: 'percentunit',
    max: 1,
    thresholds: g.thresholds([0.2, 'red']),
    targets: [g.target(
      `(sum by (port) (rate(socket_tcp_connect_failures_total{${SPW}}${R})) or ${connects} * 0) / ${connects}`,
      '{{port}}')],
  }),
  g.timeseries({
    title: 'Established connections by port and direction',
    description: 'socket_tcp_established (sock_diag): connections open now. inbound if the local port has a listener.',
    unit: 'short',
    targets: [g.target(`sum by (port, direction) (socket_tcp_established{${SP}})`, '{{port}} {{direction}}')],
  }),
  g.timeseries({
    title: 'Accept queue fill by port',
    description: 'socket_tcp_accept_queue_length / socket_tcp_accept_queue_limit: connections waiting for accept() against the listen backlog. SocketAcceptQueueNearLimit fires above 80%.',
    unit: 'percentunit',
    max: 1,
    thresholds: g.thresholds([0.8, 'red']),
    targets: [g.target(
      `sum by (port) (socket_tcp_accept_queue_length{${SP}}) / sum by (port) (socket_tcp_accept_queue_limit{${SP}} > 0)`,
      '{{port}}')],
  }),

  g.row('Resets'),
  g.timeseries({
    title: 'Resets sent by port and reason',
    description: 'socket_tcp_resets_sent_total. no_socket: answers to segments for a closed port (scans, misconfigured clients); other: resets on existing sockets (abort, SO_LINGER 0, data after close).',
    unit: 'ops',
    targets: [g.target(
      `sum by (port, reason) (rate(socket_tcp_resets_sent_total{${SPW}}${R}))`, '{{port}} {{reason}}')],
  }),
  g.timeseries({
    title: 'Resets received by port and direction',
    description: 'socket_tcp_resets_received_total. A refused connect counts one, outbound.',
    unit: 'ops',
    targets: [g.target(
      `sum by (port, direction) (rate(socket_tcp_resets_received_total{${SPW}}${R}))`,
      '{{port}} {{direction}}')],
  }),

  g.row('Latency and lifetimes'),
  g.heatmap({
    title: 'Connect latency',
    description: 'socket_tcp_connect_duration_seconds: time from SYN sent to ESTABLISHED of successful connects, all selected ports.',
    targets: [g.target(
      `sum by (le) (rate(socket_tcp_connect_duration_seconds_bucket{${SPW}}${R}))`, '{{le}}')],
  }),
  g.timeseries({
    title: 'Connect latency p50 and p99 by port',
    description: 'Quantiles of socket_tcp_connect_duration_seconds (bucket bounds are powers of two nanoseconds).',
    unit: 's',
    targets: [
      g.target(`histogram_quantile(0.5, sum by (port, le) (rate(socket_tcp_connect_duration_seconds_bucket{${SPW}}${R})))`, '{{port}} p50'),
      g.target(`histogram_quantile(0.99, sum by (port, le) (rate(socket_tcp_connect_duration_seconds_bucket{${SPW}}${R})))`, '{{port}} p99'),
    ],
  }),
  g.timeseries({
    title: 'Connection lifetime p50 and p99 by port and direction',
    description: 'Quantiles of socket_tcp_connection_duration_seconds: ESTABLISHED to closed, observed when connections close.',
    unit: 's',
    targets: [
      g.target(`histogram_quantile(0.5, sum by (port, direction, le) (rate(socket_tcp_connection_duration_seconds_bucket{${SPW}}${R})))`, '{{port}} {{direction}} p50'),
      g.target(`histogram_quantile(0.99, sum by (port, direction, le) (rate(socket_tcp_connection_duration_seconds_bucket{${SPW}}${R})))`, '{{port}} {{direction}} p99'),
    ],
  }),
  g.timeseries({
    title: 'Connections closed by port and direction',
    description: 'Established connections that closed per second (socket_tcp_connection_duration_seconds_count).',
    unit: 'ops',
    targets: [g.target(
      `sum by (port, direction) (rate(socket_tcp_connection_duration_seconds_count{${SPW}}${R}))`,
      '{{port}} {{direction}}')],
  }),

  g.row('TCP connection quality'),
  ...tcpQuality.retransmissions({ ...PER_PORT, sel: SPW }, 8),
  tcpQuality.rttQuantiles({ ...PER_PORT, sel: SPW }, [], 8),

  g.row('Bytes'),
  g.timeseries({
    title: 'Payload bytes by port (received up, sent down)',
    description: 'socket_tcp_received_bytes_total and socket_tcp_sent_bytes_total: payload bytes (retransmissions excluded), added when a connection closes, so long-lived connections show up at their end.',
    unit: 'Bps',
    w: 24,
    min: null,
    overrides: g.negativeY('B'),
    targets: [
      g.target(`sum by (port) (rate(socket_tcp_received_bytes_total{${SPW}}${R}))`, '{{port}} received'),
      g.target(`sum by (port) (rate(socket_tcp_sent_bytes_total{${SPW}}${R}))`, '{{port}} sent'),
    ],
  }),

  ...udp.udpRow({ ...PER_PORT, sel: SP }),

  ...workloads.workloadRow(SPW, 'the selected ports'),

  g.row('Exporter health'),
  g.stat({
    title: 'BPF probes attached',
    description: 'socket_exporter_probe_attached: 1 if the probe\'s BPF program is attached (lowest over the selected instances). A probe that is not attached leaves its metrics missing or zero.',
    unit: 'short',
    w: 12,
    graph: false,
    colorMode: 'background',
    textMode: 'value_and_name',
    mappings: g.valueMap({ 0: ['not attached', 'red'], 1: ['attached', 'green'] }),
    targets: [g.target(`min by (probe) (socket_exporter_probe_attached{${S}})`, '{{probe}}')],
  }),
  g.stat({
    title: 'Config last reload',
    description: 'socket_exporter_config_last_reload_successful: whether the last load of --config.file (start-up or SIGHUP) succeeded.',
    unit: 'short',
    graph: false,
    colorMode: 'background',
    textMode: 'value_and_name',
    mappings: g.valueMap({ 0: ['failed', 'red'], 1: ['ok', 'green'] }),
    targets: [g.target(`min by (instance) (socket_exporter_config_last_reload_successful{${S}})`, '{{instance}}')],
  }),
  g.table({
    title: 'Build',
    description: 'socket_exporter_build_info: version and revision of each selected exporter.',
    unit: 'short',
    w: 8,
    h: 4,
    exclude: ['Value'],
    rename: { instance: 'Instance', version: 'Version', revision: 'Revision' },
    targets: [g.tableTarget(`max by (instance, version, revision) (socket_exporter_build_info{${S}})`)],
  }),
  g.timeseries({
    title: 'BPF missed events by probe',
    description: 'socket_exporter_bpf_missed_events_total: program runs the kernel skipped because the program was already running on that CPU. Should stay at 0.',
    unit: 'ops',
    w: 8,
    targets: [g.target(`sum by (probe) (rate(socket_exporter_bpf_missed_events_total{${S}}${R}))`, '{{probe}}')],
  }),
  g.timeseries({
    title: 'Events lost',
    description: 'socket_exporter_events_lost_total: rare events (closed-port segments, policy findings) the kernel ring buffer could not deliver. Finding counts stay exact; scan detection and log lines can miss them.',
    unit: 'ops',
    w: 8,
    targets: [g.target(`sum by (instance) (rate(socket_exporter_events_lost_total{${S}}${R}))`, '{{instance}}')],
  }),
  g.timeseries({
    title: 'Scrape duration by collector',
    description: 'socket_exporter_scrape_collector_duration_seconds: time each collector took in the latest scrape (highest over the selected instances).',
    unit: 's',
    w: 8,
    targets: [g.target(`max by (collector) (socket_exporter_scrape_collector_duration_seconds{${S}})`, '{{collector}}')],
  }),
  ...workloads.seriesPanels(),
  g.stat({
    title: 'Collectors succeeding',
    description: 'socket_exporter_scrape_collector_success: 1 if the collector succeeded in the latest scrape (lowest over the selected instances).',
    unit: 'short',
    w: 24,
    h: 3,
    graph: false,
    colorMode: 'background',
    textMode: 'value_and_name',
    mappings: g.valueMap({ 0: ['failed', 'red'], 1: ['ok', 'green'] }),
    targets: [g.target(`min by (collector) (socket_exporter_scrape_collector_success{${S}})`, '{{collector}}')],
  }),
];

module.exports = g.dashboard({
  uid: 'socket-exporter-overview',
  title: 'socket_exporter / Overview',
  description: 'TCP connects, accepts, failures, resets, latency, lifetimes, retransmissions, round-trip times and bytes, and UDP datagrams, drops and queues per service port, and the exporter\'s own health.',
  portMulti: true,
  panels,
});
