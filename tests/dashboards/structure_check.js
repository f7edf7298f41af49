#!/usr/bin/env node
'use strict';
// The rules for socket_exporter's dashboards that a schema cannot express: the data source is
// always the `datasource` variable, every selector filters on $job and $instance (and on $port
// where the metric has a port, on $namespace and $pod where it has the workload labels), every
// range is $__rate_interval, every panel has a unit, the metrics and labels are those of
// docs/metrics.md, every expression parses (promtool), time range, refresh, variables, uids,
// layout, and what each dashboard must show.
// Then it proves the rules can fail: broken copies (a hard-coded data source uid, a [5m] range,
// a missing unit, ...; structure_mutations.js) must each be rejected by the rule they break.
//
// usage: structure_check.js --promtool PATH [--dashboards DIR] [--metrics FILE]
//   --metrics: the metrics reference to check against instead of docs/metrics.md
const os = require('os');
const path = require('path');
const common = require('./common');
const promql = require('./promql');
const mutations = require('./structure_mutations');

const DS = { type: 'prometheus', uid: '${datasource}' };
const UNITS = new Set(['s', 'ms', 'bytes', 'Bps', 'ops', 'reqps', 'percentunit', 'short']);
const KNOWN_VARIABLES = new Set(['job', 'instance', 'namespace', 'pod', 'port', '__rate_interval']);
// A selector of a metric with one of these labels must filter on its variable. The workload
// labels only with =~: All (.*) then also matches the series without them (no attribution, a
// workload outside Kubernetes), so the panels show every series until a pod is chosen.
const FILTERED = [
  { label: 'port', variable: '$port', ops: ['=', '=~'] },
  { label: 'namespace', variable: '$namespace', ops: ['=~'] },
  { label: 'pod', variable: '$pod', ops: ['=~'] },
];
const WORKLOAD_FAMILIES = [
  [null, 'socket_tcp_accepts_total', 'workload'], [null, 'socket_tcp_connects_total', 'workload'],
  [null, 'socket_tcp_connect_failures_total', 'workload'],
  [null, 'socket_tcp_resets_sent_total', 'workload'],
  [null, 'socket_tcp_connection_duration_seconds_bucket', 'workload'],
  ['bargauge', 'socket_tcp_connects_total', 'workload'],
];
// The TCP connection quality and UDP rows of both per-port dashboards.
const QUALITY_FAMILIES = [
  [null, 'socket_tcp_retransmitted_segments_total', 'direction'],
  [null, 'socket_tcp_sent_segments_total', 'direction'], ['timeseries', 'socket_tcp_rtt_seconds_bucket'],
  ['timeseries', 'socket_udp_received_datagrams_total'], ['timeseries', 'socket_udp_sent_datagrams_total'],
  [null, 'socket_udp_received_bytes_total'], [null, 'socket_udp_sent_bytes_total'],
  [null, 'socket_udp_drops_total', 'reason'], [null, 'socket_udp_no_socket_total'],
  [null, 'socket_udp_receive_queue_bytes'], [null, 'socket_udp_receive_queue_limit_bytes'],
];

