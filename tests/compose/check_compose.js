#!/usr/bin/env node
'use strict';
// The compose quickstart fits together: deploy/compose/compose.yaml, its prometheus.yml and
// Grafana's provisioning files (dashboards/provisioning/). Paths are followed through the
// containers' mounts back to the repository, so a renamed file or a moved mount fails here.
// Then it proves the checks can fail: broken copies (mutations.js) must each be rejected, and
// promtool must reject prometheus.yml copied where ../prometheus/alerts.yml does not exist.
//
// usage: check_compose.js --promtool PATH
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const common = require('../dashboards/common');
const mutations = require('./mutations');

const COMPOSE_DIR = path.join(common.REPO, 'deploy', 'compose');
const FILES = {
  compose: path.join(COMPOSE_DIR, 'compose.yaml'),
  prometheus: path.join(COMPOSE_DIR, 'prometheus.yml'),
  datasources: path.join(common.REPO, 'dashboards', 'provisioning', 'datasources', 'prometheus.yml'),
  providers: path.join(common.REPO, 'dashboards', 'provisioning', 'dashboards', 'socket_exporter.yml'),
};

function load() {
  const YAML = common.loadModule('yaml');
  const docs = {};
  for (const [key, file] of Object.entries(FILES)) docs[key] = YAML.parse(fs.readFileSync(file, 'utf8'));
  return docs;
}

// "SRC:DST[:MODE]" or the long syntax -> { source (host path), target, readOnly }.
function mounts(service) {
  return (service.volumes || []).map((v) => {
    if (typeof v === 'object') {
      return { source: v.source, target: v.target, readOnly: Boolean(v.read_only), bind: v.type === 'bind' };
    }
    const [source, target, mode] = v.split(':');
    const bind = /^[./~]/.test(source);
    return { source: bind ? path.resolve(COMPOSE_DIR, source) : source, target, readOnly: mode === 'ro', bind };
  });
}

// The host path behind a container path, through the service's bind mounts (deepest first).
function hostPath(service, containerPath) {
  const ms = mounts(service).filter((m) => m.bind)
    .sort((a, b) => b.target.length - a.target.length);
  for (const m of ms) {
    const rel = path.posix.relative(m.target, containerPath);
    if (!rel.startsWith('..') && !path.posix.isAbsolute(rel)) return path.join(m.source, rel);
  }
  return null;
}

