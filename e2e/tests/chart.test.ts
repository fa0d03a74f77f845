// The cluster-agent's Helm chart (issue #4 item 6): `helm lint` and `helm template`
// with the binaries of tools/install-helm.sh, every rendered object validated with
// kubernetes-models, the properties a security review relies on asserted, the
// values schema shown to reject bad input, and the render applied to kubesim.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type V1ClusterRole, type V1Deployment } from '@kubernetes/client-node';
import { parseConfig } from '@stageline/cluster-agent';
import { startKubeSim, type KubeSim } from '@stageline/kubesim';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from './chart/kube-apply.ts';
import { CHART_DIR, CI_VALUES, helm, helmBinary, NAMESPACE, renderChart, single, type KubeObject } from './chart/helm.ts';
import { validateWithModel } from './chart/validate-model.ts';

const FULLNAME = 'stageline-stageline-agent';
const REQUIRED_ONLY = ['--set', 'edge.url=https://edge.example.com', '--set', 'clusterToken.existingSecret=stageline-token'];
const WITH_SERVICE_MONITOR = ['-f', CI_VALUES, '--set', 'metrics.serviceMonitor.enabled=true', '--api-versions', 'monitoring.coreos.com/v1'];
const RUNNER_ROLES = ['stageline-runner', 'stageline-runner-readonly'];

/**
 * The agent's ClusterRole, rule for rule (templates/clusterrole.yaml says why
 * each is needed). Any added verb, resource or group fails the test.
 */
const EXPECTED_RULES: IPolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['serviceaccounts', 'resourcequotas', 'limitranges'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], resourceNames: RUNNER_ROLES, verbs: ['get', 'patch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], resourceNames: RUNNER_ROLES, verbs: ['bind', 'escalate'] },
];

/** The environment contract of the agent (cluster-agent config), minus the optional model key. */
const CONTRACT_ENV = [
  'STAGELINE_EDGE_URL', 'STAGELINE_CLUSTER_TOKEN', 'STAGELINE_INSTANCE_ID', 'STAGELINE_INSTALLATION', 'STAGELINE_HTTP_PORT',
  'STAGELINE_RUN_NAMESPACE_PREFIX', 'STAGELINE_JOB_IMAGE', 'STAGELINE_JOB_COMMAND', 'STAGELINE_JOB_PROFILES', 'STAGELINE_JOB_ENV',
  'STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS', 'STAGELINE_JOB_TTL_SECONDS', 'STAGELINE_NAMESPACE_TTL', 'STAGELINE_NAMESPACE_TTL_BY_ROLE',
  'STAGELINE_RUN_QUOTA_PODS', 'STAGELINE_RUN_LIMIT_RANGE', 'STAGELINE_RUN_EGRESS', 'STAGELINE_RUN_NAMESPACE_CLEANUP',
  'STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT', 'STAGELINE_POD_FAILURE_GRACE', 'STAGELINE_RECONCILE_INTERVAL',
  'STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL', 'STAGELINE_CLAIM_LIMIT', 'STAGELINE_MAX_RUNS', 'STAGELINE_LOG_LEVEL',
];

let ciRender: KubeObject[];
let defaultRender: KubeObject[];

beforeAll(async () => {
  helmBinary(); // fails first, with the install hint, when helm is missing
  [ciRender, defaultRender] = await Promise.all([renderChart(['-f', CI_VALUES]), renderChart(REQUIRED_ONLY)]);
});

function kindsOf(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => o.kind).sort();
}

function agentContainer(objects: readonly KubeObject[]): IContainer {
  const container = single<IDeployment>(objects, 'Deployment').spec?.template.spec?.containers[0];
  if (!container) {
    throw new Error('the Deployment has no container');
  }
  return container;
}

function envOf(container: IContainer): Map<string, IEnvVar> {
  return new Map((container.env ?? []).map((e) => [e.name, e]));
}

function envValue(container: IContainer, name: string): string {
  const value = envOf(container).get(name)?.value;
  if (value === undefined) {
    throw new Error(`${container.name} has no plain env value ${name}`);
  }
  return value;
}

function expectRestricted(pod: IPodSpec | undefined): void {
  expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
  expect(pod?.hostNetwork ?? false).toBe(false);
  expect(pod?.hostPID ?? false).toBe(false);
  for (const container of pod?.containers ?? []) {
    expect(container.securityContext, container.name).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.securityContext?.privileged ?? false).toBe(false);
    expect(container.securityContext?.capabilities?.add ?? []).toEqual([]);
  }
}

