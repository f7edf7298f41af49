'use strict';
// TCP connection quality, for the overview (per port) and the port detail (one port):
// retransmissions and the smoothed round-trip time; `view`: see view.js, its `sel` with the
// workload matchers (both families are counted per workload).
const g = require('./grafana');
const v = require('./view');

const RETRANS = 'socket_tcp_retransmitted_segments_total';
const SENT = 'socket_tcp_sent_segments_total';
const RTT = 'socket_tcp_rtt_seconds';
const DIR = ['direction'];

// w: the panels' width.
function retransmissions(view, w) {
  const sent = v.rate(view, SENT, DIR);
  return [
    g.timeseries({
      title: `Retransmission ratio${v.by(view, DIR)}`,
      description: `${RETRANS} over ${SENT} on ${view.scope}: the share of data segments sent again. Retransmissions count as they are sent, a connection's other segments at its next retransmission or when it closes, so the ratio leans high while long-lived connections stay open; 0 where nothing was retransmitted. SocketTcpRetransmissionRatioHigh fires above 5% with more than 10 segments/s.`,
      unit: 'percentunit',
      w,
      thresholds: g.thresholds([0.05, 'red']),
      targets: [g.target(`(${v.rate(view, RETRANS, DIR)} or ${sent} * 0) / ${sent}`, v.legend(view, DIR, ''))],
    }),
    g.timeseries({
      title: `Retransmitted segments${v.by(view, DIR)}`,
      description: `${RETRANS}: segments (data, SYN, FIN) retransmitted per second on ${view.scope}; a listener's SYN-ACKs are counted apart (socket_tcp_synack_retransmits_total).`,
      unit: 'ops',
      w,
      targets: [g.target(v.rate(view, RETRANS, DIR), v.legend(view, DIR, ''))],
    }),
  ];
}

// extra: the labels the quantiles are split by besides the view's; w: the panel's width.
function rttQuantiles(view, extra, w) {
  return g.timeseries({
    title: `Round-trip time p50 and p99${v.by(view, extra)}`,
    description: `Quantiles of ${RTT} on ${view.scope}: the smoothed RTT of each connection when it closes (ss -i shows it as rtt). Queues on the path raise it before they drop.`,
    unit: 's',
    w,
    targets: [
      g.target(v.quantile(view, 0.5, RTT, extra), v.legend(view, extra, 'p50')),
      g.target(v.quantile(view, 0.99, RTT, extra), v.legend(view, extra, 'p99')),
    ],
  });
}

function rttHeatmap(view) {
  return g.heatmap({
    title: 'Round-trip time',
    description: `${RTT}: the smoothed RTT of the connections on ${view.scope} when they close, both directions.`,
    targets: [g.target(`sum by (le) (rate(${RTT}_bucket{${view.sel}}${g.R}))`, '{{le}}')],
  });
}

module.exports = { retransmissions, rttQuantiles, rttHeatmap };