function flag(service, name) {
  const cmd = service.command || [];
  const args = Array.isArray(cmd) ? cmd : String(cmd).split(/\s+/);
  const hit = args.find((a) => a === name || a.startsWith(`${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : true;
}

const portOf = (address, fallback) => Number(String(address || `:${fallback}`).split(':').pop());

function check(docs) {
  const errors = [];
  const err = (m) => errors.push(m);
  const services = (docs.compose || {}).services || {};
  for (const name of ['socket_exporter', 'prometheus', 'grafana']) {
    if (!services[name]) err(`compose.yaml: service ${name} is missing`);
  }
  const exporter = services.socket_exporter || {};
  const prom = services.prometheus || {};
  const grafana = services.grafana || {};

  // socket_exporter: built from the repository, privileged, host namespaces, read-only mounts.
  const build = exporter.build || {};
  if (path.resolve(COMPOSE_DIR, build.context || '.') !== common.REPO || build.dockerfile !== 'Dockerfile') {
    err('compose.yaml: socket_exporter must be built from the repository root with Dockerfile');
  }
  if (exporter.privileged !== true) err('compose.yaml: socket_exporter must run privileged');
  if (exporter.pid !== 'host') err('compose.yaml: socket_exporter needs pid: host');
  for (const [name, s] of Object.entries(services)) {
    if (s.network_mode !== 'host') err(`compose.yaml: ${name} must use network_mode: host`);
  }
  const procfs = flag(exporter, '--path.procfs') || '/proc';
  for (const [target, host] of [['/sys/kernel/btf', '/sys/kernel/btf'], ['/sys/fs/cgroup', '/sys/fs/cgroup'], [procfs, '/proc']]) {
    const m = mounts(exporter).find((x) => x.target === target);
    if (target === '/proc' && !m) continue;  // the container's own /proc shows the host's PIDs
    if (!m || m.source !== host || !m.readOnly) err(`compose.yaml: socket_exporter must mount ${host} at ${target} read-only`);
  }
  const exporterPort = portOf(flag(exporter, '--web.listen-address'), 9976);

  // Prometheus: its config and rule files, through its mounts, are the repository's.
  if (!String(prom.image || '').startsWith('prom/prometheus:')) err('compose.yaml: prometheus must run prom/prometheus:VERSION');
  const configPath = flag(prom, '--config.file') || '/etc/prometheus/prometheus.yml';
  const configHost = hostPath(prom, configPath);
  if (configHost !== FILES.prometheus) {
    err(`compose.yaml: prometheus reads ${configPath}, which is ${configHost || 'not mounted'}, not deploy/compose/prometheus.yml`);
  }
  const pconf = docs.prometheus || {};
  const rules = pconf.rule_files || [];
  if (!rules.length) err('prometheus.yml: no rule_files');
  for (const rule of rules) {
    const inRepo = path.resolve(path.dirname(FILES.prometheus), rule);
    const inContainer = hostPath(prom, path.posix.resolve(path.posix.dirname(configPath), rule));
    if (inRepo !== path.join(common.REPO, 'deploy', 'prometheus', 'alerts.yml') || !fs.existsSync(inRepo)) {
      err(`prometheus.yml: rule file ${rule} is not deploy/prometheus/alerts.yml`);
    } else if (inContainer !== inRepo) {
      err(`compose.yaml: in the prometheus container, rule file ${rule} is ${inContainer || 'not mounted'}`);
    }
  }
  const job = (pconf.scrape_configs || []).find((j) => j.job_name === 'socket_exporter');
  if (!job) err('prometheus.yml: no scrape job socket_exporter (the alert rules select job="socket_exporter")');
  const targets = job ? (job.static_configs || []).flatMap((c) => c.targets || []) : [];
  if (job && !targets.includes(`localhost:${exporterPort}`)) {
    err(`prometheus.yml: job socket_exporter does not scrape localhost:${exporterPort}, where the exporter listens`);
  }
  if (job && (job.scrape_interval || (pconf.global || {}).scrape_interval) !== '5s') err('prometheus.yml: scrape socket_exporter every 5s');

  // Grafana: provisioning and dashboards mounted where the provisioning files say.
  if (!String(grafana.image || '').startsWith('grafana/grafana:')) err('compose.yaml: grafana must run grafana/grafana:VERSION');
  if (hostPath(grafana, '/etc/grafana/provisioning') !== path.join(common.REPO, 'dashboards', 'provisioning')) {
    err('compose.yaml: grafana must mount dashboards/provisioning at /etc/grafana/provisioning');
  }
  const env = grafana.environment || {};
  if (String(env.GF_AUTH_ANONYMOUS_ENABLED) !== 'true' || env.GF_AUTH_ANONYMOUS_ORG_ROLE !== 'Viewer') {
    err('compose.yaml: grafana must allow anonymous viewers');
  }
  if (String(env.GF_SERVER_HTTP_PORT || '3000') !== '3000') err('compose.yaml: grafana must listen on 3000');
  const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
  if (home && !fs.existsSync(hostPath(grafana, home) || '/nonexistent')) err(`compose.yaml: home dashboard ${home} does not exist`);

  const providers = docs.providers || {};
  if (providers.apiVersion !== 1) err('socket_exporter.yml: apiVersion must be 1');
  const provider = (providers.providers || [])[0] || {};
  const dashPath = (provider.options || {}).path;
  if (provider.type !== 'file' || !dashPath) err('socket_exporter.yml: needs a file provider with options.path');
  const dashHost = dashPath && hostPath(grafana, dashPath);
  if (dashHost !== path.join(common.REPO, 'dashboards')) {
    err(`socket_exporter.yml: provider path ${dashPath} is ${dashHost || 'not mounted in grafana'}, not dashboards/`);
  } else {
    // Grafana loads every *.json below the path: they must all be dashboards, and all of ours.
    const found = [];
    const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      else if (e.name.endsWith('.json')) found.push(path.relative(dashHost, p));
    });
    walk(dashHost);
    if (found.sort().join(' ') !== [...common.DASHBOARD_FILES].sort().join(' ')) {
      err(`dashboards/: Grafana would load ${found.join(', ')}; expected exactly ${common.DASHBOARD_FILES.join(', ')}`);
    }
  }

  const datasources = docs.datasources || {};
  if (datasources.apiVersion !== 1) err('datasources/prometheus.yml: apiVersion must be 1');
  const ds = (datasources.datasources || [])[0] || {};
  if (ds.name !== 'Prometheus' || ds.type !== 'prometheus' || ds.isDefault !== true) {
    err('datasources/prometheus.yml: needs the default prometheus data source named Prometheus');
  }
  let url = null;
  try { url = new URL(ds.url); } catch (e) { err(`datasources/prometheus.yml: url ${ds.url} is not a URL`); }
  if (url) {
    const promPort = portOf(flag(prom, '--web.listen-address'), 9090);
    if (!services[url.hostname]) err(`datasources/prometheus.yml: url host ${url.hostname} is not a compose service`);
    if (url.hostname === 'prometheus' && Number(url.port || 80) !== promPort) {
      err(`datasources/prometheus.yml: url port ${url.port} is not Prometheus' port ${promPort}`);
    }
    // Host networking resolves no service names: grafana needs the name in its /etc/hosts.
    const hosts = (grafana.extra_hosts || []).map(String);
    if (grafana.network_mode === 'host' && !hosts.some((h) => /^prometheus[:=](127\.0\.0\.1|::1|host-gateway)$/.test(h))) {
      err('compose.yaml: grafana on the host network needs extra_hosts prometheus:127.0.0.1 for the data source url');
    }
  }
  return errors;
}

