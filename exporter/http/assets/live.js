// Live view of socket_exporter: polls ./api/v1/ports and ./api/v1/findings every 2 s, draws the
// rate history of ./api/v1/history with Chart.js and appends a point per poll. Plain DOM, no
// framework. Every URL is relative, so the page also works behind a path prefix. The port
// tables are drawn by ports.js (renderPorts), which uses the helpers defined here.
'use strict';

const POLL_MS = 2000;
const MIN_WINDOW_S = 60;  // charts show at least this much time, even right after start
// Connects are dashed: drawn on top, they let an equal accept or failure line show through.
const SERIES = [
  {key: 'connects', label: 'connects/s', color: '#1f6fb2', dash: [6, 4]},
  {key: 'accepts', label: 'accepts/s', color: '#2e8b57'},
  {key: 'failures', label: 'failures/s', color: '#d08700'},
  {key: 'resets', label: 'resets/s', color: '#c62828'},
  {key: 'retransmits', label: 'retransmits/s', color: '#6a1b9a'},
  {key: 'datagrams', label: 'UDP datagrams/s', color: '#00838f'},
];

const state = {
  capacity: 300,
  interval: 2,
  times: [],  // sample times (Unix seconds), oldest first
  ports: {},  // port → {connects: [], ...}: an array per SERIES key, one value per time
  historyLoaded: false,
  selectedPort: null,
  selectorPorts: '',  // the ports the selector lists, to rebuild it only when they change
  charts: null,
};

// ---- errors: anything uncaught is written into #js-errors, which stays hidden while empty ----

const MAX_ERRORS = 20;  // a bug hit on every poll must not grow the page without bound
let errorCount = 0;

function reportError(message) {
  const pre = document.getElementById('js-errors');
  if (!pre || ++errorCount > MAX_ERRORS) return;
  pre.hidden = false;
  pre.textContent += message + '\n';
}

window.addEventListener('error', (e) => {
  reportError(`error: ${e.message} at ${e.filename}:${e.lineno}:${e.colno}`);
});
window.addEventListener('unhandledrejection', (e) => {
  reportError(`unhandled rejection: ${(e.reason && e.reason.stack) || e.reason}`);
});

// ---- small DOM helpers ----

const $ = (id) => document.getElementById(id);

// el('td', {class: 'x', 'data-field': 'y'}, 'text', childNode, ...)
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== '') node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function emptyRow(columns, text) {
  return el('tr', {class: 'empty'}, el('td', {colspan: columns}, text));
}

// Rates: one decimal below 100 (so a trickle of 0.5/s is not shown as 0), whole numbers above.
function formatRate(value) {
  const v = Number(value) || 0;
  if (v === 0) return '0';
  return v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en');
}

function formatCount(value) {
  return (Number(value) || 0).toLocaleString('en');
}

function hostPort(host, port) {
  if (!host) return '\u2013';
  const h = host.includes(':') ? `[${host}]` : host;  // IPv6 in brackets, as in URLs
  return port ? `${h}:${port}` : h;  // port 0: not known (e.g. a scan source)
}

function formatFindingTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '\u2013';
  const pad = (n) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

// Tick steps that give five to eight ticks over any window up to the history's ten minutes.
const TICK_STEPS_S = [10, 15, 30, 60, 120, 300];

function tickStep(windowSeconds) {
  return TICK_STEPS_S.find((step) => windowSeconds / step <= 8) || TICK_STEPS_S.at(-1);
}

// "\u221230 s" for seconds before the newest sample; whole minutes once the ticks are a minute
// or more apart. Used for the ticks and the tooltips.
function formatAgo(seconds, step) {
  const s = Math.round(-seconds);
  if (s <= 0) return 'now';
  if (step >= 60 && s % 60 === 0) return `\u2212${s / 60} min`;
  return `\u2212${s} s`;
}

// ---- findings and probe health ----

function findingRow(f) {
  const extra = Object.entries(f.extra || {}).map(([k, v]) => `${k}=${v}`).join(' ');
  return el('tr', {class: 'finding-row', 'data-rule': f.rule},
      el('td', {class: 'left nowrap', title: f.time}, formatFindingTime(f.time)),
      el('td', {class: 'left wrap'}, el('span', {class: 'rule'}, f.rule),
          extra ? el('span', {class: 'extra muted'}, extra) : null),
      el('td', {class: 'left mono'}, hostPort(f.src, f.src_port)),
      el('td', {class: 'left mono'}, hostPort(f.dst, f.dst_port)),
      el('td', {class: 'left'}, f.process || '\u2013'),
      el('td', {class: 'num'}, formatCount(f.count), f.suppressed > 0 ?
        el('span', {class: 'extra muted', title: 'lines of the same key suppressed before it'},
            `+${formatCount(f.suppressed)} suppressed`) : null));
}