describe('helm lint and render', () => {
  it('helm lint --strict passes with ci-values.yaml', async () => {
    const result = await helm(['lint', CHART_DIR, '--strict', '-f', CI_VALUES]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('the CI render holds exactly the expected kinds, each valid for kubernetes-models', () => {
    expect(kindsOf(ciRender)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'CronJob', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount']);
    for (const obj of ciRender) {
      validateWithModel(obj);
    }
  });

  it('the required-values render needs no CRD, no chart Secret, no PDB and no CronJob', () => {
    expect(kindsOf(defaultRender)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service', 'ServiceAccount']);
    for (const obj of defaultRender) {
      validateWithModel(obj);
    }
  });

  it('namespaced objects carry the release namespace', () => {
    for (const obj of ciRender.filter((o) => !o.kind.startsWith('Cluster'))) {
      expect(obj.metadata.namespace, `${obj.kind} ${obj.metadata.name}`).toBe(NAMESPACE);
    }
  });
});

describe('ClusterRole: least privilege', () => {
  it('grants exactly the documented rules', () => {
    expect(single<IClusterRole>(ciRender, 'ClusterRole').rules).toEqual(EXPECTED_RULES);
  });

  it('has no wildcard, no cluster-wide Secret reads and bind/escalate only on the two runner Roles', () => {
    const rules = single<IClusterRole>(defaultRender, 'ClusterRole').rules ?? [];
    for (const rule of rules) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames]) {
        expect(field ?? []).not.toContain('*');
      }
      expect(rule.nonResourceURLs).toBeUndefined();
      expect(rule.resources ?? []).not.toContain('clusterroles');
      expect(rule.resources ?? []).not.toContain('clusterrolebindings');
      if (rule.verbs.includes('bind') || rule.verbs.includes('escalate')) {
        expect(rule).toMatchObject({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], resourceNames: RUNNER_ROLES });
      }
      if (rule.resources?.includes('secrets')) {
        expect(rule.verbs).toEqual(['create', 'patch']);
      }
      if ((rule.apiGroups ?? []).includes('')) {
        // What the runner Role grants in its own namespace must not be held by the agent everywhere.
        for (const forbidden of ['pods/exec', 'pods/attach', 'pods/portforward', 'services/proxy', 'nodes', 'configmaps']) {
          expect(rule.resources ?? []).not.toContain(forbidden);
        }
      }
    }
  });

  it('is bound to the agent ServiceAccount in the release namespace', () => {
    const binding = single<IClusterRoleBinding>(ciRender, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: FULLNAME });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE }]);
    expect(single(ciRender, 'ServiceAccount').metadata.name).toBe(FULLNAME);
    expect(single<IDeployment>(ciRender, 'Deployment').spec?.template.spec?.serviceAccountName).toBe(FULLNAME);
  });
});