// What each dashboard must show: [panel type or null for any, metric, label grouped by].
const REQUIRED = {
  'socket-exporter-overview': [
    [null, 'socket_tcp_connects_total'], [null, 'socket_tcp_accepts_total'],
    [null, 'socket_tcp_connect_failures_total'], [null, 'socket_tcp_resets_sent_total'],
    [null, 'socket_tcp_resets_received_total'], [null, 'socket_tcp_established'],
    [null, 'socket_tcp_accept_queue_length'], [null, 'socket_tcp_accept_queue_limit'],
    ['heatmap', 'socket_tcp_connect_duration_seconds_bucket'],
    ['timeseries', 'socket_tcp_connect_duration_seconds_bucket'],
    [null, 'socket_tcp_connection_duration_seconds_bucket'],
    [null, 'socket_tcp_sent_bytes_total'], [null, 'socket_tcp_received_bytes_total'],
    ['bargauge', 'socket_tcp_accepts_total'],
    [null, 'socket_exporter_probe_attached'], [null, 'socket_exporter_bpf_missed_events_total'],
    [null, 'socket_exporter_events_lost_total'],
    [null, 'socket_exporter_scrape_collector_duration_seconds'],
    [null, 'socket_exporter_config_last_reload_successful'],
    [null, 'socket_exporter_series'], [null, 'socket_exporter_series_folded_total'],
    ...WORKLOAD_FAMILIES, ...QUALITY_FAMILIES,
    ['timeseries', 'socket_tcp_rtt_seconds_bucket', 'port'], [null, 'socket_udp_drops_total', 'port'],
  ],
  'socket-exporter-attacks': [
    [null, 'socket_tcp_syns_received_total'], [null, 'socket_tcp_accepts_total'],
    [null, 'socket_tcp_listen_drops_total'], [null, 'socket_tcp_half_open'],
    [null, 'socket_tcp_accept_queue_limit'], [null, 'socket_tcp_syncookies_sent_total'],
    [null, 'socket_tcp_syncookies_failed_total'], ['state-timeline', 'socket_syn_flood_active'],
    [null, 'socket_syn_flood_detections_total'], [null, 'socket_port_scans_detected_total'],
    [null, 'socket_port_scan_sources'], [null, 'socket_suspicious_connections_total'],
    ['timeseries', 'socket_port_scans_detected_total', 'protocol'],
    ['timeseries', 'socket_port_scan_sources', 'protocol'], [null, 'socket_udp_no_socket_total'],
    [null, 'socket_exporter_event_log_suppressed_total'],
  ],
  'socket-exporter-port-detail': [
    [null, 'socket_tcp_connects_total'], [null, 'socket_tcp_accepts_total'],
    [null, 'socket_tcp_connect_failures_total'], [null, 'socket_tcp_resets_sent_total'],
    [null, 'socket_tcp_resets_received_total'], [null, 'socket_tcp_established'],
    [null, 'socket_tcp_accept_queue_length'], [null, 'socket_tcp_accept_queue_limit'],
    ['heatmap', 'socket_tcp_connect_duration_seconds_bucket'],
    [null, 'socket_tcp_connection_duration_seconds_bucket'],
    [null, 'socket_tcp_sent_bytes_total'], [null, 'socket_tcp_received_bytes_total'],
    [null, 'socket_tcp_syns_received_total'], [null, 'socket_tcp_listen_drops_total'],
    [null, 'socket_tcp_half_open'], ['state-timeline', 'socket_syn_flood_active'],
    [null, 'socket_suspicious_connections_total'], ['table', 'socket_listener_info'],
    ...WORKLOAD_FAMILIES, ...QUALITY_FAMILIES, ['heatmap', 'socket_tcp_rtt_seconds_bucket'],
  ],
};

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Every object under key `datasource`, and keys that name a data source uid by themselves.
function walkDatasources(value, where, errors) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walkDatasources(v, `${where}[${i}]`, errors));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'datasource' && typeof v === 'object' && !same(v, DS)) {
        errors.push(`${where}.datasource is ${JSON.stringify(v)}, not ${JSON.stringify(DS)}`);
      } else if (/^datasourceUid$/i.test(k)) {
        errors.push(`${where}.${k}: a hard-coded data source uid`);
      }
      walkDatasources(v, `${where}.${k}`, errors);
    }
  }
}