function renderFindings(doc) {
  const rows = (doc.findings || []).map(findingRow);  // the API gives newest first
  $('findings-body').replaceChildren(...(rows.length ? rows : [emptyRow(6, 'no findings')]));
}

function renderHealth(doc) {
  const probes = (doc.probes || []).map((p) => el('li', {
    class: p.attached ? 'probe ok' : 'probe alarm', 'data-probe': p.probe,
    'data-attached': String(!!p.attached)},
  el('span', {class: 'dot'}), el('span', {class: 'probe-name'}, p.probe),
  el('span', {class: 'probe-state'}, p.attached ? 'attached' : 'NOT attached')));
  $('probes').replaceChildren(...probes);
  const lost = Number(doc.events_lost) || 0;
  const sources = Number(doc.port_scan_sources) || 0;
  $('events-lost').textContent = formatCount(lost);
  $('events-lost').className = lost > 0 ? 'alarm' : '';
  $('scan-sources').textContent = formatCount(sources);
  $('scan-sources').className = sources > 0 ? 'warn' : '';
}

function setStatus(up, text) {
  const status = $('status');
  status.className = up ? 'status status-up' : 'status status-down';
  status.dataset.state = up ? 'up' : 'down';
  status.textContent = text;
  document.body.classList.toggle('stale', !up);
}

// ---- history: kept here so charts can be redrawn from polls without refetching ----

const zeros = (n) => new Array(n).fill(0);
const emptySeries = (n) => Object.fromEntries(SERIES.map(({key}) => [key, zeros(n)]));
const at = (values, i) => (values && values[i]) || 0;

// The charted values of sample i of a port's history.
function historyPoint(s, i) {
  return {
    connects: at(s.connects, i), accepts: at(s.accepts, i), failures: at(s.connect_failures, i),
    resets: at(s.resets_sent, i) + at(s.resets_received, i),
    retransmits: at(s.retransmitted_segments, i),
    datagrams: at(s.udp_received_datagrams, i) + at(s.udp_sent_datagrams, i),
  };
}

// The same values from a port of /api/v1/ports.
function pollPoint(p) {
  const r = p.rates || {};
  const u = (p.udp && p.udp.rates) || {};
  return {
    connects: r.connects || 0, accepts: r.accepts || 0, failures: r.connect_failures || 0,
    resets: (r.resets_sent || 0) + (r.resets_received || 0),
    retransmits: r.retransmitted_segments || 0,
    datagrams: (u.received_datagrams || 0) + (u.sent_datagrams || 0),
  };
}

function pushPoint(series, point) {
  SERIES.forEach(({key}) => series[key].push(point[key]));
}

function loadHistory(doc) {
  state.capacity = doc.capacity || state.capacity;
  state.interval = doc.interval_seconds || state.interval;
  state.times = (doc.times || []).slice();
  state.ports = {};
  for (const [port, s] of Object.entries(doc.ports || {})) {
    const series = state.ports[port] = emptySeries(0);
    state.times.forEach((_, i) => pushPoint(series, historyPoint(s, i)));
  }
  state.historyLoaded = true;
}

// One point per poll, from the rates of /api/v1/ports; ports the answer leaves out had no
// activity, so they get 0.
function appendSample(doc) {
  const last = state.times[state.times.length - 1];
  // Rates change once per history interval: polls closer together than half of it add nothing.
  if (last !== undefined && doc.time - last < state.interval / 2) return;
  const n = state.times.length;
  const seen = new Set();
  for (const p of doc.ports || []) {
    const s = state.ports[p.port] || (state.ports[p.port] = emptySeries(n));
    pushPoint(s, pollPoint(p));
    seen.add(p.port);
  }
  for (const [port, s] of Object.entries(state.ports)) {
    if (!seen.has(port)) SERIES.forEach(({key}) => s[key].push(0));
  }
  state.times.push(doc.time);
  trimHistory();
}

function trimHistory() {
  const excess = state.times.length - state.capacity;
  if (excess <= 0) return;
  state.times.splice(0, excess);
  for (const s of Object.values(state.ports)) SERIES.forEach(({key}) => s[key].splice(0, excess));
}

// ---- charts ----

// Plain colour boxes in the legend, also for the dashed series.
function solidLegend(chart) {
  return Chart.defaults.plugins.legend.labels.generateLabels(chart)
      .map((item) => Object.assign(item, {lineDash: []}));
}

