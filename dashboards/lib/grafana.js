'use strict';
// Builders for the Grafana dashboard JSON model (schemaVersion 42, Grafana 13). Every panel is
// written out with its complete options, as Grafana itself saves them, so the files validate
// against the panel types of @grafana/schema (tests/dashboards/).

const SCHEMA_VERSION = 42;

// The only data source reference in the dashboards: the `datasource` variable.
const DS = { type: 'prometheus', uid: '${datasource}' };

// Label matchers every selector carries, with and without the port.
const S = 'job=~"$job", instance=~"$instance"';
// Matchers of the metrics counted per workload (--attribution=cgroup). Regex matchers, so that
// All (.*) also matches series without the labels (every series, without attribution).
const W = 'namespace=~"$namespace", pod=~"$pod"';
const R = '[$__rate_interval]';

function target(expr, legendFormat, extra = {}) {
  return { datasource: DS, editorMode: 'code', expr, legendFormat, range: true, refId: '', ...extra };
}

function instant(expr, legendFormat, extra = {}) {
  return target(expr, legendFormat, { instant: true, range: false, ...extra });
}

function tableTarget(expr) {
  return instant(expr, '__auto', { format: 'table' });
}

const THRESHOLDS_NONE = { mode: 'absolute', steps: [{ color: 'green', value: null }] };

function thresholds(...steps) {
  // steps: [value, color] pairs above the green base.
  return {
    mode: 'absolute',
    steps: [{ color: 'green', value: null }, ...steps.map(([value, color]) => ({ color, value }))],
  };
}

// Value mappings: {value: [text, color]}.
function valueMap(map) {
  const options = {};
  Object.entries(map).forEach(([value, [text, color]], index) => {
    options[value] = { color, index, text };
  });
  return [{ options, type: 'value' }];
}

function refIds(targets) {
  return targets.map((t, i) => ({ ...t, refId: String.fromCharCode(65 + i) }));
}

function base(type, p) {
  const panel = {
    datasource: DS,
    description: p.description,
    fieldConfig: p.fieldConfig,
    gridPos: { h: p.h || 8, w: p.w || 12, x: 0, y: 0 },
    id: 0,
    options: p.options,
    targets: refIds(p.targets),
    title: p.title,
    type,
  };
  if (p.transformations) panel.transformations = p.transformations;
  return panel;
}

const HIDE_NONE = { legend: false, tooltip: false, viz: false };
const LEGEND = { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true };
const REDUCE_LAST = { calcs: ['lastNotNull'], fields: '', values: false };

// p: title, description, unit, targets, [w, h, min, bars, stack, overrides, thresholds, legend]
function timeseries(p) {
  const defaults = {
    color: { mode: 'palette-classic' },
    custom: {
      axisPlacement: 'auto',
      drawStyle: p.bars ? 'bars' : 'line',
      fillOpacity: p.bars ? 80 : 10,
      gradientMode: 'none',
      hideFrom: HIDE_NONE,
      lineInterpolation: 'linear',
      lineWidth: 1,
      pointSize: 4,
      scaleDistribution: { type: 'linear' },
      showPoints: 'never',
      spanNulls: false,
      stacking: { group: 'A', mode: p.stack ? 'normal' : 'none' },
      thresholdsStyle: { mode: p.thresholds ? 'line' : 'off' },
    },
    mappings: [],
    thresholds: p.thresholds || THRESHOLDS_NONE,
    unit: p.unit,
  };
  if (p.min !== null) defaults.min = p.min === undefined ? 0 : p.min;
  if (p.max !== undefined) defaults.max = p.max;
  return base('timeseries', {
    ...p,
    fieldConfig: { defaults, overrides: p.overrides || [] },
    options: {
      legend: p.legend || LEGEND,
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  });
}

// p: title, description, unit, targets, [mappings, thresholds, colorMode, graph, textMode]
function stat(p) {
  return base('stat', {
    w: 4,
    h: 4,
    ...p,
    fieldConfig: {
      defaults: {
        color: { mode: 'thresholds' },
        mappings: p.mappings || [],
        thresholds: p.thresholds || THRESHOLDS_NONE,
        unit: p.unit,
      },
      overrides: [],
    },
    options: {
      colorMode: p.colorMode || 'value',
      graphMode: p.graph === false ? 'none' : 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      percentChangeColorMode: 'standard',
      reduceOptions: REDUCE_LAST,
      showPercentChange: false,
      textMode: p.textMode || 'auto',
      wideLayout: true,
    },
  });
}

// p: title, description, unit, targets (instant), [links]
function bargauge(p) {
  return base('bargauge', {
    ...p,
    fieldConfig: {
      defaults: {
        color: { mode: 'continuous-BlPu' },
        links: p.links || [],
        mappings: [],
        min: 0,
        thresholds: THRESHOLDS_NONE,
        unit: p.unit,
      },
      overrides: [],
    },
    options: {
      displayMode: 'gradient',
      legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: false },
      maxVizHeight: 300,
      minVizHeight: 16,
      minVizWidth: 8,
      namePlacement: 'auto',
      orientation: 'horizontal',
      reduceOptions: REDUCE_LAST,
      showUnfilled: true,
      sizing: 'auto',
      valueMode: 'color',
    },
  });
}

