#!/usr/bin/env node
// The Kubernetes manifests (deploy/kubernetes/) are valid and fit together:
//  - every document of every manifest is a known kind that its kubernetes-models class
//    validates, with no field the API does not know (models.mjs);
//  - the DaemonSet, the sidecar example, the Service and the monitors keep the choices that
//    docs/operations.md explains (scope, capabilities, probes, port, cgroup mount, selectors);
//  - `kubectl kustomize` renders the set with the expected kinds, all in one namespace;
//  - the PrometheusRule's groups are deploy/prometheus/alerts.yml's, pass `promtool check
//    rules`, and prometheusrule.yaml is what generate-prometheusrule.sh writes.
// Then it proves the checks can fail: broken copies (mutations.mjs) must each be rejected.
//
// usage: check_kubernetes.mjs --kubectl PATH --promtool PATH
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO, fail, loadModels, loadYaml, checkObject } from './models.mjs';
import { structureErrors } from './structure.mjs';
import { cases } from './mutations.mjs';

const DIR = path.join(REPO, 'deploy', 'kubernetes');
const MANIFESTS = ['namespace.yaml', 'serviceaccount.yaml', 'daemonset.yaml', 'service.yaml',
  'servicemonitor.yaml', 'prometheusrule.yaml', 'sidecar-example.yaml'];
const RENDERED_KINDS = ['DaemonSet', 'Namespace', 'PrometheusRule', 'Service', 'ServiceAccount',
  'ServiceMonitor'];

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!out.kubectl || !out.promtool) fail('usage: check_kubernetes.mjs --kubectl PATH --promtool PATH');
  return out;
}

const run = (cmd, argv) => spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });

// { file: [object, ...] } for the manifests of `dir`.
function readManifests(YAML, dir) {
  const out = {};
  for (const file of MANIFESTS) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'));
    out[file] = docs.map((d) => {
      if (d.errors.length) fail(`${file}: ${d.errors[0].message}`);
      return d.toJS();
    });
  }
  return out;
}

function modelErrors(models, manifests) {
  const errors = [];
  for (const [file, objs] of Object.entries(manifests)) {
    objs.forEach((o, i) => errors.push(...checkObject(models, o, `${file}#${i}`)));
  }
  return errors;
}

