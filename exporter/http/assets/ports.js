// The port tables of the live view, TCP and UDP, from one answer of ./api/v1/ports. Loaded after
// live.js, whose helpers ($, el, emptyRow, formatRate, formatCount) it uses; live.js calls
// renderPorts on every poll.
'use strict';

const QUEUE_ALARM = 0.8;  // accept or receive queue fill shown red from here on
const RATIO_WARN = 0.05;  // retransmitted share of sent segments shown amber from here on
const TCP_COLUMNS = 11;
const UDP_COLUMNS = 8;
const DROP_REASONS = {
  receive_buffer: 'receive buffer', memory: 'memory', checksum: 'checksum', other: 'other',
};

// Bytes with a decimal prefix and about three digits: 512 B, 1.50 kB, 12.3 MB, 456 GB.
function formatBytes(value) {
  let v = Number(value) || 0;
  if (v < 1000) return v === 0 ? '0' : `${formatRate(v)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    ++i;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

function formatPercent(ratio) {
  const percent = ratio * 100;
  return `${percent.toFixed(percent < 10 ? 2 : 1)} %`;
}

// ---- cells ----

// `warn`: amber while the rate is above zero. The total since start is in the tooltip and in
// data-total.
function rateCell(field, value, total, warn) {
  const v = Number(value) || 0;
  return el('td', {'data-field': field, 'data-value': v, 'data-total': Number(total) || 0,
    class: warn && v > 0 ? 'warn' : 'num', title: `${formatCount(total)} in total`},
  formatRate(v));
}

function bytesCell(field, value, total) {
  const v = Number(value) || 0;
  return el('td', {'data-field': field, 'data-value': v, 'data-total': Number(total) || 0,
    class: 'num', title: `${formatCount(total)} bytes in total`}, formatBytes(v));
}

function establishedCell(established) {
  const inbound = (established && established.inbound) || 0;
  const outbound = (established && established.outbound) || 0;
  return el('td', {'data-field': 'established', 'data-inbound': inbound, 'data-outbound': outbound},
      `${formatCount(inbound)} / ${formatCount(outbound)}`);
}

// A bar plus "length / limit · percent"; `none` when there is no limit (no socket).
function queueCell(field, length, limit, none) {
  if (!limit) return el('td', {'data-field': field, class: 'left muted'}, none);
  const fill = Math.min(1, (length || 0) / limit);
  const bar = el('span', {class: 'bar'}, el('span', {class: 'bar-fill'}));
  bar.firstChild.style.width = `${(fill * 100).toFixed(1)}%`;
  return el('td', {'data-field': field, 'data-value': fill.toFixed(3),
    class: fill >= QUEUE_ALARM ? 'left alarm' : 'left'},
  el('span', {class: 'queue'}, bar,
      el('span', {class: 'queue-text'},
          `${formatCount(length)} / ${formatCount(limit)} \u00b7 ${Math.round(fill * 100)} %`)));
}

function floodCell(active) {
  return el('td', {'data-field': 'syn_flood', 'data-value': active ? 1 : 0, class: 'left'},
      el('span', {class: active ? 'badge badge-alarm' : 'badge badge-quiet'},
          active ? 'FLOOD' : 'no'));
}

// The interval's retransmitted share of sent data segments ("–" when it sent none); the share
// since start in the tooltip.
function ratioCell(ratio, retransmitted, sent) {
  const title = sent ?
    `${formatPercent((retransmitted || 0) / sent)} of ${formatCount(sent)} data segments ` +
      'since start' : 'no data segments counted yet';
  if (ratio === null || ratio === undefined) {
    return el('td', {'data-field': 'retransmit_ratio', class: 'num muted', title}, '\u2013');
  }
  return el('td', {'data-field': 'retransmit_ratio', 'data-value': ratio, title,
    class: ratio >= RATIO_WARN ? 'warn' : 'num'}, formatPercent(ratio));
}

// [reason name, value] for every drop reason, in the API's order.
function byReason(values) {
  const v = values || {};
  return Object.entries(DROP_REASONS).map(([key, name]) => [name, Number(v[key]) || 0]);
}

const sumOf = (pairs) => pairs.reduce((sum, [, v]) => sum + v, 0);
const listOf = (pairs, format) => pairs.filter(([, v]) => v > 0)
    .map(([name, v]) => `${name} ${format(v)}`).join(' \u00b7 ');

// Drops per second in amber, the reasons dropping now under it; the totals by reason in the
// tooltip.
function dropsCell(rates, totals) {
  const now = byReason(rates);
  const total = byReason(totals);
  const cell = rateCell('drops_rate', sumOf(now), sumOf(total), true);
  if (sumOf(total) > 0) cell.title += `: ${listOf(total, formatCount)}`;
  if (sumOf(now) > 0) cell.append(el('span', {class: 'extra'}, listOf(now, formatRate)));
  return cell;
}

// ---- rows and tables ----

function sumFailures(failures) {
  return Object.values(failures || {}).reduce((a, b) => a + (Number(b) || 0), 0);
}

function portRow(p) {
  const r = p.rates || {};
  const resets = (r.resets_sent || 0) + (r.resets_received || 0);
  return el('tr', {class: p.syn_flood_active ? 'port-row flooded' : 'port-row',
    'data-port': p.port},
  el('td', {'data-field': 'port', class: 'left port'}, p.port),
  rateCell('connects_rate', r.connects, p.connects),
  rateCell('accepts_rate', r.accepts, p.accepts),
  rateCell('failures_rate', r.connect_failures, sumFailures(p.connect_failures), true),
  rateCell('resets_rate', resets, (p.resets_sent || 0) + (p.resets_received || 0), true),
  rateCell('syns_rate', r.syns_received, p.syns_received),
  rateCell('retransmits_rate', r.retransmitted_segments, p.retransmitted_segments),
  ratioCell(p.retransmit_ratio, p.retransmitted_segments, p.sent_segments),
  establishedCell(p.established),
  queueCell('accept_queue', p.accept_queue_length, p.accept_queue_limit, 'no listener'),
  floodCell(p.syn_flood_active));
}

function udpRow(p) {
  const u = p.udp || {};
  const r = u.rates || {};
  return el('tr', {class: 'udp-row', 'data-port': p.port},
      el('td', {'data-field': 'port', class: 'left port'}, p.port),
      rateCell('received_rate', r.received_datagrams, u.received_datagrams),
      rateCell('sent_rate', r.sent_datagrams, u.sent_datagrams),
      bytesCell('received_bytes_rate', r.received_bytes, u.received_bytes),
      bytesCell('sent_bytes_rate', r.sent_bytes, u.sent_bytes),
      dropsCell(r.drops, u.drops),
      rateCell('no_socket_rate', r.no_socket, u.no_socket, true),
      queueCell('receive_queue', u.receive_queue_bytes,
          u.bound ? u.receive_queue_limit_bytes : 0, 'not bound'));
}

const hasProtocol = (p, protocol) => (p.protocols || []).includes(protocol);

// Keeps the API's order: it already sorts by activity. A port with data of both protocols has a
// row in each table.
function renderPorts(doc) {
  const ports = doc.ports || [];
  const tcp = ports.filter((p) => hasProtocol(p, 'tcp')).map(portRow);
  const udp = ports.filter((p) => hasProtocol(p, 'udp')).map(udpRow);
  $('ports-body').replaceChildren(...(tcp.length ? tcp :
    [emptyRow(TCP_COLUMNS, 'no TCP port has traffic or a listener yet')]));
  $('udp-body').replaceChildren(...(udp.length ? udp :
    [emptyRow(UDP_COLUMNS, 'no UDP port has traffic or a bound socket yet')]));
  if (doc.interval_seconds) $('interval').textContent = doc.interval_seconds;
}