function checkVariables(d, where, errors) {
  const vars = Object.fromEntries(((d.templating || {}).list || []).map((v) => [v.name, v]));
  const need = (name) => {
    if (!vars[name]) errors.push(`${where}: variable ${name} is missing`);
    return vars[name] || {};
  };
  const ds = need('datasource');
  if (vars.datasource && (ds.type !== 'datasource' || ds.query !== 'prometheus')) {
    errors.push(`${where}: variable datasource must be of type datasource with query prometheus`);
  }
  for (const name of ['job', 'instance', 'port']) {
    const v = need(name);
    if (!vars[name]) continue;
    if (v.type !== 'query' || !same(v.datasource, DS)) {
      errors.push(`${where}: variable ${name} must be a query of the datasource variable`);
    }
    if (typeof v.query !== 'string' || !/^label_values\(.*\)$/.test(v.query)) {
      errors.push(`${where}: variable ${name} must be a label_values() query`);
    }
  }
  if (vars.job && vars.job.query !== 'label_values(socket_exporter_build_info, job)') {
    errors.push(`${where}: variable job must be label_values(socket_exporter_build_info, job)`);
  }
  if (vars.instance && !/^label_values\(socket_exporter_build_info\{job=~"\$job"\}, instance\)$/.test(vars.instance.query)) {
    errors.push(`${where}: variable instance must be label_values(socket_exporter_build_info{job=~"$job"}, instance)`);
  }
  if (vars.port && !(/job=~"\$job"/.test(vars.port.query) && /instance=~"\$instance"/.test(vars.port.query) &&
      /, port\)$/.test(vars.port.query))) {
    errors.push(`${where}: variable port must be label_values(...{job=~"$job", instance=~"$instance"}, port)`);
  }
  const single = d.uid === 'socket-exporter-port-detail';
  if (vars.port && single && (vars.port.multi || vars.port.includeAll)) {
    errors.push(`${where}: variable port must take exactly one port (multi and includeAll off)`);
  }
  if (vars.port && !single && !(vars.port.multi && vars.port.includeAll && vars.port.allValue === '.*')) {
    errors.push(`${where}: variable port must be multi-value with All (allValue .*)`);
  }
  checkWorkloadVariables(vars, where, errors);
  return vars;
}

// namespace and pod: the workloads' label values (pod within $namespace), any number, opening
// on All = .*, which also matches series without the label; the ports of the chosen ones.
function checkWorkloadVariables(vars, where, errors) {
  const within = { namespace: '', pod: ', namespace=~"$namespace"' };
  for (const [name, extra] of Object.entries(within)) {
    const v = vars[name];
    if (!v) {
      errors.push(`${where}: variable ${name} is missing`);
      continue;
    }
    const query = `label_values(socket_workload_info{job=~"$job", instance=~"$instance"${extra}}, ${name})`;
    if (v.type !== 'query' || !same(v.datasource, DS) || v.query !== query) {
      errors.push(`${where}: variable ${name} must be a query of the datasource variable: ${query}`);
    }
    if (!(v.multi && v.includeAll && v.allValue === '.*')) {
      errors.push(`${where}: variable ${name} must be multi-value with All (allValue .*, which matches series without ${name})`);
    }
    if (!same((v.current || {}).value, ['$__all'])) errors.push(`${where}: variable ${name} must open on All`);
  }
  const port = (vars.port || {}).query || '';
  if (vars.port && !(port.includes('namespace=~"$namespace"') && port.includes('pod=~"$pod"'))) {
    errors.push(`${where}: variable port must filter on namespace=~"$namespace" and pod=~"$pod"`);
  }
}

// A selector of a metric with port, namespace or pod labels filters on their variables.
function checkFiltered(sel, labels, name, errors) {
  for (const { label, variable, ops } of FILTERED) {
    if (!labels.has(label)) continue;
    if (!sel.matchers.some((x) => x.label === label && x.value === variable && ops.includes(x.op))) {
      errors.push(`${name}: ${sel.text} has a ${label} label but does not filter on ${variable}` +
        (ops.includes('=') ? '' : ` with =~ (${label}=~"${variable}")`));
    }
  }
}

function checkLayout(panels, where, errors) {
  const ids = new Set();
  panels.forEach((p, i) => {
    const g = p.gridPos || {};
    const name = `${where}: panel ${p.id} "${p.title}"`;
    if (ids.has(p.id)) errors.push(`${name}: duplicate panel id`);
    ids.add(p.id);
    if (!(g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24)) {
      errors.push(`${name}: gridPos ${JSON.stringify(g)} is outside the 24-column grid`);
    }
    for (const q of panels.slice(0, i)) {
      const h = q.gridPos || {};
      if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) {
        errors.push(`${name}: gridPos overlaps panel ${q.id} "${q.title}"`);
      }
    }
  });
}