function makeChart(canvas) {
  return new Chart(canvas, {
    type: 'line',
    data: {datasets: SERIES.map((s) => ({
      label: s.label, data: [], borderColor: s.color, backgroundColor: s.color,
      borderWidth: 2, borderDash: s.dash || [], pointRadius: 0, tension: 0,
    }))},
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      parsing: false, normalized: true,
      interaction: {mode: 'index', intersect: false},
      scales: {
        // Linear seconds before the newest sample: the time axis would need a date adapter.
        x: {type: 'linear', max: 0, ticks: {
          callback(value) {
            return formatAgo(value, this.options.ticks.stepSize);
          },
        }},
        y: {beginAtZero: true, ticks: {precision: 1}, title: {display: true, text: 'per second'}},
      },
      plugins: {
        legend: {position: 'bottom', labels: {boxWidth: 14, generateLabels: solidLegend}},
        tooltip: {callbacks: {title: (items) => formatAgo(items[0].parsed.x, 1)}},
      },
    },
  });
}

// The x axis spans whole tick steps back from the newest sample, at least MIN_WINDOW_S.
function setChartData(chart, seriesPoints, oldestX) {
  chart.data.datasets.forEach((d, i) => {
    d.data = seriesPoints[i];
  });
  const span = Math.max(MIN_WINDOW_S, -oldestX);
  const step = tickStep(span);
  chart.options.scales.x.min = -Math.ceil(span / step) * step;
  chart.options.scales.x.ticks.stepSize = step;
  chart.update('none');
}

function drawCharts() {
  if (!state.charts) return;
  const newest = state.times[state.times.length - 1] || 0;
  const xs = state.times.map((t) => t - newest);
  const ports = Object.values(state.ports);
  const totals = SERIES.map(({key}) => xs.map((x, i) =>
    ({x, y: ports.reduce((sum, s) => sum + s[key][i], 0)})));
  setChartData(state.charts.total, totals, xs[0] || 0);
  const port = state.ports[state.selectedPort];
  const perPort = SERIES.map(({key}) => (port ? xs.map((x, i) => ({x, y: port[key][i]})) : []));
  setChartData(state.charts.port, perPort, xs[0] || 0);
}

// The selector lists ports in the API's order (most active first) and starts on the top one.
function updateSelector(doc) {
  const ports = (doc.ports || []).map((p) => p.port);
  for (const port of Object.keys(state.ports)) if (!ports.includes(port)) ports.push(port);
  if (state.selectedPort === null && ports.length) state.selectedPort = ports[0];
  const key = ports.join(',');
  if (key === state.selectorPorts) return;
  state.selectorPorts = key;
  const select = $('port-select');
  select.replaceChildren(...ports.map((port) => el('option', {value: port}, port)));
  if (state.selectedPort !== null) select.value = state.selectedPort;
}

// ---- polling ----

async function fetchJson(path) {
  const response = await fetch(path, {cache: 'no-store'});
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// Network and HTTP failures only; the history is optional (charts then start from the polls).
async function fetchAll() {
  let history = null;
  if (!state.historyLoaded) history = await fetchJson('./api/v1/history').catch(() => null);
  const [ports, findings] = await Promise.all(
      [fetchJson('./api/v1/ports'), fetchJson('./api/v1/findings')]);
  return {history, ports, findings};
}

// Tables first, so they stay live even if the history turns out malformed.
function render({history, ports, findings}) {
  renderPorts(ports);
  renderHealth(ports);
  renderFindings(findings);
  setStatus(true, `live \u00b7 ${new Date(ports.time * 1000).toLocaleTimeString('en-GB')}`);
  if (history) loadHistory(history);
  appendSample(ports);
  updateSelector(ports);
  drawCharts();
}

// Rendering runs outside the try: a bug there is a JavaScript error (reported in #js-errors
// through unhandledrejection), not an unreachable exporter.
async function poll() {
  let data = null;
  try {
    data = await fetchAll();
  } catch (err) {
    setStatus(false,
        `exporter unreachable (${err.message}) \u2014 retrying every ${POLL_MS / 1000} s`);
  } finally {
    setTimeout(poll, POLL_MS);
  }
  if (data) render(data);
}

// The version from the build info metric; the page works without it.
async function showVersion() {
  try {
    const path = document.querySelector('meta[name="telemetry-path"]').content;
    const response = await fetch('.' + path, {cache: 'no-store'});
    const text = response.ok ? await response.text() : '';
    const m = /^socket_exporter_build_info\{[^}]*version="([^"]*)"/m.exec(text);
    if (m) $('version').textContent = `version ${m[1]}`;
  } catch (err) {}  // unreachable: poll() says so
}

function start() {
  if (typeof Chart === 'undefined') {
    reportError('error: Chart.js did not load from ./assets/chart.min.js');
  } else {
    state.charts = {total: makeChart($('chart-total')), port: makeChart($('chart-port'))};
    drawCharts();  // empty, but with the axes they will have
  }
  $('port-select').addEventListener('change', (e) => {
    state.selectedPort = e.target.value;
    drawCharts();
  });
  poll();
  showVersion();
}

window.addEventListener('load', start);
