'use strict';
// Expressions, titles and legends of the panels the overview and the port detail share (UDP,
// TCP connection quality), from the dashboard's view of the per-port series:
//   sel    the matchers every selector carries
//   by     the labels every panel groups by: ['port'] on the overview, [] for one port
//   scope  the ports in words, for descriptions
// Each function takes `extra`, the labels a panel groups by besides those of the view.
const { R } = require('./grafana');

const labels = (view, extra = []) => [...view.by, ...extra];

// sum by (the labels) of expr, or sum of it when there are none.
function sum(view, extra, expr) {
  const by = labels(view, extra);
  return by.length ? `sum by (${by.join(', ')}) (${expr})` : `sum(${expr})`;
}

// The per-second rate of a counter; matchers: more label matchers, each after a comma.
function rate(view, metric, extra = [], matchers = '') {
  return sum(view, extra, `rate(${metric}{${view.sel}${matchers}}${R})`);
}

// Quantile q of a histogram (metric without _bucket).
function quantile(view, q, metric, extra = []) {
  return `histogram_quantile(${q}, ${sum(view, [...extra, 'le'], `rate(${metric}_bucket{${view.sel}}${R})`)})`;
}

// " by port and reason", or "" without labels.
function by(view, extra = []) {
  const all = labels(view, extra);
  return all.length ? ` by ${all.join(' and ')}` : '';
}

// The legend: the labels, then text ("{{port}} {{direction}} p99").
function legend(view, extra, text) {
  return [...labels(view, extra).map((l) => `{{${l}}}`), text].filter(Boolean).join(' ');
}

// The legend of a panel with one series per label set: the labels, or `fallback` without any.
function named(view, extra, fallback) {
  return legend(view, extra, '') || fallback;
}

module.exports = { sum, rate, quantile, by, legend, named };
