'use strict';
// Broken copies for check_compose.js: each breaks one thing in the parsed files (compose,
// prometheus, datasources, providers) and names the error the check must report.
const cases = [
  {
    name: 'no prometheus service',
    mutate: (d) => { delete d.compose.services.prometheus; },
    expect: /service prometheus is missing/,
  },
  {
    name: 'an unprivileged exporter',
    mutate: (d) => { delete d.compose.services.socket_exporter.privileged; },
    expect: /socket_exporter must run privileged/,
  },
  {
    name: 'the exporter without kernel BTF',
    mutate: (d) => {
      const s = d.compose.services.socket_exporter;
      s.volumes = s.volumes.filter((v) => !v.startsWith('/sys/kernel/btf'));
    },
    expect: /must mount \/sys\/kernel\/btf at \/sys\/kernel\/btf read-only/,
  },
  {
    name: 'a writable cgroup mount',
    mutate: (d) => {
      const s = d.compose.services.socket_exporter;
      s.volumes = s.volumes.map((v) => v.replace('/sys/fs/cgroup:/sys/fs/cgroup:ro', '/sys/fs/cgroup:/sys/fs/cgroup'));
    },
    expect: /must mount \/sys\/fs\/cgroup at \/sys\/fs\/cgroup read-only/,
  },
  {
    name: 'grafana without the provisioning mount',
    mutate: (d) => {
      const s = d.compose.services.grafana;
      s.volumes = s.volumes.filter((v) => !v.includes('/etc/grafana/provisioning'));
    },
    expect: /grafana must mount dashboards\/provisioning at \/etc\/grafana\/provisioning/,
  },
  {
    name: 'a provider path that is not the dashboards mount',
    mutate: (d) => { d.providers.providers[0].options.path = '/var/lib/grafana/dashboards'; },
    expect: /provider path \/var\/lib\/grafana\/dashboards is .*, not dashboards\//,
  },
  {
    name: 'the dashboards mounted elsewhere',
    mutate: (d) => {
      const s = d.compose.services.grafana;
      s.volumes = s.volumes.map((v) => v.replace(':/var/lib/grafana/dashboards/socket_exporter:', ':/dashboards:'));
    },
    expect: /provider path \/var\/lib\/grafana\/dashboards\/socket_exporter is .*not dashboards\/|not mounted in grafana/,
  },
  {
    name: 'a data source url on another port',
    mutate: (d) => { d.datasources.datasources[0].url = 'http://prometheus:9091'; },
    expect: /url port 9091 is not Prometheus' port 9090/,
  },
  {
    name: 'a data source url naming no service',
    mutate: (d) => { d.datasources.datasources[0].url = 'http://prom:9090'; },
    expect: /url host prom is not a compose service/,
  },
  {
    name: 'grafana on the host network without the prometheus host entry',
    mutate: (d) => { delete d.compose.services.grafana.extra_hosts; },
    expect: /needs extra_hosts prometheus:127\.0\.0\.1/,
  },
  {
    name: 'a data source that is not the default',
    mutate: (d) => { d.datasources.datasources[0].isDefault = false; },
    expect: /default prometheus data source named Prometheus/,
  },
  {
    name: 'a rule file that does not exist',
    mutate: (d) => { d.prometheus.rule_files = ['../rules/alerts.yml']; },
    expect: /rule file \.\.\/rules\/alerts\.yml is not deploy\/prometheus\/alerts\.yml/,
  },
  {
    name: 'the config mounted without the rule files beside it',
    mutate: (d) => {
      const s = d.compose.services.prometheus;
      s.volumes = ['./prometheus.yml:/etc/socket_exporter/deploy/compose/prometheus.yml:ro'];
    },
    expect: /in the prometheus container, rule file \.\.\/prometheus\/alerts\.yml is not mounted/,
  },
  {
    name: 'a scrape target on another port',
    mutate: (d) => { d.prometheus.scrape_configs[0].static_configs[0].targets = ['localhost:9100']; },
    expect: /does not scrape localhost:9976/,
  },
  {
    name: 'a scrape job under another name',
    mutate: (d) => { d.prometheus.scrape_configs[0].job_name = 'socket-exporter'; },
    expect: /no scrape job socket_exporter/,
  },
  {
    name: 'grafana without anonymous viewers',
    mutate: (d) => { delete d.compose.services.grafana.environment.GF_AUTH_ANONYMOUS_ENABLED; },
    expect: /grafana must allow anonymous viewers/,
  },
];

module.exports = { cases };
