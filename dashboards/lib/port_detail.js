'use strict';
// socket_exporter / Port detail: everything the exporter knows about one service port.
const g = require('./grafana');
const workloads = require('./workloads');
const tcpQuality = require('./tcp_quality');
const udp = require('./udp');

const { S, W, R } = g;
const SP = `${S}, port="$port"`;
// The per-port TCP families, also counted per workload.
const SPW = `${SP}, ${W}`;

const connects = `sum(rate(socket_tcp_connects_total{${SPW}}${R}))`;
// The shared rows' view of the port (view.js); UDP has no workload labels.
const ONE_PORT = { by: [], scope: 'this port' };
const QUALITY = { ...ONE_PORT, sel: SPW };

const panels = [
  g.row('Port $port'),
  g.stat({
    title: 'Outbound connects',
    description: 'Outbound connection attempts to this port per second.',
    unit: 'ops',
    targets: [g.target(connects, 'connects')],
  }),
  g.stat({
    title: 'Accepts',
    description: 'Inbound connections that completed the handshake on this port per second.',
    unit: 'ops',
    targets: [g.target(`sum(rate(socket_tcp_accepts_total{${SPW}}${R}))`, 'accepts')],
  }),
  g.stat({
    title: 'Connect failure ratio',
    description: 'Share of outbound attempts to this port that never reached ESTABLISHED.',
    unit: 'percentunit',
    thresholds: g.thresholds([0.05, 'orange'], [0.2, 'red']),
    targets: [g.target(
      `(sum(rate(socket_tcp_connect_failures_total{${SPW}}${R})) or ${connects} * 0) / ${connects}`,
      'failure ratio')],
  }),
  g.stat({
    title: 'Established connections',
    description: 'Connections on this port in ESTABLISHED state now, both directions.',
    unit: 'short',
    targets: [g.target(`sum(socket_tcp_established{${SP}}) or vector(0)`, 'established')],
  }),
  g.stat({
    title: 'Accept queue fill',
    description: 'Connections waiting for accept() over the listen backlog of the port\'s listeners.',
    unit: 'percentunit',
    thresholds: g.thresholds([0.5, 'orange'], [0.8, 'red']),
    targets: [g.target(
      `sum(socket_tcp_accept_queue_length{${SP}}) / sum(socket_tcp_accept_queue_limit{${SP}} > 0)`, 'fill')],
  }),
  g.stat({
    title: 'SYN flood',
    description: 'Whether the SYN flood detector flags this port now, on any selected instance.',
    unit: 'short',
    graph: false,
    colorMode: 'background',
    mappings: g.valueMap({ 0: ['normal', 'green'], 1: ['flood', 'red'] }),
    targets: [g.target(`max(socket_syn_flood_active{${SP}}) or vector(0)`, 'flood')],
  }),

  g.row('Connections'),
  g.timeseries({
    title: 'Connects and accepts',
    description: 'Outbound connection attempts to the port (socket_tcp_connects_total) and inbound handshakes completed on it (socket_tcp_accepts_total).',
    unit: 'ops',
    targets: [
      g.target(connects, 'outbound connects'),
      g.target(`sum(rate(socket_tcp_accepts_total{${SPW}}${R}))`, 'accepts'),
    ],
  }),
  g.timeseries({
    title: 'Connect failures by reason',
    description: 'socket_tcp_connect_failures_total for the port. refused: nothing listening; timeout: no answer; unreachable: routing; other: given up by the application.',
    unit: 'ops',
    stack: true,
    targets: [g.target(`sum by (reason) (rate(socket_tcp_connect_failures_total{${SPW}}${R}))`, '{{reason}}')],
  }),
  g.timeseries({
    title: 'Established connections',
    description: 'socket_tcp_established for the port, by direction.',
    unit: 'short',
    w: 8,
    targets: [
      g.target(`sum(socket_tcp_established{${SP}, direction="inbound"}) or vector(0)`, 'inbound'),
      g.target(`sum(socket_tcp_established{${SP}, direction="outbound"}) or vector(0)`, 'outbound'),
    ],
  }),
  g.timeseries({
    title: 'Accept queue length vs listen backlog',
    description: 'socket_tcp_accept_queue_length (connections waiting for accept()) and socket_tcp_accept_queue_limit (the listen() backlog) of the port\'s listeners.',
    unit: 'short',
    w: 8,
    targets: [
      g.target(`sum(socket_tcp_accept_queue_length{${SP}})`, 'accept queue'),
      g.target(`sum(socket_tcp_accept_queue_limit{${SP}})`, 'listen backlog'),
    ],
  }),
  g.timeseries({
    title: 'Resets sent and received',
    description: 'socket_tcp_resets_sent_total by direction and reason (no_socket: segments to this port while nothing listened) and socket_tcp_resets_received_total by direction.',
    unit: 'ops',
    w: 8,
    targets: [
      g.target(`sum by (direction, reason) (rate(socket_tcp_resets_sent_total{${SPW}}${R}))`, 'sent {{direction}} {{reason}}'),
      g.target(`sum by (direction) (rate(socket_tcp_resets_received_total{${SPW}}${R}))`, 'received {{direction}}'),
    ],
  }),

  g.row('Latency, lifetimes and bytes'),
  g.heatmap({
    title: 'Connect latency',
    description: 'socket_tcp_connect_duration_seconds: SYN sent to ESTABLISHED of successful connects to the port.',
    targets: [g.target(`sum by (le) (rate(socket_tcp_connect_duration_seconds_bucket{${SPW}}${R}))`, '{{le}}')],
  }),
  g.timeseries({
    title: 'Connect latency p50 and p99',
    description: 'Quantiles of socket_tcp_connect_duration_seconds for the port.',
    unit: 's',
    targets: [
      g.target(`histogram_quantile(0.5, sum by (le) (rate(socket_tcp_connect_duration_seconds_bucket{${SPW}}${R})))`, 'p50'),
      g.target(`histogram_quantile(0.99, sum by (le) (rate(socket_tcp_connect_duration_seconds_bucket{${SPW}}${R})))`, 'p99'),
    ],
  }),
  g.heatmap({
    title: 'Connection lifetimes',
    description: 'socket_tcp_connection_duration_seconds: ESTABLISHED to closed, both directions, observed when connections close.',
    targets: [g.target(`sum by (le) (rate(socket_tcp_connection_duration_seconds_bucket{${SPW}}${R}))`, '{{le}}')],
  }),
  g.timeseries({
    title: 'Connection lifetime p50 and p99 by direction',
    description: 'Quantiles of socket_tcp_connection_duration_seconds for the port.',
    unit: 's',
    targets: [
      g.target(`histogram_quantile(0.5, sum by (direction, le) (rate(socket_tcp_connection_duration_seconds_bucket{${SPW}}${R})))`, '{{direction}} p50'),
      g.target(`histogram_quantile(0.99, sum by (direction, le) (rate(socket_tcp_connection_duration_seconds_bucket{${SPW}}${R})))`, '{{direction}} p99'),
    ],
  }),
  g.timeseries({
    title: 'Connections closed by direction',
    description: 'Established connections on the port that closed per second.',
    unit: 'ops',
    targets: [g.target(
      `sum by (direction) (rate(socket_tcp_connection_duration_seconds_count{${SPW}}${R}))`, '{{direction}}')],
  }),
  g.timeseries({
    title: 'Payload bytes by direction (received up, sent down)',
    description: 'socket_tcp_received_bytes_total and socket_tcp_sent_bytes_total for the port, added when connections close.',
    unit: 'Bps',
    min: null,
    overrides: g.negativeY('B'),
    targets: [
      g.target(`sum by (direction) (rate(socket_tcp_received_bytes_total{${SPW}}${R}))`, 'received {{direction}}'),
      g.target(`sum by (direction) (rate(socket_tcp_sent_bytes_total{${SPW}}${R}))`, 'sent {{direction}}'),
    ],
  }),

  g.row('Connection quality'),
  tcpQuality.rttHeatmap(QUALITY),
  tcpQuality.rttQuantiles(QUALITY, ['direction'], 12),
  ...tcpQuality.retransmissions(QUALITY, 12),

  ...udp.udpRow({ ...ONE_PORT, sel: SP }),

  ...workloads.workloadRow(SPW, 'this port'),

  g.row('Attacks and policy'),
  g.timeseries({
    title: 'SYNs received vs handshakes completed',
    description: 'socket_tcp_syns_received_total against socket_tcp_accepts_total for the port.',
    unit: 'ops',
    targets: [
      g.target(`sum(rate(socket_tcp_syns_received_total{${SPW}}${R}))`, 'SYNs received'),
      g.target(`sum(rate(socket_tcp_accepts_total{${SPW}}${R}))`, 'handshakes completed'),
    ],
  }),
  g.timeseries({
    title: 'Half-open handshakes vs listen backlog',
    description: 'socket_tcp_half_open against socket_tcp_accept_queue_limit (the listen() backlog, which also bounds the SYN queue; the SYN queue limit is not a metric).',
    unit: 'short',
    targets: [
      g.target(`sum(socket_tcp_half_open{${SP}}) or sum(socket_tcp_accept_queue_limit{${SP}}) * 0`, 'half-open'),
      g.target(`sum(socket_tcp_accept_queue_limit{${SP}})`, 'listen backlog'),
    ],
  }),
  g.timeseries({
    title: 'Listen drops',
    description: 'socket_tcp_listen_drops_total: handshakes dropped because the SYN or accept queue was full.',
    unit: 'ops',
    w: 8,
    targets: [g.target(`sum(rate(socket_tcp_listen_drops_total{${SP}}${R}))`, 'drops')],
  }),
  g.timeseries({
    title: 'SYN-ACK retransmits',
    description: 'socket_tcp_synack_retransmits_total for the port (0 while SYNs arrive without any).',
    unit: 'ops',
    w: 8,
    targets: [g.target(
      `sum(rate(socket_tcp_synack_retransmits_total{${SPW}}${R})) or sum(rate(socket_tcp_syns_received_total{${SPW}}${R})) * 0`,
      'retransmits')],
  }),
  g.timeseries({
    title: 'Resets to the closed port',
    description: 'socket_tcp_resets_sent_total{reason="no_socket"}: segments to this port while nothing listened on it.',
    unit: 'ops',
    w: 8,
    targets: [g.target(`sum(rate(socket_tcp_resets_sent_total{${SPW}, reason="no_socket"}${R}))`, 'resets')],
  }),
  g.stateTimeline({
    title: 'SYN flood active',
    description: 'socket_syn_flood_active for the port, per instance.',
    unit: 'short',
    h: 6,
    mappings: g.valueMap({ 0: ['normal', 'green'], 1: ['flood', 'red'] }),
    targets: [g.target(`max by (instance) (socket_syn_flood_active{${SP}})`, '{{instance}}')],
  }),
  g.timeseries({
    title: 'SYN flood detections',
    description: 'socket_syn_flood_detections_total for the port: flood episodes started per interval.',
    unit: 'short',
    h: 6,
    bars: true,
    targets: [g.target(`sum(increase(socket_syn_flood_detections_total{${SP}}${R}))`, 'detections')],
  }),
  g.timeseries({
    title: 'Policy findings by rule',
    description: 'socket_suspicious_connections_total for the port per interval (zero, rule "none", while there are none).',
    unit: 'short',
    w: 24,
    h: 6,
    bars: true,
    targets: [g.target(
      `sum by (rule) (increase(socket_suspicious_connections_total{${SP}}${R})) or on() label_replace(vector(0), "rule", "none", "", "")`,
      '{{rule}}')],
  }),

  g.row('Listeners'),
  g.table({
    title: 'Listening sockets on port $port',
    description: 'socket_listener_info: every listening TCP socket and bound, unconnected UDP socket on the port with its address and process. Its port label is the real port number, so a port counted as "other" lists nothing here.',
    unit: 'short',
    w: 24,
    exclude: ['Value'],
    rename: { instance: 'Instance', protocol: 'Protocol', address: 'Address', port: 'Port', process: 'Process' },
    targets: [g.tableTarget(
      `max by (instance, protocol, address, port, process) (socket_listener_info{${SP}})`)],
  }),
];

module.exports = g.dashboard({
  uid: 'socket-exporter-port-detail',
  title: 'socket_exporter / Port detail',
  description: 'Everything socket_exporter counts for one service port: connects, accepts, failures, resets, latency, lifetimes, bytes, retransmissions, round-trip times, UDP datagrams, drops and queues, SYN floods, policy findings and its listeners.',
  portMulti: false,
  panels,
});