// One expression: selectors, metrics and labels, ranges, variables.
function checkExpr(expr, t, name, metrics, errors) {
  const { selectors, bare } = promql.selectors(expr);
  bare.forEach((n) => errors.push(`${name}: ${n} without {job=~"$job", instance=~"$instance"} in ${expr}`));
  if (!selectors.length) errors.push(`${name}: no selector in ${expr}`);
  const known = new Set(['job', 'instance']);
  for (const sel of selectors) {
    const names = promql.selectedNames(sel, metrics);
    const undocumented = names.filter((n) => !metrics.has(n));
    if (!names.length || undocumented.length) {
      errors.push(`${name}: ${undocumented.join(', ') || sel.text} is not in docs/metrics.md`);
      continue;
    }
    if (names.length > 1) {
      errors.push(`${name}: ${sel.text} selects ${names.join(', ')}: functions drop the metric name and ` +
        'their series collide ("vector cannot contain metrics with the same labelset"); combine them with + and or');
    }
    const has = (label, value) => sel.matchers.some((x) => x.label === label && x.op === '=~' && x.value === value);
    if (!has('job', '$job') || !has('instance', '$instance')) {
      errors.push(`${name}: ${sel.text} lacks job=~"$job" and instance=~"$instance"`);
    }
    // Labels every selected metric has.
    const labels = names.map((n) => metrics.get(n).labels)
      .reduce((a, b) => new Set([...a].filter((l) => b.has(l))));
    labels.forEach((l) => known.add(l));
    for (const x of sel.matchers) {
      if (!['__name__', 'job', 'instance'].includes(x.label) && !labels.has(x.label)) {
        errors.push(`${name}: ${names.join('|')} has no label ${x.label} (docs/metrics.md)`);
      }
    }
    checkFiltered(sel, labels, name, errors);
  }
  promql.addedLabels(expr).forEach((l) => known.add(l));
  for (const l of promql.groupingLabels(expr)) {
    if (!known.has(l)) errors.push(`${name}: label ${l} is not a label of the metrics in ${expr}`);
  }
  for (const r of promql.ranges(expr)) {
    if (r !== '$__rate_interval') errors.push(`${name}: range [${r}] instead of [$__rate_interval] in ${expr}`);
  }
  if (/\b(rate|irate|increase|delta|idelta|[a-z]+_over_time)\s*\(/.test(expr) && !promql.ranges(expr).length) {
    errors.push(`${name}: a range function without [$__rate_interval] in ${expr}`);
  }
  for (const v of promql.variablesUsed(expr)) {
    if (!KNOWN_VARIABLES.has(v)) errors.push(`${name}: unknown variable $${v} in ${expr}`);
  }
  if (t.format !== 'table') {
    if (typeof t.legendFormat !== 'string' || !t.legendFormat) errors.push(`${name}: no legendFormat`);
    for (const m of (t.legendFormat || '').matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)) {
      if (!known.has(m[1])) errors.push(`${name}: legendFormat {{${m[1]}}} is not a label of ${expr}`);
    }
  }
}

function checkPanel(p, where, metrics, errors, exprs) {
  const name = `${where}: panel ${p.id} "${p.title}"`;
  if (p.type === 'row') return;
  if (!same(p.datasource, DS)) errors.push(`${name}: datasource must be ${JSON.stringify(DS)}`);
  const unit = ((p.fieldConfig || {}).defaults || {}).unit;
  if (!UNITS.has(unit)) errors.push(`${name}: unit ${JSON.stringify(unit)} is not one of ${[...UNITS].join(' ')}`);
  if (!Array.isArray(p.targets) || !p.targets.length) errors.push(`${name}: no targets`);
  for (const t of p.targets || []) {
    const tname = `${name} target ${t.refId}`;
    if (!same(t.datasource, DS)) errors.push(`${tname}: datasource must be ${JSON.stringify(DS)}`);
    if (typeof t.expr !== 'string' || !t.expr.trim()) {
      errors.push(`${tname}: no expr`);
      continue;
    }
    checkExpr(t.expr, t, tname, metrics, errors);
    exprs.push({ where: tname, expr: t.expr });
  }
}