// A pre-bucketed Prometheus histogram: p.targets is one `sum by (le) (rate(..._bucket))`.
// p: title, description, targets, [unit of the y axis, default s]
function heatmap(p) {
  const unit = p.unit || 's';
  return base('heatmap', {
    ...p,
    targets: p.targets.map((t) => ({ ...t, format: 'heatmap' })),
    fieldConfig: {
      defaults: {
        custom: { hideFrom: HIDE_NONE, scaleDistribution: { type: 'linear' } },
        unit,
      },
      overrides: [],
    },
    options: {
      calculate: false,
      cellGap: 1,
      cellValues: { unit: 'ops' },
      color: {
        exponent: 0.5,
        fill: 'dark-orange',
        mode: 'scheme',
        reverse: false,
        scale: 'exponential',
        scheme: 'Oranges',
        steps: 64,
      },
      exemplars: { color: 'rgba(255,0,255,0.7)' },
      filterValues: { le: 1e-9 },
      legend: { show: true },
      rowsFrame: { layout: 'auto' },
      showValue: 'never',
      tooltip: { mode: 'single', showColorScale: false, yHistogram: true },
      yAxis: { axisPlacement: 'left', reverse: false, unit },
    },
  });
}

// An instant query shown as a table. p: title, description, unit, targets, [rename, exclude]
function table(p) {
  const excludeByName = { Time: true, __name__: true, job: true };
  (p.exclude || []).forEach((name) => { excludeByName[name] = true; });
  return base('table', {
    ...p,
    fieldConfig: {
      defaults: {
        color: { mode: 'thresholds' },
        custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false },
        mappings: [],
        thresholds: THRESHOLDS_NONE,
        unit: p.unit,
      },
      overrides: [],
    },
    options: { cellHeight: 'sm', frameIndex: 0, showHeader: true },
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName, indexByName: {}, renameByName: p.rename || {} } },
    ],
  });
}

// p: title, description, unit, targets, mappings
function stateTimeline(p) {
  return base('state-timeline', {
    ...p,
    fieldConfig: {
      defaults: {
        color: { mode: 'thresholds' },
        custom: { fillOpacity: 70, hideFrom: HIDE_NONE, lineWidth: 0 },
        mappings: p.mappings,
        thresholds: THRESHOLDS_NONE,
        unit: p.unit,
      },
      overrides: [],
    },
    options: {
      alignValue: 'left',
      legend: LEGEND,
      mergeValues: true,
      rowHeight: 0.9,
      showValue: 'auto',
      tooltip: { mode: 'single', sort: 'none' },
    },
  });
}

function row(title) {
  return { collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 0 }, id: 0, panels: [], title, type: 'row' };
}

