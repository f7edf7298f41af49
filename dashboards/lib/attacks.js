'use strict';
// socket_exporter / Attacks and policy: SYN floods, port scans and connection policy findings.
const g = require('./grafana');

const { S, W, R } = g;
const SP = `${S}, port=~"$port"`;
// The per-port TCP families, also counted per workload (SYNs per listener, as workload "other").
const SPW = `${SP}, ${W}`;

// Findings exist only from their first one on: with none, show one zero series (rule "none").
const NO_FINDINGS = 'or on() label_replace(vector(0), "rule", "none", "", "")';

const panels = [
  g.row('Now'),
  g.stat({
    title: 'Ports under SYN flood',
    description: 'Listening ports the SYN flood detector flags now (socket_syn_flood_active).',
    unit: 'short',
    w: 6,
    graph: false,
    colorMode: 'background',
    thresholds: g.thresholds([1, 'red']),
    targets: [g.target(`sum(socket_syn_flood_active{${SP}}) or vector(0)`, 'flooded ports')],
  }),
  g.stat({
    title: 'Sources scanning now',
    description: 'socket_port_scan_sources by protocol: sources flagged as scanning now (tcp: segments to closed ports, udp: datagrams to closed ports); an episode ends after a window without hits.',
    unit: 'short',
    w: 6,
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: g.thresholds([1, 'orange']),
    targets: [g.target(`sum by (protocol) (socket_port_scan_sources{${S}})`, '{{protocol}}')],
  }),
  g.stat({
    title: 'Port scans detected',
    description: 'socket_port_scans_detected_total by protocol: scan episodes since the exporters started.',
    unit: 'short',
    w: 6,
    textMode: 'value_and_name',
    targets: [g.target(`sum by (protocol) (socket_port_scans_detected_total{${S}})`, '{{protocol}}')],
  }),
  g.stat({
    title: 'Policy findings',
    description: 'socket_suspicious_connections_total: connection policy findings since the exporters started, all rules.',
    unit: 'short',
    w: 6,
    thresholds: g.thresholds([1, 'red']),
    targets: [g.target(`sum(socket_suspicious_connections_total{${SP}}) or vector(0)`, 'findings')],
  }),

  g.row('SYN floods'),
  g.stateTimeline({
    title: 'SYN flood active',
    description: 'socket_syn_flood_active per listening port and instance: flood while the detector considers the port flooded. SocketSynFloodActive fires after 30s.',
    unit: 'short',
    w: 24,
    h: 7,
    mappings: g.valueMap({ 0: ['normal', 'green'], 1: ['flood', 'red'] }),
    targets: [g.target(`max by (instance, port) (socket_syn_flood_active{${SP}})`, '{{port}} on {{instance}}')],
  }),
  g.timeseries({
    title: 'SYNs received vs handshakes completed',
    description: 'socket_tcp_syns_received_total (every SYN that reached a listener, whatever its outcome) against socket_tcp_accepts_total (handshakes completed). A flood shows SYNs far above completed handshakes.',
    unit: 'ops',
    targets: [
      g.target(`sum by (port) (rate(socket_tcp_syns_received_total{${SPW}}${R}))`, '{{port}} SYNs received'),
      g.target(`sum by (port) (rate(socket_tcp_accepts_total{${SPW}}${R}))`, '{{port}} handshakes completed'),
    ],
  }),
  g.timeseries({
    title: 'Handshake completion ratio',
    description: 'Completed handshakes over SYNs received per port. Near 1 for legitimate traffic (retried SYNs lower it a little).',
    unit: 'percentunit',
    targets: [g.target(
      `sum by (port) (rate(socket_tcp_accepts_total{${SPW}}${R})) / sum by (port) (rate(socket_tcp_syns_received_total{${SPW}}${R}))`,
      '{{port}}')],
  }),
  g.timeseries({
    title: 'Half-open handshakes vs listen backlog',
    description: 'socket_tcp_half_open: handshakes waiting for the client\'s final ACK (SYNs answered with a cookie create none), against socket_tcp_accept_queue_limit, the listen() backlog. The SYN queue holds up to the backlog (with net.ipv4.tcp_syncookies=0 also at most 3/4 of net.ipv4.tcp_max_syn_backlog); that limit is not a metric.',
    unit: 'short',
    targets: [
      g.target(`sum by (port) (socket_tcp_half_open{${SP}}) or sum by (port) (socket_tcp_accept_queue_limit{${SP}}) * 0`, '{{port}} half-open'),
      g.target(`sum by (port) (socket_tcp_accept_queue_limit{${SP}})`, '{{port}} listen backlog'),
    ],
  }),
  g.timeseries({
    title: 'Listen drops by port',
    description: 'socket_tcp_listen_drops_total: handshakes a listener dropped because its SYN or accept queue was full. SocketListenDrops fires after 5 minutes of drops.',
    unit: 'ops',
    targets: [g.target(`sum by (port) (rate(socket_tcp_listen_drops_total{${SP}}${R}))`, '{{port}}')],
  }),
  g.timeseries({
    title: 'SYN flood detections',
    description: 'socket_syn_flood_detections_total: flood episodes started, per interval.',
    unit: 'short',
    w: 8,
    bars: true,
    targets: [g.target(`sum by (port) (increase(socket_syn_flood_detections_total{${SP}}${R}))`, '{{port}}')],
  }),
  g.timeseries({
    title: 'SYN-ACK retransmits',
    description: 'socket_tcp_synack_retransmits_total: SYN-ACKs a listener retransmitted because the client\'s final ACK did not come (0 for ports that received SYNs without any).',
    unit: 'ops',
    w: 8,
    targets: [g.target(
      `sum by (port) (rate(socket_tcp_synack_retransmits_total{${SPW}}${R})) or sum by (port) (rate(socket_tcp_syns_received_total{${SPW}}${R})) * 0`,
      '{{port}}')],
  }),
  g.timeseries({
    title: 'SYN cookies and listen overflows',
    description: 'The kernel\'s TcpExt counters of the namespaces in scope: SyncookiesSent, SyncookiesFailed (cookies that did not validate) and ListenOverflows (accept queue full).',
    unit: 'ops',
    w: 8,
    targets: [
      g.target(`sum by (instance) (rate(socket_tcp_syncookies_sent_total{${S}}${R}))`, '{{instance}} cookies sent'),
      g.target(`sum by (instance) (rate(socket_tcp_syncookies_failed_total{${S}}${R}))`, '{{instance}} cookies failed'),
      g.target(`sum by (instance) (rate(socket_tcp_listen_overflows_total{${S}}${R}))`, '{{instance}} listen overflows'),
    ],
  }),

  g.row('Port scans'),
  g.timeseries({
    title: 'Port scans detected',
    description: 'socket_port_scans_detected_total: scan episodes started per interval (one source on many closed ports, or one port on many local addresses), by protocol: tcp from segments answered with a reset, udp from datagrams answered with ICMP port unreachable (detected apart).',
    unit: 'short',
    w: 8,
    bars: true,
    targets: [g.target(`sum by (protocol) (increase(socket_port_scans_detected_total{${S}}${R}))`, '{{protocol}}')],
  }),
  g.timeseries({
    title: 'Sources scanning',
    description: 'socket_port_scan_sources: sources flagged as scanning, by protocol.',
    unit: 'short',
    w: 8,
    targets: [g.target(`sum by (protocol) (socket_port_scan_sources{${S}})`, '{{protocol}}')],
  }),
  g.timeseries({
    title: 'Scan tracker evictions',
    description: 'socket_exporter_tracked_sources_evicted_total: scan-tracking entries evicted to stay within port_scan.max_sources. Growth means more sources than the tracker holds (a distributed scan?).',
    unit: 'ops',
    w: 8,
    targets: [g.target(`sum by (instance) (rate(socket_exporter_tracked_sources_evicted_total{${S}}${R}))`, '{{instance}}')],
  }),
  g.timeseries({
    title: 'Closed-port hits by port and protocol',
    description: 'What the scan detector sees: socket_tcp_resets_sent_total{reason="no_socket"}, TCP segments to ports without a socket, answered with a reset, and socket_udp_no_socket_total, UDP datagrams to ports without a socket, answered with ICMP port unreachable. Ports that are not tracked are counted under port "other".',
    unit: 'ops',
    w: 24,
    targets: [
      g.target(`sum by (port) (rate(socket_tcp_resets_sent_total{${SPW}, reason="no_socket"}${R}))`, '{{port}} tcp'),
      g.target(`sum by (port) (rate(socket_udp_no_socket_total{${SP}}${R}))`, '{{port}} udp'),
    ],
  }),

  g.row('Connection policy'),
  g.timeseries({
    title: 'Policy findings by rule and port',
    description: 'socket_suspicious_connections_total per interval. denied_source, denied_destination: a denied network; unexpected_egress, unexpected_listener: a port outside the allow lists. A rule/port series starts with its first finding, which an increase cannot see: the table beside counts it.',
    unit: 'short',
    bars: true,
    targets: [g.target(
      `sum by (rule, port) (increase(socket_suspicious_connections_total{${SP}}${R})) ${NO_FINDINGS}`,
      '{{rule}} {{port}}')],
  }),
  g.table({
    title: 'Policy findings so far',
    description: 'socket_suspicious_connections_total now, by rule and port. The finding log lines (and --events.file) name addresses and processes.',
    unit: 'short',
    rename: { rule: 'Rule', port: 'Port', Value: 'Findings' },
    targets: [g.tableTarget(`sum by (rule, port) (socket_suspicious_connections_total{${SP}}) ${NO_FINDINGS}`)],
  }),
  g.timeseries({
    title: 'Finding log lines suppressed',
    description: 'socket_exporter_event_log_suppressed_total: finding log lines dropped by the event_log rate limits; the counts in metrics stay exact.',
    unit: 'ops',
    targets: [g.target(`sum by (instance) (rate(socket_exporter_event_log_suppressed_total{${S}}${R}))`, '{{instance}}')],
  }),
  g.timeseries({
    title: 'Events lost',
    description: 'socket_exporter_events_lost_total: rare events the kernel ring buffer could not deliver; scans and policy findings may be missing from the log.',
    unit: 'ops',
    targets: [g.target(`sum by (instance) (rate(socket_exporter_events_lost_total{${S}}${R}))`, '{{instance}}')],
  }),
];

module.exports = g.dashboard({
  uid: 'socket-exporter-attacks',
  title: 'socket_exporter / Attacks and policy',
  description: 'SYN floods, port scans and connection policy findings of socket_exporter: SYNs against completed handshakes, half-open handshakes, listen drops, SYN cookies, TCP and UDP scans and policy rules.',
  portMulti: true,
  panels,
});