function checkDashboard(d, where, metrics, errors, exprs) {
  if (!/^socket-exporter-[a-z-]+$/.test(d.uid || '')) errors.push(`${where}: uid ${d.uid} is not socket-exporter-...`);
  if (!same(d.time, { from: 'now-1h', to: 'now' })) errors.push(`${where}: time must be now-1h to now`);
  if (d.refresh !== '30s') errors.push(`${where}: refresh must be 30s, not ${JSON.stringify(d.refresh)}`);
  if (!(d.schemaVersion >= 39)) errors.push(`${where}: schemaVersion ${d.schemaVersion} is older than 39`);
  walkDatasources(d, where, errors);
  const vars = checkVariables(d, where, errors);
  for (const name of ['job', 'instance', 'namespace', 'pod', 'port']) {
    if (vars[name]) exprs.push({ where: `${where}: variable ${name}`, expr: vars[name].query.replace(/^label_values\((?:(.+),\s*)?[a-z_]+\)$/, '$1') || 'up' });
  }
  const panels = common.allPanels(d);
  checkLayout(panels, where, errors);
  panels.forEach((p) => checkPanel(p, where, metrics, errors, exprs));
  for (const [type, metric, by] of REQUIRED[d.uid] || []) {
    const found = panels.some((p) => (!type || p.type === type) &&
      (p.targets || []).some((t) => promql.selectors(t.expr || '').selectors
        .some((s) => promql.selectedNames(s, metrics).includes(metric)) &&
        (!by || promql.groupingLabels(t.expr).includes(by))));
    if (!found) errors.push(`${where}: no ${type || ''} panel shows ${metric}${by ? ` by ${by}` : ''}`.replace('  ', ' '));
  }
}

// All rules over a set of dashboards ([{ name, json }]). Returns error strings.
function check(dashboards, metrics, promtool) {
  const errors = [];
  const exprs = [];
  const uids = new Map();
  for (const { name, json } of dashboards) {
    if (uids.has(json.uid)) errors.push(`${name}: uid ${json.uid} is also the uid of ${uids.get(json.uid)}`);
    uids.set(json.uid, name);
    checkDashboard(json, name, metrics, errors, exprs);
  }
  if (!Object.keys(REQUIRED).every((uid) => uids.has(uid))) {
    errors.push(`dashboards: expected the uids ${Object.keys(REQUIRED).join(', ')}`);
  }
  errors.push(...promql.promtoolErrors(promtool, exprs, os.tmpdir()));
  return errors;
}

function main() {
  const argv = process.argv.slice(2);
  const option = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const promtool = option('--promtool');
  if (!promtool) common.fail('usage: structure_check.js --promtool PATH [--dashboards DIR] [--metrics FILE]');
  const reference = option('--metrics') || path.join(common.REPO, 'docs', 'metrics.md');
  const metrics = promql.documentedMetrics(reference);
  if (metrics.size < 30) common.fail(`docs/metrics.md: only ${metrics.size} metrics found; has its table format changed?`);
  const dashboards = common.readDashboards(option('--dashboards'));

  let failures = 0;
  const errors = check(dashboards, metrics, promtool);
  errors.forEach((e) => console.error(e));
  const exprCount = dashboards.reduce((n, d) => n + common.allPanels(d.json)
    .reduce((m, p) => m + (p.targets || []).length, 0), 0);
  console.log(`${errors.length ? 'FAIL' : 'ok  '} ${dashboards.length} dashboards, ${exprCount} expressions follow the rules`);
  if (errors.length) ++failures;

  for (const m of mutations.cases) {
    const broken = dashboards.map((d) => ({ name: d.name, json: common.clone(d.json) }));
    m.mutate(Object.fromEntries(broken.map((d) => [d.json.uid, d.json])));
    // Only errors the good dashboards do not have count.
    const got = check(broken, metrics, promtool).filter((e) => !errors.includes(e));
    const hit = got.find((e) => m.expect.test(e));
    console.log(`${hit ? 'ok  ' : 'FAIL'} rejects ${m.name}${hit ? `: ${hit.slice(0, 150)}` : ''}`);
    if (!hit) {
      got.forEach((e) => console.error(`  got: ${e}`));
      ++failures;
    }
  }
  if (failures) common.fail(`${failures} structure check(s) failed`);
  console.log('all structure checks passed');
}

main();