// Places panels left to right, 24 columns wide, starting a new line when one does not fit and
// at every row; numbers the panels.
function layout(panels) {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return panels.map((panel, index) => {
    const { w, h } = panel.gridPos;
    if (panel.type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    const placed = { ...panel, gridPos: { h, w, x, y }, id: index + 1 };
    x += w;
    lineHeight = Math.max(lineHeight, h);
    if (panel.type === 'row') {
      y += h;
      x = 0;
      lineHeight = 0;
    }
    return placed;
  });
}

function queryVariable(name, label, query, extra) {
  return {
    datasource: DS,
    hide: 0,
    includeAll: false,
    label,
    multi: false,
    name,
    options: [],
    query,
    refresh: 2,
    regex: '',
    skipUrlSync: false,
    sort: 1,
    type: 'query',
    ...extra,
  };
}

// The ports of TCP services and clients, and of UDP datagrams (per port only: a UDP port is
// offered while no pod is chosen).
const PORT_QUERY = 'label_values({__name__=~"socket_tcp_(accepts|connects)_total|socket_udp_received_datagrams_total", ' +
  `${S}, ${W}}, port)`;

// namespace and pod: any number, All by default; All is .* so that series without the label
// (no attribution, or a workload outside Kubernetes) still match.
const ALL = { selected: true, text: ['All'], value: ['$__all'] };
const WORKLOAD_VARIABLE = { allValue: '.*', current: ALL, includeAll: true, multi: true };

function workloadVariables() {
  return [
    queryVariable('namespace', 'Namespace',
      `label_values(socket_workload_info{${S}}, namespace)`, WORKLOAD_VARIABLE),
    queryVariable('pod', 'Pod',
      `label_values(socket_workload_info{${S}, namespace=~"$namespace"}, pod)`, WORKLOAD_VARIABLE),
  ];
}

// portMulti: the overview dashboards take any number of ports (All = every port, also those not
// listed); the port detail dashboard takes exactly one.
function variables(portMulti) {
  const port = portMulti
    ? { allValue: '.*', includeAll: true, multi: true, sort: 3 }
    : { includeAll: false, multi: false, sort: 3 };
  return [
    {
      hide: 0,
      includeAll: false,
      label: 'Data source',
      multi: false,
      name: 'datasource',
      options: [],
      query: 'prometheus',
      refresh: 1,
      regex: '',
      skipUrlSync: false,
      type: 'datasource',
    },
    queryVariable('job', 'Job', 'label_values(socket_exporter_build_info, job)',
      { includeAll: true, multi: true }),
    queryVariable('instance', 'Instance',
      'label_values(socket_exporter_build_info{job=~"$job"}, instance)',
      { includeAll: true, multi: true }),
    ...workloadVariables(),
    queryVariable('port', 'Port', PORT_QUERY, port),
  ];
}

function dashboard({ uid, title, description, panels, portMulti }) {
  return {
    annotations: { list: [] },
    description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [
      {
        asDropdown: true,
        icon: 'external link',
        includeVars: true,
        keepTime: true,
        tags: ['socket_exporter'],
        targetBlank: false,
        title: 'socket_exporter dashboards',
        tooltip: '',
        type: 'dashboards',
      },
    ],
    liveNow: false,
    panels: layout(panels),
    refresh: '30s',
    schemaVersion: SCHEMA_VERSION,
    tags: ['socket_exporter', 'tcp', 'udp', 'ebpf'],
    templating: { list: variables(portMulti) },
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title,
    uid,
    version: 1,
    weekStart: '',
  };
}

// A field override that draws the series of query refId below the axis (sent under received).
function negativeY(refId) {
  return [{
    matcher: { id: 'byFrameRefID', options: refId },
    properties: [{ id: 'custom.transform', value: 'negative-Y' }],
  }];
}

// A data link from a per-port series to the port detail dashboard.
const PORT_DETAIL_LINK = {
  title: 'Port detail',
  url: '/d/socket-exporter-port-detail/socket-exporter-port-detail?${__url_time_range}' +
    '&${datasource:queryparam}&${job:queryparam}&${instance:queryparam}' +
    '&${namespace:queryparam}&${pod:queryparam}&var-port=${__field.labels.port}',
};

module.exports = {
  DS, S, W, R, SCHEMA_VERSION, PORT_DETAIL_LINK,
  target, instant, tableTarget, thresholds, valueMap, negativeY,
  timeseries, stat, bargauge, heatmap, table, stateTimeline, row, dashboard,
};