// The rule groups of the PrometheusRule must be alerts.yml's and pass promtool.
function ruleErrors(YAML, promtool, manifests, work) {
  const errors = [];
  const rule = manifests['prometheusrule.yaml'][0] || {};
  const groups = (rule.spec || {}).groups;
  const source = YAML.parse(fs.readFileSync(path.join(REPO, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'));
  if (JSON.stringify(groups) !== JSON.stringify(source.groups)) {
    errors.push('prometheusrule.yaml: spec.groups differ from deploy/prometheus/alerts.yml');
  }
  const file = path.join(work, 'prometheusrule-groups.yml');
  fs.writeFileSync(file, YAML.stringify({ groups }));
  const r = run(promtool, ['check', 'rules', file]);
  if (r.status !== 0) errors.push(`promtool check rules failed on the PrometheusRule's groups:\n${r.stdout}${r.stderr}`);
  return errors;
}

function generatedErrors(dir) {
  const r = run(path.join(DIR, 'generate-prometheusrule.sh'), ['--stdout']);
  if (r.status !== 0) return [`generate-prometheusrule.sh failed: ${r.stderr}`];
  if (r.stdout !== fs.readFileSync(path.join(dir, 'prometheusrule.yaml'), 'utf8')) {
    return ['prometheusrule.yaml differs from the output of generate-prometheusrule.sh: run it and commit the result'];
  }
  return [];
}

// `kubectl kustomize DIR` renders, with the expected kinds, each valid, all in one namespace.
function kustomizeErrors(YAML, models, kubectl, dir) {
  const r = run(kubectl, ['kustomize', dir]);
  if (r.status !== 0) return [`kubectl kustomize ${dir} failed:\n${r.stderr}`];
  const objs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS());
  const errors = [];
  const kinds = objs.map((o) => o.kind).sort();
  if (JSON.stringify(kinds) !== JSON.stringify(RENDERED_KINDS)) {
    errors.push(`kubectl kustomize renders ${kinds.join(', ')}; expected ${RENDERED_KINDS.join(', ')}`);
  }
  objs.forEach((o, i) => errors.push(...checkObject(models, o, `rendered#${i}`)));
  for (const o of objs) {
    const ns = o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace;
    if (ns !== 'socket-exporter') errors.push(`rendered ${o.kind}: namespace ${ns}, not socket-exporter`);
  }
  const ds = objs.find((o) => o.kind === 'DaemonSet');
  const image = ds && ds.spec.template.spec.containers[0].image;
  if (image !== 'ghcr.io/socket-exporter/socket_exporter:0.1.0') {
    errors.push(`rendered DaemonSet image ${image}, not ghcr.io/socket-exporter/socket_exporter:0.1.0`);
  }
  return errors;
}

function allErrors(ctx, manifests) {
  return [...modelErrors(ctx.models, manifests), ...structureErrors(manifests)];
}

// Each broken copy must be rejected with the error it names.
function mutationErrors(ctx, manifests) {
  const errors = [];
  for (const c of cases) {
    const copy = JSON.parse(JSON.stringify(manifests));
    c.mutate(copy);
    const found = allErrors(ctx, copy);
    if (!found.some((e) => c.expect.test(e))) {
      errors.push(`mutation "${c.name}" was not rejected with ${c.expect} (got: ${found.join('; ') || 'no error'})`);
    }
  }
  return errors;
}

// Broken files on disk: a rule promtool must refuse, a stale generated file, a kustomization
// that leaves the DaemonSet out.
function fileMutationErrors(ctx, manifests) {
  const errors = [];
  const copy = JSON.parse(JSON.stringify(manifests));
  copy['prometheusrule.yaml'][0].spec.groups[0].rules[0].expr = 'socket_syn_flood_active ==';
  if (!ruleErrors(ctx.YAML, ctx.promtool, copy, ctx.work).some((e) => /promtool check rules failed/.test(e))) {
    errors.push('a PrometheusRule with a broken expression passed promtool');
  }
  const dir = path.join(ctx.work, 'kubernetes');
  fs.cpSync(DIR, dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'prometheusrule.yaml'), '# edited by hand\n');
  if (!generatedErrors(dir).some((e) => /differs from the output/.test(e))) {
    errors.push('a hand-edited prometheusrule.yaml was not noticed');
  }
  const kfile = path.join(dir, 'kustomization.yaml');
  fs.writeFileSync(kfile, fs.readFileSync(kfile, 'utf8').replace(/^ {2}- daemonset\.yaml\n/m, ''));
  if (!kustomizeErrors(ctx.YAML, ctx.models, ctx.kubectl, dir).some((e) => /renders .*; expected/.test(e))) {
    errors.push('a kustomization without the DaemonSet was not noticed');
  }
  return errors;
}

async function main() {
  const { kubectl, promtool } = args();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'se-deploy-'));
  const ctx = { models: await loadModels(), YAML: await loadYaml(), kubectl, promtool, work };
  const manifests = readManifests(ctx.YAML, DIR);
  const errors = [
    ...allErrors(ctx, manifests),
    ...ruleErrors(ctx.YAML, promtool, manifests, work),
    ...generatedErrors(DIR),
    ...kustomizeErrors(ctx.YAML, ctx.models, kubectl, DIR),
  ];
  if (!errors.length) errors.push(...mutationErrors(ctx, manifests), ...fileMutationErrors(ctx, manifests));
  fs.rmSync(work, { recursive: true, force: true });
  if (errors.length) fail(errors.join('\n'));
  console.log(`deploy/kubernetes: ${MANIFESTS.length} manifests valid; ${cases.length + 3} broken copies rejected`);
}

main().catch((e) => fail(e.stack || String(e)));
