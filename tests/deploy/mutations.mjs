// Broken copies for check_kubernetes.mjs: each changes the parsed manifests ({ file: [object,
// ...] }) in one way and names the error that must be reported.
const ds = (m) => m['daemonset.yaml'][0];
const dsPod = (m) => ds(m).spec.template.spec;
const dsExporter = (m) => dsPod(m).containers[0];
const sidecar = (m) => m['sidecar-example.yaml'][0].spec.template.spec.containers[1];

export const cases = [
  // Fields the API does not know: kubernetes-models' validate() alone lets these through.
  {
    name: 'a misspelt container field',
    mutate: (m) => { dsExporter(m).imagePullPolicyy = 'Always'; },
    expect: /DaemonSet socket-exporter: unknown field spec\.template\.spec\.containers\[0\]\.imagePullPolicyy/,
  },
  {
    name: 'a misspelt capabilities list',
    mutate: (m) => { sidecar(m).securityContext.capabilities.dropp = ['ALL']; },
    expect: /Deployment web: unknown field .*containers\[1\]\.securityContext\.capabilities\.dropp/,
  },
  {
    name: 'a misspelt metadata field',
    mutate: (m) => { m['namespace.yaml'][0].metadata.lables = { a: 'b' }; },
    expect: /Namespace socket-exporter: unknown field metadata\.lables/,
  },
  {
    name: 'a misspelt ServiceMonitor endpoint field',
    mutate: (m) => { m['servicemonitor.yaml'][0].spec.endpoints[0].intervall = '15s'; },
    expect: /ServiceMonitor socket-exporter: unknown field spec\.endpoints\[0\]\.intervall/,
  },
  {
    name: 'a misspelt rule field in the PrometheusRule',
    mutate: (m) => { m['prometheusrule.yaml'][0].spec.groups[0].rules[0].exprr = 'up'; },
    expect: /PrometheusRule socket-exporter: unknown field spec\.groups\[0\]\.rules\[0\]\.exprr/,
  },
  {
    name: 'a misspelt PodMonitor field',
    mutate: (m) => { m['sidecar-example.yaml'][1].spec.podMetricEndpoints = []; },
    expect: /PodMonitor web-socket-exporter: unknown field spec\.podMetricEndpoints/,
  },
  // What kubernetes-models' validate() rejects by itself.
  {
    name: 'a port number that is a word',
    mutate: (m) => { dsExporter(m).ports[0].containerPort = 'ninety'; },
    expect: /DaemonSet socket-exporter: invalid: .*containerPort/,
  },
  {
    name: 'a container without a name',
    mutate: (m) => { delete dsExporter(m).name; },
    expect: /DaemonSet socket-exporter: invalid: .*name/,
  },
  {
    name: 'an unknown kind',
    mutate: (m) => { m['service.yaml'][0].kind = 'Servise'; },
    expect: /no model for apiVersion v1 kind Servise/,
  },
  // The choices a schema cannot express.
  {
    name: 'the DaemonSet scoped to its own namespace',
    mutate: (m) => { dsExporter(m).args = ['--web.listen-address=:9976', '--netns=self']; },
    expect: /DaemonSet: must run with --netns=all/,
  },
  {
    name: 'the DaemonSet without the host PID namespace',
    mutate: (m) => { delete dsPod(m).hostPID; },
    expect: /hostPID must be true/,
  },
  {
    name: 'a sidecar with SYS_ADMIN',
    mutate: (m) => { sidecar(m).securityContext.capabilities.add.push('SYS_ADMIN'); },
    expect: /sidecar Deployment: adds capabilities BPF,NET_ADMIN,PERFMON,SYS_ADMIN/,
  },
  {
    name: 'a privilege escalation allowed',
    mutate: (m) => { dsExporter(m).securityContext.allowPrivilegeEscalation = true; },
    expect: /DaemonSet: allowPrivilegeEscalation must be false/,
  },
  {
    name: 'a writable cgroup mount',
    mutate: (m) => { delete dsExporter(m).volumeMounts[0].readOnly; },
    expect: /DaemonSet: must mount the host's \/sys\/fs\/cgroup at \/sys\/fs\/cgroup read-only/,
  },
  {
    name: 'a sidecar counting SYNs on a cgroup root',
    mutate: (m) => { sidecar(m).args = sidecar(m).args.filter((a) => !a.startsWith('--probes.syn-hook')); },
    expect: /sidecar Deployment: must count SYNs with --probes.syn-hook=tc/,
  },
  {
    name: 'a sidecar mounting the host cgroup tree',
    mutate: (m) => {
      m['sidecar-example.yaml'][0].spec.template.spec.volumes = [
        { name: 'cgroup2', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } }];
    },
    expect: /sidecar Deployment: must not mount host paths/,
  },
  {
    name: 'a readiness probe on the liveness path',
    mutate: (m) => { sidecar(m).readinessProbe.httpGet.path = '/-/healthy'; },
    expect: /sidecar Deployment: readiness probe must GET \/-\/ready/,
  },
  {
    name: 'a Service that selects nothing',
    mutate: (m) => { m['service.yaml'][0].spec.selector = { 'app.kubernetes.io/name': 'socket_exporter' }; },
    expect: /Service: selector does not match the DaemonSet pods/,
  },
  {
    name: 'a PodMonitor that selects nothing',
    mutate: (m) => { m['sidecar-example.yaml'][1].spec.selector.matchLabels = { app: 'web' }; },
    expect: /PodMonitor: selector does not match the sidecar pods/,
  },
  {
    name: 'the seccomp profile turned off',
    mutate: (m) => { dsPod(m).securityContext.seccompProfile.type = 'Unconfined'; },
    expect: /DaemonSet: seccomp profile Unconfined, not RuntimeDefault/,
  },
];