describe('Deployment', () => {
  it('wires every contract variable, the token and the model key only through secretKeyRef', () => {
    const container = agentContainer(ciRender);
    const env = envOf(container);
    expect([...env.keys()].sort()).toEqual([...CONTRACT_ENV, 'STAGELINE_MODEL_API_KEY', 'POD_NAME', 'NODE_OPTIONS'].sort());
    expect(env.get('STAGELINE_CLUSTER_TOKEN')).toEqual({ name: 'STAGELINE_CLUSTER_TOKEN', valueFrom: { secretKeyRef: { name: `${FULLNAME}-token`, key: 'token' } } });
    expect(env.get('STAGELINE_MODEL_API_KEY')).toEqual({ name: 'STAGELINE_MODEL_API_KEY', valueFrom: { secretKeyRef: { name: 'stageline-model-key', key: 'openai' } } });
    const tokenSecret = single(ciRender, 'Secret');
    expect(tokenSecret.metadata.name).toBe(`${FULLNAME}-token`);
    expect(tokenSecret['stringData']).toEqual({ token: 'ci-placeholder-token' });
    // With existingSecret the chart renders no Secret and points at the named one.
    expect(envOf(agentContainer(defaultRender)).get('STAGELINE_CLUSTER_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'stageline-token', key: 'token' });
    expect(envOf(agentContainer(defaultRender)).has('STAGELINE_MODEL_API_KEY')).toBe(false);
  });

  it('gives each replica its own instance id and marks namespaces with the release name', () => {
    const container = agentContainer(ciRender);
    const names = (container.env ?? []).map((e) => e.name);
    expect(envOf(container).get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    // $(POD_NAME) only expands when POD_NAME is defined earlier in the list.
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('STAGELINE_INSTANCE_ID'));
    expect(envValue(container, 'STAGELINE_INSTANCE_ID')).toBe(`${NAMESPACE}/$(POD_NAME)`);
    expect(envValue(container, 'STAGELINE_INSTALLATION')).toBe('stageline');
  });

  it('passes the CI overrides through as the JSON and duration values the agent parses', () => {
    const c = agentContainer(ciRender);
    expect(JSON.parse(envValue(c, 'STAGELINE_JOB_COMMAND'))).toEqual(['stageline-runner', '--verbose']);
    expect(JSON.parse(envValue(c, 'STAGELINE_JOB_PROFILES'))).toEqual({
      dev: { image: 'ghcr.io/stageline/runner-dev:ci', resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '4', memory: '8Gi' } } },
      reviewer: { resources: { requests: { cpu: '250m', memory: '512Mi' } }, nodeSelector: { 'stageline.dev/pool': 'review' } },
    });
    expect(JSON.parse(envValue(c, 'STAGELINE_NAMESPACE_TTL_BY_ROLE'))).toEqual({ dev: '48h', qa: '6h' });
    expect(JSON.parse(envValue(c, 'STAGELINE_RUN_EGRESS'))).toEqual({ cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8', '169.254.169.254/32'], ports: [443, 22] });
    expect(envValue(c, 'STAGELINE_NAMESPACE_TTL')).toBe('12h');
    expect(envValue(c, 'STAGELINE_RUN_QUOTA_PODS')).toBe('30');
    expect(envValue(c, 'STAGELINE_POD_FAILURE_GRACE')).toBe('90s');
    expect(envValue(c, 'STAGELINE_RUN_NAMESPACE_PREFIX')).toBe('stageline-ci');
    expect(single<IDeployment>(ciRender, 'Deployment').spec?.replicas).toBe(2);
  });

  it('ships the domain defaults (Appendix B) when only the required values are set', () => {
    const c = agentContainer(defaultRender);
    const plain = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(plain).toMatchObject({
      STAGELINE_EDGE_URL: 'https://edge.example.com',
      STAGELINE_HTTP_PORT: '9090',
      STAGELINE_RUN_NAMESPACE_PREFIX: 'stageline-issue',
      STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS: '18000',
      STAGELINE_JOB_TTL_SECONDS: '600',
      STAGELINE_NAMESPACE_TTL: '24h',
      STAGELINE_RUN_QUOTA_PODS: '20',
      STAGELINE_RUN_NAMESPACE_CLEANUP: 'true',
      STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT: '200',
      STAGELINE_POD_FAILURE_GRACE: '60s',
      STAGELINE_RECONCILE_INTERVAL: '5s',
      STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL: '15s',
      STAGELINE_CLAIM_LIMIT: '10',
      STAGELINE_MAX_RUNS: '200',
      STAGELINE_LOG_LEVEL: 'info',
    });
    expect(JSON.parse(envValue(c, 'STAGELINE_RUN_LIMIT_RANGE'))).toEqual({ defaultRequest: { cpu: '100m', memory: '256Mi' }, default: { cpu: '2', memory: '4Gi' } });
    expect(JSON.parse(envValue(c, 'STAGELINE_JOB_COMMAND'))).toEqual(['stageline-runner']);
    expect(JSON.parse(envValue(c, 'STAGELINE_JOB_PROFILES'))).toEqual({});
    expect(JSON.parse(envValue(c, 'STAGELINE_JOB_ENV'))).toEqual({});
    expect(JSON.parse(envValue(c, 'STAGELINE_NAMESPACE_TTL_BY_ROLE'))).toEqual({});
    expect(single<IDeployment>(defaultRender, 'Deployment').spec?.replicas).toBe(1);
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the named http port', () => {
    const c = agentContainer(ciRender);
    const port = c.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(Number(envValue(c, 'STAGELINE_HTTP_PORT')));
    expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('runs restricted, with resources, spread over nodes', () => {
    const spec = single<IDeployment>(ciRender, 'Deployment').spec;
    expectRestricted(spec?.template.spec);
    expect(agentContainer(ciRender).resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    const preferred = spec?.template.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    expect(preferred?.[0]?.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(preferred?.[0]?.podAffinityTerm.labelSelector?.matchLabels).toEqual(spec?.selector.matchLabels);
    expect(spec?.template.metadata?.labels).toMatchObject(spec?.selector.matchLabels ?? { missing: 'selector' });
  });
});

describe('metrics, PDB and the sweep CronJob', () => {
  it('exposes /metrics through a ClusterIP Service on port http with prometheus.io annotations', () => {
    const service = single<IService>(ciRender, 'Service');
    const deployment = single<IDeployment>(ciRender, 'Deployment');
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    expect(service.spec?.ports).toEqual([{ name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.metadata?.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/metrics' });
  });

  it('renders a ServiceMonitor only when enabled and the cluster serves monitoring.coreos.com/v1', async () => {
    const enabledWithoutCrd = await renderChart(['-f', CI_VALUES, '--set', 'metrics.serviceMonitor.enabled=true']);
    expect(enabledWithoutCrd.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const crdWithoutEnabled = await renderChart(['-f', CI_VALUES, '--api-versions', 'monitoring.coreos.com/v1']);
    expect(crdWithoutEnabled.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const rendered = await renderChart(WITH_SERVICE_MONITOR);
    const monitor = single(rendered, 'ServiceMonitor');
    const service = single<IService>(rendered, 'Service');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor['spec']).toMatchObject({
      selector: { matchLabels: service.spec?.selector },
      namespaceSelector: { matchNames: [NAMESPACE] },
      endpoints: [{ port: 'http', path: '/metrics' }],
    });
    expect(service.metadata?.labels).toMatchObject(service.spec?.selector ?? {});
  });

  it('keeps one agent available during disruptions when replicas > 1', () => {
    const pdb = single<IPodDisruptionBudget>(ciRender, 'PodDisruptionBudget');
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(pdb.spec?.selector?.matchLabels).toEqual(single<IDeployment>(ciRender, 'Deployment').spec?.selector.matchLabels);
  });

  it('runs the agent image with --sweep-once, the same settings and rights, outside the agent selector', () => {
    const cron = single<ICronJob>(ciRender, 'CronJob');
    const deployment = single<IDeployment>(ciRender, 'Deployment');
    const pod = cron.spec?.jobTemplate.spec?.template.spec;
    const sweep = pod?.containers[0];
    expect(cron.spec?.schedule).toBe('*/30 * * * *');
    expect(cron.spec?.concurrencyPolicy).toBe('Forbid');
    expect(pod?.restartPolicy).toBe('Never');
    expect(sweep?.image).toBe(agentContainer(ciRender).image);
    expect(sweep?.args).toEqual(['--sweep-once']);
    expect(sweep?.env).toEqual(agentContainer(ciRender).env);
    expect(pod?.serviceAccountName).toBe(FULLNAME);
    expectRestricted(pod);
    // Sweep pods must not be counted by the agent's Service, PDB or Deployment selector.
    const podLabels = cron.spec?.jobTemplate.spec?.template.metadata?.labels ?? {};
    const selector = deployment.spec?.selector.matchLabels ?? {};
    expect(Object.entries(selector).every(([k, v]) => podLabels[k] === v)).toBe(false);
  });
});

describe('values.schema.json rejects bad values', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stageline-chart-values-'));
  const cases: { name: string; values: string; expected: RegExp }[] = [
    { name: 'replicaCount: 0', values: 'replicaCount: 0\n', expected: /\/replicaCount/ },
    { name: 'missing edge.url', values: 'edge:\n  url: null\n', expected: /\/edge/ },
    { name: 'edge.url without a scheme', values: 'edge:\n  url: stageline.example.com\n', expected: /\/edge\/url/ },
    { name: 'bad namespacePrefix', values: 'runs:\n  namespacePrefix: Stageline_Issue\n', expected: /\/runs\/namespacePrefix/ },
    { name: 'no token source', values: 'clusterToken:\n  value: ""\n', expected: /\/clusterToken/ },
    { name: 'quota.pods: 0', values: 'runs:\n  quota:\n    pods: 0\n', expected: /\/runs\/quota\/pods/ },
    { name: 'TTL that is not a duration', values: 'runs:\n  namespaceTtl: one day\n', expected: /\/runs\/namespaceTtl/ },
    { name: 'per-role TTL that is not a duration', values: 'runs:\n  namespaceTtlByRole:\n    dev: 2d\n', expected: /\/runs\/namespaceTtlByRole\/dev/ },
    { name: 'bad limitRange quantity', values: 'runs:\n  limitRange:\n    default:\n      cpu: lots\n', expected: /\/runs\/limitRange\/default\/cpu/ },
    { name: 'quantity written as a bare number', values: 'runs:\n  limitRange:\n    default:\n      cpu: 2\n', expected: /\/runs\/limitRange\/default\/cpu/ },
    { name: 'bad egress CIDR', values: 'runs:\n  egress:\n    cidrs: ["10.0.0.0"]\n', expected: /\/runs\/egress\/cidrs\/0/ },
    { name: 'job profile with an unknown field', values: 'runs:\n  job:\n    profiles:\n      dev: { cpu: 2 }\n', expected: /\/runs\/job\/profiles\/dev/ },
    { name: 'misspelt top-level value', values: 'replicas: 2\n', expected: /replicas/ },
  ];

  it.each(cases)('$name makes helm template fail', async ({ name, values, expected }) => {
    const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    writeFileSync(file, values);
    // CI values first (a valid baseline), then the one bad change.
    const result = await helm(['template', 'stageline', CHART_DIR, '-n', NAMESPACE, '-f', CI_VALUES, '-f', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toMatch(expected);
  });
});

describe('the rendered environment and the agent agree', () => {
  it.each([
    ['ci values', () => ciRender],
    ['required values only', () => defaultRender],
  ])('%s: the agent parses the Deployment env without an error', (_name, render) => {
    const c = agentContainer(render());
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      // Secrets arrive from secretKeyRef at runtime; Kubernetes expands $(POD_NAME).
      env[e.name] = e.value === undefined ? `secret-from-${e.valueFrom?.secretKeyRef?.name ?? 'field'}` : e.value.replace('$(POD_NAME)', 'stageline-agent-0');
    }
    const parsed = parseConfig(env, { hostname: 'pod' });
    expect(parsed.ok ? 'ok' : parsed.error.issues).toBe('ok');
  });
});

describe('install into the simulated API server', () => {
  let sim: KubeSim;
  let kc: KubeConfig;

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0 });
    kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
  });

  afterAll(async () => {
    await sim.close();
  });

  it('creates every rendered object and pins the one kind a plain cluster does not serve', async () => {
    const objects = await renderChart(WITH_SERVICE_MONITOR);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const { applied, skipped } = await applyObjects(kc, objects);
    if (skipped.length > 0) {
      console.warn(`kubesim does not serve, so these were not applied: ${skipped.join(', ')}`);
    }
    // Only the ServiceMonitor's CRD is absent, as on a cluster without the Prometheus operator.
    expect(skipped).toEqual([`monitoring.coreos.com/v1 ServiceMonitor ${FULLNAME}`]);
    expect(kindsOf(applied)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'CronJob', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount']);

    const client = KubernetesObjectApi.makeApiClient(kc);
    for (const obj of applied) {
      const stored = await client.read({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace ?? '' } });
      expect(stored.metadata?.labels, `${obj.kind} ${obj.metadata.name}`).toEqual(obj.metadata.labels);
    }
    const role = await client.read<V1ClusterRole>({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: FULLNAME } });
    expect(role.rules).toEqual(EXPECTED_RULES);
    const deployment = await client.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: FULLNAME, namespace: NAMESPACE } });
    expect(deployment.spec?.replicas).toBe(2);
  });

  it('helm install, upgrade and uninstall: the release is recorded, its objects follow each revision and leave with it', async () => {
    const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'stageline-helm-kube-')), 'kubeconfig.yaml');
    await sim.writeKubeconfig(kubeconfig);
    // Another release name and namespace than the test above: cluster-scoped names must not collide.
    const [release, namespace] = ['agent2', 'stageline-helm'];
    const fullname = `${release}-stageline-agent`;
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    // kubesim serves no OpenAPI document, which helm's client-side validation downloads (docs/deploy.md §4).
    const common = ['--kubeconfig', kubeconfig, '-n', namespace];
    const run = async (args: string[]) => {
      const result = await helm([...args, ...common]);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout;
    };
    const releases = async () => JSON.parse(await run(['list', '-o', 'json'])) as { name: string; revision: string; status: string }[];
    const client = KubernetesObjectApi.makeApiClient(kc);
    const deployment = () => client.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: fullname, namespace } });
    const logLevel = async () => (await deployment()).spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'STAGELINE_LOG_LEVEL')?.value;

    await run(['install', release, CHART_DIR, '-f', CI_VALUES, '--disable-openapi-validation']);
    expect(await releases()).toMatchObject([{ name: release, revision: '1', status: 'deployed' }]);
    const installed = await deployment();
    expect(installed.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(installed.metadata?.annotations).toMatchObject({ 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace });
    expect(await logLevel()).toBe('info');

    await run(['upgrade', release, CHART_DIR, '-f', CI_VALUES, '--set', 'logLevel=debug', '--disable-openapi-validation']);
    expect(await releases()).toMatchObject([{ name: release, revision: '2', status: 'deployed' }]);
    expect(await logLevel()).toBe('debug');
    const history = JSON.parse(await run(['history', release, '-o', 'json'])) as { revision: number; status: string }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([[1, 'superseded'], [2, 'deployed']]);

    await run(['uninstall', release]);
    expect(await releases()).toEqual([]);
    await expect(deployment()).rejects.toMatchObject({ code: 404 });
    const left = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${release}` });
    expect(left.items).toEqual([]);
  });
});
