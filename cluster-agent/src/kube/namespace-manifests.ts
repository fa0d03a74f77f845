/**
 * Pure builders for the guard objects of a run namespace (docs/domain.md §5.3 and
 * the isolation requirements): ServiceAccount, Role and RoleBinding of
 * the run's profile, ResourceQuota, LimitRange and a NetworkPolicy that allows
 * no ingress and egress only to DNS and the configured public HTTPS ranges.
 *
 * Objects use client-node's model shapes (LimitRangeItem's `default` is
 * `_default` there); the gateway sends them through client-node.
 */
import type {
  KubernetesObject,
  V1LimitRange,
  V1NetworkPolicy,
  V1PolicyRule,
  V1ResourceQuota,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { cidrContains, type EgressRule, type LimitRangeDefaults } from '../config-json.ts';
import { ownershipLabels } from './manifests.ts';
import { serviceAccountOf, type RuntimeProfile } from './runtime-profile.ts';

export const QUOTA_NAME = 'stageline-run-quota';
export const LIMIT_RANGE_NAME = 'stageline-run-limits';
export const NETWORK_POLICY_NAME = 'stageline-run-egress';

export interface NamespaceObjectsInput {
  namespace: string;
  installation: string;
  profile: RuntimeProfile;
  quotaPods: number;
  limitRange: LimitRangeDefaults;
  egress: EgressRule;
}

const CANDIDATE_CORE = [
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
];

const READ = ['get', 'list', 'watch'];

const READONLY_CORE = ['configmaps', 'endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'replicationcontrollers', 'resourcequotas', 'serviceaccounts', 'services'];

/** §5.3 rules. Neither profile names `secrets`: the run's own credentials stay unreadable through the API. */
export function runnerRules(profile: RuntimeProfile): V1PolicyRule[] {
  if (profile === 'candidate') {
    return [
      { apiGroups: [''], resources: [...CANDIDATE_CORE], verbs: ['*'] },
      { apiGroups: ['apps', 'batch', 'autoscaling', 'networking.k8s.io', 'policy'], resources: ['*'], verbs: ['*'] },
    ];
  }
  return [
    { apiGroups: [''], resources: [...READONLY_CORE], verbs: [...READ] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: [...READ] },
    { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: [...READ] },
    { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: [...READ] },
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: [...READ] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: [...READ] },
  ];
}

function meta(name: string, input: NamespaceObjectsInput): { name: string; namespace: string; labels: Record<string, string> } {
  return { name, namespace: input.namespace, labels: ownershipLabels(input.installation) };
}

export function buildServiceAccount(input: NamespaceObjectsInput): V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(serviceAccountOf(input.profile), input) };
}

export function buildRunnerRole(input: NamespaceObjectsInput): V1Role {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(serviceAccountOf(input.profile), input), rules: runnerRules(input.profile) };
}

export function buildRunnerRoleBinding(input: NamespaceObjectsInput): V1RoleBinding {
  const name = serviceAccountOf(input.profile);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(name, input),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: input.namespace }],
  };
}

export function buildResourceQuota(input: NamespaceObjectsInput): V1ResourceQuota {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta(QUOTA_NAME, input), spec: { hard: { pods: String(input.quotaPods) } } };
}

export function buildLimitRange(input: NamespaceObjectsInput): V1LimitRange {
  const { defaultRequest, default: limits } = input.limitRange;
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta(LIMIT_RANGE_NAME, input),
    spec: { limits: [{ type: 'Container', defaultRequest: { ...defaultRequest }, _default: { ...limits } }] },
  };
}

export function buildNetworkPolicy(input: NamespaceObjectsInput): V1NetworkPolicy {
  const { cidrs, except, ports } = input.egress;
  const dns = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
    ports: [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ],
  };
  const https = {
    // Each range gets only the exceptions inside it (the API server rejects any other).
    to: cidrs.map((cidr) => {
      const inside = except.filter((x) => x !== cidr && cidrContains(cidr, x));
      return { ipBlock: inside.length > 0 ? { cidr, except: inside } : { cidr } };
    }),
    ports: ports.map((port) => ({ protocol: 'TCP', port })),
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(NETWORK_POLICY_NAME, input),
    // Both types with no ingress rules: nothing may connect to run pods.
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [dns, https] },
  };
}

/** Everything a run namespace holds besides the run's Secret and Job, in creation order. */
export function buildNamespaceObjects(input: NamespaceObjectsInput): KubernetesObject[] {
  return [
    buildServiceAccount(input),
    buildRunnerRole(input),
    buildRunnerRoleBinding(input),
    buildResourceQuota(input),
    buildLimitRange(input),
    buildNetworkPolicy(input),
  ];
}
