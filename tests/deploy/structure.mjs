// What a schema cannot express: the choices deploy/kubernetes/ makes and docs/operations.md
// explains. Takes { file: [object, ...] } and returns error strings.
const IMAGE = 'ghcr.io/socket-exporter/socket_exporter:0.1.0';
const DAEMONSET_CAPS = ['BPF', 'DAC_READ_SEARCH', 'NET_ADMIN', 'PERFMON', 'SYS_ADMIN', 'SYS_PTRACE'];
const SIDECAR_CAPS = ['BPF', 'NET_ADMIN', 'PERFMON'];

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const subset = (sel, labels) => Object.entries(sel || {}).every(([k, v]) => (labels || {})[k] === v);

function exporterErrors(name, pod, netns, caps) {
  const errors = [];
  const err = (m) => errors.push(`${name}: ${m}`);
  const c = (pod.containers || []).find((x) => x.name === 'socket-exporter');
  if (!c) return [`${name}: no socket-exporter container`];
  if (c.image !== IMAGE) err(`image ${c.image}, not ${IMAGE}`);
  const flags = c.args || [];
  if (!flags.includes(`--netns=${netns}`)) err(`must run with --netns=${netns}`);
  if (!flags.includes('--web.listen-address=:9976')) err('must listen on :9976');
  const port = (c.ports || []).find((p) => p.name === 'metrics');
  if (!port || port.containerPort !== 9976) err('needs a container port named metrics on 9976');
  const probe = (p) => p && p.httpGet && p.httpGet.port === 'metrics' ? p.httpGet.path : undefined;
  if (probe(c.livenessProbe) !== '/-/healthy') err('liveness probe must GET /-/healthy on port metrics');
  if (probe(c.readinessProbe) !== '/-/ready') err('readiness probe must GET /-/ready on port metrics');
  const sc = c.securityContext || {};
  const added = [...((sc.capabilities || {}).add || [])].sort();
  if (!same((sc.capabilities || {}).drop, ['ALL'])) err('must drop ALL capabilities');
  if (!same(added, caps)) err(`adds capabilities ${added.join(',')}; expected ${caps.join(',')}`);
  if (sc.allowPrivilegeEscalation !== false) err('allowPrivilegeEscalation must be false');
  if (sc.readOnlyRootFilesystem !== true) err('readOnlyRootFilesystem must be true');
  if (sc.privileged !== false) err('privileged must be false');
  const seccomp = (sc.seccompProfile || (pod.securityContext || {}).seccompProfile || {}).type;
  if (seccomp !== 'RuntimeDefault') err(`seccomp profile ${seccomp}, not RuntimeDefault`);
  const res = c.resources || {};
  if (!(res.requests || {}).cpu || !(res.requests || {}).memory || !(res.limits || {}).memory) {
    err('needs cpu and memory requests and a memory limit');
  }
  if (pod.automountServiceAccountToken !== false) err('must not mount a service account token');
  return errors;
}

const exporterContainer = (pod) => (pod.containers || []).find((x) => x.name === 'socket-exporter') || {};

function daemonSetErrors(ds) {
  const pod = ds.spec.template.spec;
  const errors = exporterErrors('DaemonSet', pod, 'all', DAEMONSET_CAPS);
  const err = (m) => errors.push(`DaemonSet: ${m}`);
  // --netns=all counts SYNs on the cgroup v2 root, the first cgroup2 mount: the host's, read-only.
  const c = exporterContainer(pod);
  const mount = (c.volumeMounts || []).find((m) => m.mountPath === '/sys/fs/cgroup');
  const vol = mount && (pod.volumes || []).find((v) => v.name === mount.name);
  if (!mount || !mount.readOnly || !vol || !vol.hostPath || vol.hostPath.path !== '/sys/fs/cgroup') {
    err("must mount the host's /sys/fs/cgroup at /sys/fs/cgroup read-only");
  }
  if (pod.hostPID !== true) err('hostPID must be true for --netns=all');
  if (pod.hostNetwork) err('must not use the host network');
  if (!(pod.tolerations || []).some((t) => t.operator === 'Exists' && !t.key && !t.effect)) {
    err('must tolerate every taint (operator: Exists)');
  }
  if (pod.priorityClassName !== 'system-node-critical') err('priorityClassName must be system-node-critical');
  const ru = (ds.spec.updateStrategy || {}).rollingUpdate || {};
  if ((ds.spec.updateStrategy || {}).type !== 'RollingUpdate' || ru.maxUnavailable !== '10%') {
    err('updateStrategy must be RollingUpdate with maxUnavailable 10%');
  }
  if ((((c.securityContext || {}).appArmorProfile) || {}).type !== 'Unconfined') {
    err('AppArmor must be Unconfined (the default profile refuses /proc/PID/ns of host processes)');
  }
  if (!subset(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels)) {
    err('selector does not match the pod labels');
  }
  return errors;
}

