'use strict';
// Broken copies for structure_check.js: each mutates the dashboards (by uid) so that exactly one
// rule is broken, and names the error the check must report.
const OVERVIEW = 'socket-exporter-overview';
const ATTACKS = 'socket-exporter-attacks';
const DETAIL = 'socket-exporter-port-detail';

const panel = (d, type) => d.panels.find((p) => p.type === (type || 'timeseries'));
const firstTarget = (d, type) => panel(d, type).targets[0];
const variable = (d, name) => d.templating.list.find((v) => v.name === name);

const cases = [
  {
    name: 'a hard-coded data source uid on a panel',
    mutate: (d) => { panel(d[OVERVIEW]).datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' }; },
    expect: /datasource is \{"type":"prometheus","uid":"P1809F7CD0C75ACF3"\}/,
  },
  {
    name: 'a hard-coded data source uid on a target',
    mutate: (d) => { firstTarget(d[ATTACKS]).datasource = { uid: 'prometheus' }; },
    expect: /targets\[0\]\.datasource is \{"uid":"prometheus"\}/,
  },
  {
    name: 'the built-in Grafana annotation data source',
    mutate: (d) => {
      d[OVERVIEW].annotations.list.push({ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' });
    },
    expect: /annotations\.list\[0\]\.datasource is/,
  },
  {
    name: 'an expression without $instance',
    mutate: (d) => { const t = firstTarget(d[OVERVIEW]); t.expr = t.expr.replace(', instance=~"$instance"', ''); },
    expect: /lacks job=~"\$job" and instance=~"\$instance"/,
  },
  {
    name: 'a metric without any matcher',
    mutate: (d) => { firstTarget(d[ATTACKS]).expr = 'sum(socket_port_scan_sources)'; },
    expect: /socket_port_scan_sources without \{job=~"\$job", instance=~"\$instance"\}/,
  },
  {
    name: 'a port metric not filtered on $port',
    mutate: (d) => { const t = firstTarget(d[DETAIL]); t.expr = t.expr.replace(', port="$port"', ''); },
    expect: /port-detail\.json: .*has a port label but does not filter on \$port/,
  },
  {
    name: 'one selector over several metrics',
    mutate: (d) => {
      panel(d[OVERVIEW], 'bargauge').targets[0].expr = 'topk(10, sum by (port) (rate({__name__=~"socket_tcp_(connects|accepts)_total", ' +
        'job=~"$job", instance=~"$instance", port=~"$port"}[$__rate_interval])))';
    },
    expect: /selects socket_tcp_connects_total, socket_tcp_accepts_total: functions drop the metric name/,
  },
  {
    name: 'rate over [5m]',
    mutate: (d) => { const t = firstTarget(d[OVERVIEW]); t.expr = t.expr.replace('[$__rate_interval]', '[5m]'); },
    expect: /range \[5m\] instead of \[\$__rate_interval\]/,
  },
  {
    name: 'a panel without a unit',
    mutate: (d) => { delete panel(d[ATTACKS], 'stat').fieldConfig.defaults.unit; },
    expect: /unit undefined is not one of/,
  },
  {
    name: 'time range now-6h',
    mutate: (d) => { d[DETAIL].time.from = 'now-6h'; },
    expect: /port-detail\.json: time must be now-1h to now/,
  },
  {
    name: 'refresh 1m',
    mutate: (d) => { d[ATTACKS].refresh = '1m'; },
    expect: /attacks\.json: refresh must be 30s/,
  },
  {
    name: 'no port variable',
    mutate: (d) => { d[OVERVIEW].templating.list = d[OVERVIEW].templating.list.filter((v) => v.name !== 'port'); },
    expect: /overview\.json: variable port is missing/,
  },
  {
    name: 'a per-workload metric not filtered on $pod',
    mutate: (d) => { const t = firstTarget(d[OVERVIEW]); t.expr = t.expr.replace(', pod=~"$pod"', ''); },
    expect: /overview\.json: .*has a pod label but does not filter on \$pod/,
  },
  {
    name: 'a workload label matched with = (All would hide series without it)',
    mutate: (d) => {
      const t = firstTarget(d[DETAIL]);
      t.expr = t.expr.replace('namespace=~"$namespace"', 'namespace="$namespace"');
    },
    expect: /port-detail\.json: .*has a namespace label but does not filter on \$namespace with =~/,
  },
  {
    name: 'no pod variable',
    mutate: (d) => { d[ATTACKS].templating.list = d[ATTACKS].templating.list.filter((v) => v.name !== 'pod'); },
    expect: /attacks\.json: variable pod is missing/,
  },
  {
    name: 'a pod variable whose All is not .*',
    mutate: (d) => { delete variable(d[OVERVIEW], 'pod').allValue; },
    expect: /overview\.json: variable pod must be multi-value with All \(allValue \.\*/,
  },
  {
    name: 'a namespace variable that opens on one namespace',
    mutate: (d) => { variable(d[DETAIL], 'namespace').current = { selected: true, text: ['default'], value: ['default'] }; },
    expect: /port-detail\.json: variable namespace must open on All/,
  },
  {
    name: 'a pod variable not within $namespace',
    mutate: (d) => { const v = variable(d[OVERVIEW], 'pod'); v.query = v.query.replace(', namespace=~"$namespace"', ''); },
    expect: /overview\.json: variable pod must be a query of the datasource variable: label_values/,
  },
  {
    name: 'a port variable not filtered on the workload',
    mutate: (d) => { const v = variable(d[DETAIL], 'port'); v.query = v.query.replace(', pod=~"$pod"', ''); },
    expect: /port-detail\.json: variable port must filter on namespace=~"\$namespace" and pod=~"\$pod"/,
  },
  {
    name: 'the per-workload panels removed',
    mutate: (d) => { d[DETAIL].panels = d[DETAIL].panels.filter((p) => !/workload/i.test(p.title)); },
    expect: /port-detail\.json: no panel shows socket_tcp_accepts_total by workload/,
  },
  {
    name: 'the folded connections panel removed',
    mutate: (d) => {
      d[OVERVIEW].panels = d[OVERVIEW].panels.filter((p) => !JSON.stringify(p.targets || []).includes('folded'));
    },
    expect: /overview\.json: no panel shows socket_exporter_series_folded_total/,
  },
  {
    name: 'a multi-value port on the port detail dashboard',
    mutate: (d) => { variable(d[DETAIL], 'port').multi = true; },
    expect: /variable port must take exactly one port/,
  },
  {
    name: 'an instance variable not filtered on $job',
    mutate: (d) => { variable(d[ATTACKS], 'instance').query = 'label_values(socket_exporter_build_info, instance)'; },
    expect: /variable instance must be/,
  },
  {
    name: 'two dashboards with one uid',
    mutate: (d) => { d[ATTACKS].uid = OVERVIEW; },
    expect: /uid socket-exporter-overview is also the uid of overview\.json/,
  },
  {
    name: 'a metric that docs/metrics.md does not name',
    mutate: (d) => { const t = firstTarget(d[OVERVIEW]); t.expr = t.expr.replace('socket_tcp_connects_total', 'socket_tcp_conects_total'); },
    expect: /socket_tcp_conects_total is not in docs\/metrics\.md/,
  },
  {
    name: 'a label the metric does not have',
    mutate: (d) => { const t = firstTarget(d[OVERVIEW]); t.expr = t.expr.replace('port=~"$port"', 'port=~"$port", reason="refused"'); },
    expect: /socket_tcp_connects_total has no label reason/,
  },
  {
    name: 'grouping by an unknown label',
    mutate: (d) => { const t = firstTarget(d[ATTACKS]); t.expr = `sum by (prot) (${t.expr})`; },
    expect: /label prot is not a label of the metrics/,
  },
  {
    name: 'a legend naming an unknown label',
    mutate: (d) => { firstTarget(d[DETAIL]).legendFormat = '{{prot}}'; },
    expect: /legendFormat \{\{prot\}\} is not a label/,
  },
  {
    name: 'a PromQL syntax error',
    mutate: (d) => { const t = firstTarget(d[OVERVIEW]); t.expr = t.expr.replace(/\)$/, ''); },
    expect: /promtool: .*(unclosed|parse error|unexpected)/i,
  },
  {
    name: 'overlapping panels',
    mutate: (d) => { const [a, b] = d[OVERVIEW].panels.filter((p) => p.type === 'timeseries'); b.gridPos = { ...a.gridPos }; },
    expect: /gridPos overlaps panel/,
  },
  {
    name: 'the UDP row removed',
    mutate: (d) => {
      d[OVERVIEW].panels = d[OVERVIEW].panels.filter((p) => !JSON.stringify(p.targets || []).includes('socket_udp_'));
    },
    expect: /overview\.json: no timeseries panel shows socket_udp_received_datagrams_total/,
  },
  {
    name: 'the round-trip time heatmap removed',
    mutate: (d) => {
      d[DETAIL].panels = d[DETAIL].panels.filter((p) => !(p.type === 'heatmap' && /rtt/.test(JSON.stringify(p.targets))));
    },
    expect: /port-detail\.json: no heatmap panel shows socket_tcp_rtt_seconds_bucket/,
  },
  {
    name: 'the port scans not split by protocol',
    mutate: (d) => {
      for (const p of d[ATTACKS].panels.filter((x) => x.type === 'timeseries')) {
        for (const t of p.targets) t.expr = t.expr.replace('sum by (protocol) (socket_port_scan_sources', 'sum(socket_port_scan_sources');
      }
    },
    expect: /attacks\.json: no timeseries panel shows socket_port_scan_sources by protocol/,
  },
  {
    name: 'a UDP metric filtered on the workload (it has no workload labels)',
    mutate: (d) => {
      const t = d[DETAIL].panels.find((p) => /UDP drops/.test(p.title || '')).targets[0];
      t.expr = t.expr.replace('port="$port"', 'port="$port", pod=~"$pod"');
    },
    expect: /port-detail\.json: .*socket_udp_drops_total has no label pod/,
  },
  {
    name: 'the SYN flood state timeline removed',
    mutate: (d) => { d[ATTACKS].panels = d[ATTACKS].panels.filter((p) => p.type !== 'state-timeline'); },
    expect: /attacks\.json: no state-timeline panel shows socket_syn_flood_active/,
  },
];

module.exports = { cases };
