'use strict';
// What the structure check needs to know about PromQL and about the exporter's metrics: the
// metrics and labels of docs/metrics.md, the selectors, ranges and label names of an
// expression, and a syntax check of many expressions at once with promtool.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

// name -> { type, labels: Set } from the tables of docs/metrics.md; histograms also give
// NAME_bucket (with le), NAME_sum and NAME_count. A metric in several rows (its own, and one
// that lists labels some metrics gain, such as the workload labels) has the labels of all; its
// type is the first one given that is a metric type.
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function documentedMetrics(file) {
  const rows = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1].startsWith('`')) continue;
    const names = [...cells[1].matchAll(/`([a-z_:][a-z0-9_:]*)`/g)].map((m) => m[1]);
    const type = cells[2].split(' ')[0];
    const labels = cells[3] === '—' ? [] : cells[3].split(',').map((l) => l.trim()).filter(Boolean);
    for (const name of names) {
      const row = rows.get(name) || { type: null, labels: new Set() };
      if (!row.type && TYPES.has(type)) row.type = type;
      labels.forEach((l) => row.labels.add(l));
      rows.set(name, row);
    }
  }
  const metrics = new Map();
  for (const [name, { type, labels }] of rows) {
    metrics.set(name, { type, labels });
    if (type === 'histogram') {
      metrics.set(`${name}_bucket`, { type: 'counter', labels: new Set([...labels, 'le']) });
      metrics.set(`${name}_sum`, { type: 'counter', labels: new Set(labels) });
      metrics.set(`${name}_count`, { type: 'counter', labels: new Set(labels) });
    }
  }
  return metrics;
}

// The vector selectors of an expression: { text, name, matchers: [{ label, op, value }] }, and
// the metric names used without braces (selectors without any matcher).
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

function selectors(expr) {
  // String literals blanked (same length), so braces and names inside them do not count.
  const masked = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => `"${' '.repeat(s.length - 2)}"`);
  const braces = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{[^}]*\}/g;
  const out = [];
  for (const m of masked.matchAll(braces)) {
    const text = expr.slice(m.index, m.index + m[0].length);
    const body = text.slice(text.indexOf('{') + 1, -1);
    const matchers = [...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)]
      .map((x) => ({ label: x[1], op: x[2], value: x[3] }));
    out.push({ text, name: m[1] || null, matchers });
  }
  const rest = masked.replace(braces, ' ').replace(GROUPING, ' ').replace(/\[[^\]]*\]/g, ' ')
    .replace(/"\s*"/g, ' ').replace(/(^|[^a-zA-Z0-9_:.])\d+(\.\d+)?(e[+-]?\d+)?/gi, '$1 ');
  const bare = [...rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => !m[2] && !KEYWORDS.has(m[1].toLowerCase()))
    .map((m) => m[1]);
  return { selectors: out, bare };
}

// The metric names a selector can select, from its name or its __name__ matcher.
function selectedNames(sel, metrics) {
  if (sel.name) return [sel.name];
  const byName = sel.matchers.find((x) => x.label === '__name__');
  if (!byName) return [];
  if (byName.op === '=') return [byName.value];
  if (byName.op === '=~') {
    const re = new RegExp(`^(?:${byName.value})$`);
    return [...metrics.keys()].filter((n) => re.test(n));
  }
  return [];
}

// Label names an expression mentions: grouping clauses, and labels added by label_replace.
function groupingLabels(expr) {
  const out = [];
  for (const m of expr.matchAll(GROUPING)) {
    out.push(...m[2].split(',').map((l) => l.trim()).filter(Boolean));
  }
  return out;
}

function addedLabels(expr) {
  return [...expr.matchAll(/label_replace\(([^"]*?),\s*"([a-zA-Z_][a-zA-Z0-9_]*)"/g)].map((m) => m[2]);
}

function ranges(expr) {
  return [...expr.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
}

function variablesUsed(expr) {
  return [...expr.matchAll(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1]);
}

// Grafana's variables replaced by plausible values, for a parser that does not know them.
function substitute(expr) {
  return expr
    .replace(/\$\{?__rate_interval\}?/g, '1m')
    .replace(/\$\{?job\}?/g, 'socket_exporter')
    .replace(/\$\{?instance\}?/g, 'localhost:9976')
    .replace(/\$\{?port\}?/g, '9976')
    .replace(/\$\{?(namespace|pod)\}?/g, '.*');
}

// Parses every expression with Prometheus' own parser (promtool check rules on recording
// rules). exprs: [{ where, expr }]. Returns error strings naming `where`.
function promtoolErrors(promtool, exprs, workDir) {
  const file = path.join(workDir, `exprs-${process.pid}-${Date.now()}.yml`);
  const lines = ['groups:', '  - name: dashboards', '    rules:'];
  exprs.forEach((e, i) => {
    lines.push(`      - record: dashboard_expr_${i}`, `        expr: ${JSON.stringify(substitute(e.expr))}`);
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
  fs.rmSync(file, { force: true });
  if (r.error) return [`promtool (${promtool}): ${r.error.message}`];
  if (r.status === 0) return [];
  const output = (r.stdout + r.stderr).trim();
  const errors = [];
  for (const m of output.matchAll(/dashboard_expr_(\d+)"?:?\s*(.*)/g)) {
    const e = exprs[Number(m[1])];
    errors.push(`${e.where}: promtool: ${m[2].trim()} in ${e.expr}`);
  }
  return errors.length ? errors : [`promtool check rules failed: ${output}`];
}

module.exports = {
  documentedMetrics, selectors, selectedNames, groupingLabels, addedLabels, ranges, variablesUsed,
  substitute, promtoolErrors,
};