function promtoolRejectsMovedConfig(promtool) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-promtool-'));
  fs.copyFileSync(FILES.prometheus, path.join(dir, 'prometheus.yml'));
  const r = spawnSync(promtool, ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const out = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 1 && /alerts\.yml/.test(out), out: out.trim() };
}

function main() {
  const argv = process.argv.slice(2);
  const promtool = argv[argv.indexOf('--promtool') + 1];
  if (!argv.includes('--promtool') || !promtool) common.fail('usage: check_compose.js --promtool PATH');
  const docs = load();
  let failures = 0;
  const errors = check(docs);
  errors.forEach((e) => console.error(e));
  console.log(`${errors.length ? 'FAIL' : 'ok  '} compose.yaml, prometheus.yml and the Grafana provisioning fit together`);
  if (errors.length) ++failures;
  for (const m of mutations.cases) {
    const broken = common.clone(docs);
    m.mutate(broken);
    const got = check(broken).filter((e) => !errors.includes(e));
    const hit = got.find((e) => m.expect.test(e));
    console.log(`${hit ? 'ok  ' : 'FAIL'} rejects ${m.name}${hit ? `: ${hit}` : ''}`);
    if (!hit) {
      got.forEach((e) => console.error(`  got: ${e}`));
      ++failures;
    }
  }
  const moved = promtoolRejectsMovedConfig(promtool);
  console.log(`${moved.ok ? 'ok  ' : 'FAIL'} promtool rejects prometheus.yml away from ../prometheus/alerts.yml: ${moved.out.split('\n').pop()}`);
  if (!moved.ok) ++failures;
  if (failures) common.fail(`${failures} compose check(s) failed`);
  console.log('all compose checks passed');
}

main();
