'use strict';
// The UDP row of the overview (per port) and of the port detail (one port); `view`: see
// view.js. The UDP families are counted per port only (with attribution as workload "other"):
// they have no namespace or pod label and do not follow those variables.
const g = require('./grafana');
const v = require('./view');

function traffic(view) {
  return [
    g.timeseries({
      title: `UDP datagrams${v.by(view)} (received up, sent down)`,
      description: `socket_udp_received_datagrams_total (datagrams that reached a socket on ${view.scope}, those then dropped for a full queue included) and socket_udp_sent_datagrams_total (per sendmsg(), as the kernel's OutDatagrams: corked sends make one datagram; an unconnected client on an ephemeral port counts its sends at port "other"), both directions.`,
      unit: 'ops',
      min: null,
      overrides: g.negativeY('B'),
      targets: [
        g.target(v.rate(view, 'socket_udp_received_datagrams_total'), v.legend(view, [], 'received')),
        g.target(v.rate(view, 'socket_udp_sent_datagrams_total'), v.legend(view, [], 'sent')),
      ],
    }),
    g.timeseries({
      title: `UDP payload bytes${v.by(view)} (received up, sent down)`,
      description: `socket_udp_received_bytes_total and socket_udp_sent_bytes_total: payload bytes of the datagrams on ${view.scope}, counted as they pass (not at close, as for TCP).`,
      unit: 'Bps',
      min: null,
      overrides: g.negativeY('B'),
      targets: [
        g.target(v.rate(view, 'socket_udp_received_bytes_total'), v.legend(view, [], 'received')),
        g.target(v.rate(view, 'socket_udp_sent_bytes_total'), v.legend(view, [], 'sent')),
      ],
    }),
  ];
}

function losses(view) {
  return [
    g.timeseries({
      title: `UDP drops${v.by(view, ['reason'])}`,
      description: `socket_udp_drops_total: datagrams dropped at a socket on ${view.scope}. receive_buffer: the socket's queue was full (SocketUdpReceiveBufferDrops fires after 5 minutes of them); memory: the host-wide net.ipv4.udp_mem limit; checksum: a bad checksum; other: any other reason.`,
      unit: 'ops',
      w: 8,
      stack: true,
      targets: [g.target(v.rate(view, 'socket_udp_drops_total', ['reason']), v.legend(view, ['reason'], ''))],
    }),
    g.timeseries({
      title: `UDP receive queue fill${v.by(view)}`,
      description: `socket_udp_receive_queue_bytes / socket_udp_receive_queue_limit_bytes (sock_diag): memory the datagrams waiting to be read hold against the receive buffers (SO_RCVBUF) of the bound sockets on ${view.scope}. A datagram arriving at a full queue is a receive_buffer drop.`,
      unit: 'percentunit',
      w: 8,
      max: 1,
      thresholds: g.thresholds([0.8, 'red']),
      targets: [g.target(
        `${v.sum(view, [], `socket_udp_receive_queue_bytes{${view.sel}}`)} / ${v.sum(view, [], `socket_udp_receive_queue_limit_bytes{${view.sel}} > 0`)}`,
        v.named(view, [], 'fill'))],
    }),
    g.timeseries({
      title: `UDP datagrams without a socket${v.by(view)}`,
      description: 'socket_udp_no_socket_total: datagrams to a port with no socket, answered with ICMP port unreachable (Udp NoPorts); they feed the port-scan detector. A closed port that is not tracked counts as port "other".',
      unit: 'ops',
      w: 8,
      targets: [g.target(v.rate(view, 'socket_udp_no_socket_total'), v.named(view, [], 'datagrams'))],
    }),
  ];
}

function udpRow(view) {
  return [g.row('UDP'), ...traffic(view), ...losses(view)];
}

module.exports = { udpRow };
