// The kubernetes-models classes of every kind the manifests use, and a strict check on top of
// their validate(): the generated validators accept fields they do not know (a typo such as
// `imagePullPolicyy` passes), so each object is also fed to the model's validator through
// proxies that record which keys it reads. The validator reads every property its schema
// names and every key of a free-form map (labels, annotations); a key it never reads is one
// the API does not know.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const MODULES = path.join(HERE, 'node_modules');
const PACKAGES = ['kubernetes-models', '@kubernetes-models/prometheus-operator', 'yaml'];

const K8S = 'kubernetes-models';
const PROM = '@kubernetes-models/prometheus-operator';
const PROM_SCHEMA = 'ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1';
// "apiVersion kind" -> [package, model module, schema module]
const KINDS = {
  'v1 Namespace': [K8S, 'v1/Namespace', 'IoK8sApiCoreV1Namespace'],
  'v1 ServiceAccount': [K8S, 'v1/ServiceAccount', 'IoK8sApiCoreV1ServiceAccount'],
  'v1 Service': [K8S, 'v1/Service', 'IoK8sApiCoreV1Service'],
  'apps/v1 DaemonSet': [K8S, 'apps/v1/DaemonSet', 'IoK8sApiAppsV1DaemonSet'],
  'apps/v1 Deployment': [K8S, 'apps/v1/Deployment', 'IoK8sApiAppsV1Deployment'],
  'monitoring.coreos.com/v1 ServiceMonitor':
    [PROM, 'monitoring.coreos.com/v1/ServiceMonitor', `${PROM_SCHEMA}ServiceMonitor`],
  'monitoring.coreos.com/v1 PodMonitor':
    [PROM, 'monitoring.coreos.com/v1/PodMonitor', `${PROM_SCHEMA}PodMonitor`],
  'monitoring.coreos.com/v1 PrometheusRule':
    [PROM, 'monitoring.coreos.com/v1/PrometheusRule', `${PROM_SCHEMA}PrometheusRule`],
};

export function fail(message) {
  console.error(message);
  process.exit(1);
}

// Exits with the command that installs the packages when they are missing.
export function requireModules() {
  for (const name of PACKAGES) {
    if (!fs.existsSync(path.join(MODULES, name, 'package.json'))) {
      fail(`${path.join(MODULES, name)} is missing: run ` +
        "'npm ci --prefix tests/deploy --no-audit --no-fund' in the repository (tools/test.sh does)");
    }
  }
}

const importFile = (pkg, file) => import(pathToFileURL(path.join(MODULES, pkg, `${file}.js`)).href);

// Loads the classes and validators once: { "apiVersion kind": { Model, validate } }.
export async function loadModels() {
  requireModules();
  const models = {};
  for (const [key, [pkg, model, schema]] of Object.entries(KINDS)) {
    const kind = key.split(' ')[1];
    const Model = (await importFile(pkg, model))[kind];
    const { validate } = await importFile(pkg, `_schemas/${schema}`);
    if (!Model || !validate) fail(`${pkg}: no model or schema for ${key}`);
    models[key] = { Model, validate };
  }
  return models;
}

export async function loadYaml() {
  requireModules();
  return (await import('yaml')).default;
}

// A copy of `value` whose objects record the keys read from them in `nodes`.
function recording(value, where, nodes) {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => recording(v, `${where}[${i}]`, nodes));
  const seen = new Set();
  const copy = {};
  for (const [k, v] of Object.entries(value)) copy[k] = recording(v, `${where}.${k}`, nodes);
  nodes.push({ where, keys: Object.keys(value), seen });
  const note = (k) => { if (typeof k === 'string') seen.add(k); };
  return new Proxy(copy, {
    get(target, key, receiver) { note(key); return Reflect.get(target, key, receiver); },
    has(target, key) { note(key); return Reflect.has(target, key); },
  });
}

// Paths of the fields of `obj` that its schema does not know.
export function unknownFields(validate, obj) {
  const nodes = [];
  validate(recording(obj, '', nodes));
  const out = [];
  for (const n of nodes) {
    for (const k of n.keys) if (!n.seen.has(k)) out.push(`${n.where}.${k}`.replace(/^\./, ''));
  }
  return out;
}

// Every error of one document: an unknown kind, the model's validate(), unknown fields.
export function checkObject(models, obj, label) {
  const errors = [];
  if (!obj || typeof obj !== 'object') return [`${label}: not a mapping`];
  const key = `${obj.apiVersion} ${obj.kind}`;
  const entry = models[key];
  if (!entry) return [`${label}: no model for apiVersion ${obj.apiVersion} kind ${obj.kind}`];
  const name = `${label}: ${obj.kind} ${(obj.metadata || {}).name}`;
  try {
    new entry.Model(obj).validate();
  } catch (e) {
    errors.push(`${name}: invalid: ${e.message}`);
    return errors;
  }
  for (const field of unknownFields(entry.validate, obj)) errors.push(`${name}: unknown field ${field}`);
  return errors;
}
