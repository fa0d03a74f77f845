import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding, type IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { describe, expect, it } from 'vitest';
import {
  buildLimitRange,
  buildNamespaceObjects,
  buildNetworkPolicy,
  buildResourceQuota,
  buildRunnerRole,
  buildRunnerRoleBinding,
  buildServiceAccount,
  type NamespaceObjectsInput,
} from './namespace-manifests.ts';

const input: NamespaceObjectsInput = {
  namespace: 'stageline-issue-p1-i7-rabc',
  installation: 'stageline',
  profile: 'candidate',
  quotaPods: 20,
  limitRange: { defaultRequest: { cpu: '100m', memory: '256Mi' }, default: { cpu: '2', memory: '4Gi' } },
  egress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'], ports: [443] },
};

const metadata = (name: string) => ({
  name,
  namespace: 'stageline-issue-p1-i7-rabc',
  labels: { 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'stageline' },
});

/**
 * The wire JSON the API server (and kubernetes-models) sees: client-node's
 * serializer turns LimitRangeItem's `_default` into `default`.
 */
function toWire<T = Record<string, unknown>>(value: unknown): T {
  return JSON.parse(JSON.stringify(value).replace(/"_default":/g, '"default":')) as T;
}

describe('RBAC (docs/domain.md §5.3)', () => {
  it('builds the candidate ServiceAccount, Role and RoleBinding', () => {
    expect(buildServiceAccount(input)).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata('stageline-runner') });
    expect(buildRunnerRole(input)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata('stageline-runner'),
      rules: [
        {
          apiGroups: [''],
          resources: [
            'configmaps',
            'endpoints',
            'events',
            'limitranges',
            'persistentvolumeclaims',
            'pods',
            'pods/attach',
            'pods/exec',
            'pods/log',
            'pods/portforward',
            'replicationcontrollers',
            'resourcequotas',
            'serviceaccounts',
            'services',
            'services/proxy',
          ],
          verbs: ['*'],
        },
        { apiGroups: ['apps', 'batch', 'autoscaling', 'networking.k8s.io', 'policy'], resources: ['*'], verbs: ['*'] },
      ],
    });
    expect(buildRunnerRoleBinding(input)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata('stageline-runner'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'stageline-runner' },
      subjects: [{ kind: 'ServiceAccount', name: 'stageline-runner', namespace: 'stageline-issue-p1-i7-rabc' }],
    });
  });

  it('builds the read-only profile: no mutation, no exec, no secrets', () => {
    const readonly = { ...input, profile: 'production-readonly' as const };
    const read = ['get', 'list', 'watch'];
    expect(buildRunnerRole(readonly)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata('stageline-runner-readonly'),
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps', 'endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'replicationcontrollers', 'resourcequotas', 'serviceaccounts', 'services'],
          verbs: read,
        },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: read },
        { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: read },
        { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: read },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: read },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: read },
      ],
    });
    expect(buildServiceAccount(readonly).metadata?.name).toBe('stageline-runner-readonly');
    expect(buildRunnerRoleBinding(readonly).roleRef.name).toBe('stageline-runner-readonly');
  });

  it.each(['candidate', 'production-readonly'] as const)('the %s role names no secrets and no wildcard core resource', (profile) => {
    const rules = buildRunnerRole({ ...input, profile }).rules ?? [];
    const core = rules.filter((rule) => rule.apiGroups?.includes(''));
    expect(JSON.stringify(rules)).not.toContain('secrets');
    expect(core.every((rule) => !rule.resources?.includes('*'))).toBe(true);
  });
});

describe('quota, limits and network policy', () => {
  it('builds the ResourceQuota and LimitRange', () => {
    expect(buildResourceQuota(input)).toEqual({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: metadata('stageline-run-quota'), spec: { hard: { pods: '20' } } });
    expect(toWire(buildLimitRange(input))).toEqual({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: metadata('stageline-run-limits'),
      spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '256Mi' }, default: { cpu: '2', memory: '4Gi' } }] },
    });
  });

  it('allows no ingress and egress only to DNS and public HTTPS', () => {
    expect(buildNetworkPolicy(input)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata('stageline-run-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          {
            to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
            ports: [{ protocol: 'TCP', port: 443 }],
          },
        ],
      },
    });
  });

  it('gives each range only the exceptions inside it', () => {
    const policy = buildNetworkPolicy({ ...input, egress: { cidrs: ['10.0.0.0/8', '203.0.113.0/24'], except: ['10.1.0.0/16'], ports: [443, 22] } });
    expect(policy.spec?.egress?.[1]).toEqual({
      to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { ipBlock: { cidr: '203.0.113.0/24' } }],
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 22 },
      ],
    });
  });

  it('every object passes kubernetes-models validation and carries the ownership labels', () => {
    const validators: Array<(object: unknown) => void> = [
      (object) => new ServiceAccount(toWire(object)).validate(),
      (object) => new Role(toWire(object)).validate(),
      (object) => new RoleBinding(toWire<IRoleBinding>(object)).validate(),
      (object) => new ResourceQuota(toWire(object)).validate(),
      (object) => new LimitRange(toWire(object)).validate(),
      (object) => new NetworkPolicy(toWire(object)).validate(),
    ];
    for (const profile of ['candidate', 'production-readonly'] as const) {
      const objects = buildNamespaceObjects({ ...input, profile });
      expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'ResourceQuota', 'LimitRange', 'NetworkPolicy']);
      objects.forEach((object, i) => {
        expect(() => validators[i]?.(object)).not.toThrow();
        expect(object.metadata?.labels).toEqual({ 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'stageline' });
      });
    }
  });
});