function sidecarErrors(deploy) {
  const pod = deploy.spec.template.spec;
  const errors = exporterErrors('sidecar Deployment', pod, 'self', SIDECAR_CAPS);
  if (pod.hostPID || pod.hostNetwork) errors.push('sidecar Deployment: must not share host namespaces');
  if ((pod.containers || []).length < 2) errors.push('sidecar Deployment: needs an application container');
  // The pod's SYNs are counted at TC ingress of its interfaces: no host mount, nothing node-wide.
  const c = exporterContainer(pod);
  if (!(c.args || []).includes('--probes.syn-hook=tc')) {
    errors.push('sidecar Deployment: must count SYNs with --probes.syn-hook=tc');
  }
  if ((pod.volumes || []).some((v) => v.hostPath)) errors.push('sidecar Deployment: must not mount host paths');
  return errors;
}

export function structureErrors(m) {
  const errors = [];
  const one = (file, kind) => (m[file] || []).find((o) => o && o.kind === kind);
  const ds = one('daemonset.yaml', 'DaemonSet');
  const svc = one('service.yaml', 'Service');
  const sm = one('servicemonitor.yaml', 'ServiceMonitor');
  const sa = one('serviceaccount.yaml', 'ServiceAccount');
  const deploy = one('sidecar-example.yaml', 'Deployment');
  const pm = one('sidecar-example.yaml', 'PodMonitor');
  for (const [o, what] of [[ds, 'DaemonSet'], [svc, 'Service'], [sm, 'ServiceMonitor'],
    [sa, 'ServiceAccount'], [deploy, 'sidecar Deployment'], [pm, 'PodMonitor']]) {
    if (!o) errors.push(`${what} is missing`);
  }
  if (errors.length) return errors;
  errors.push(...daemonSetErrors(ds), ...sidecarErrors(deploy));
  if (sa.automountServiceAccountToken !== false) errors.push('ServiceAccount: automountServiceAccountToken must be false');
  if (ds.spec.template.spec.serviceAccountName !== sa.metadata.name) errors.push('DaemonSet: does not use the ServiceAccount');
  if (svc.spec.clusterIP !== 'None') errors.push('Service: must be headless (clusterIP: None)');
  if (!subset(svc.spec.selector, ds.spec.template.metadata.labels)) errors.push('Service: selector does not match the DaemonSet pods');
  const sport = (svc.spec.ports || []).find((p) => p.name === 'metrics');
  if (!sport || sport.targetPort !== 'metrics') errors.push('Service: needs a port named metrics targeting metrics');
  if (!subset(sm.spec.selector.matchLabels, svc.metadata.labels)) errors.push('ServiceMonitor: selector does not match the Service');
  const ep = (sm.spec.endpoints || [])[0] || {};
  if (ep.port !== 'metrics' || ep.interval !== '15s') errors.push('ServiceMonitor: must scrape port metrics every 15s');
  if (!subset(pm.spec.selector.matchLabels, deploy.spec.template.metadata.labels)) {
    errors.push('PodMonitor: selector does not match the sidecar pods');
  }
  const pep = (pm.spec.podMetricsEndpoints || [])[0] || {};
  if (pep.port !== 'metrics') errors.push('PodMonitor: must scrape port metrics');
  return errors;
}
