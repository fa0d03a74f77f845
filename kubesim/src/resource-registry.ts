/**
 * RESOURCE REGISTRY: every kind the simulator serves, one line each.
 *
 * Routing, discovery, validation, deletion defaults and the Table printer all
 * read this table, so adding a kind means adding one `define(...)` line with
 * its kubernetes-models class.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Event } from 'kubernetes-models/v1/Event';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Node } from 'kubernetes-models/v1/Node';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Service } from 'kubernetes-models/v1/Service';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';

/** Which apimachinery name check applies (ValidateNamespaceName, NameIsDNSSubdomain, ValidatePathSegmentName). */
export type NameRule = 'dns-label' | 'dns-subdomain' | 'path-segment';
export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface ResourceType {
  group: string;
  version: string;
  /** `v1` or `batch/v1`, as written in apiVersion. */
  apiVersion: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  nameRule: NameRule;
  maxNameLength: number;
  /** Has a /status subresource: the main resource's PUT keeps the stored status. */
  statusSubresource: boolean;
  /** metadata.generation is set and bumped when anything but metadata/status changes. */
  tracksGeneration: boolean;
  /** What DELETE does to dependents when the caller names no propagationPolicy. */
  defaultPropagation: PropagationPolicy;
  /** Schema validation through the kubernetes-models class; throws ValidationError. */
  validateSchema: (obj: object) => void;
}

type ModelClass<T> = new (data: T) => { validate(): void };

interface DefineOptions {
  namespaced?: boolean;
  shortNames?: readonly string[];
  categories?: readonly string[];
  nameRule?: NameRule;
  maxNameLength?: number;
  statusSubresource?: boolean;
  tracksGeneration?: boolean;
  defaultPropagation?: PropagationPolicy;
}

function define<T>(apiVersion: string, plural: string, model: ModelClass<T> & { kind: string }, options: DefineOptions = {}): ResourceType {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const nameRule = options.nameRule ?? 'dns-subdomain';
  return {
    group: group ?? '',
    version: version ?? apiVersion,
    apiVersion,
    kind: model.kind,
    plural,
    singular: model.kind.toLowerCase(),
    namespaced: options.namespaced ?? true,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    nameRule,
    maxNameLength: options.maxNameLength ?? (nameRule === 'dns-label' ? 63 : 253),
    statusSubresource: options.statusSubresource ?? false,
    tracksGeneration: options.tracksGeneration ?? false,
    defaultPropagation: options.defaultPropagation ?? 'Background',
    // The cast is sound: every model's constructor accepts a plain object of its own shape.
    validateSchema: (obj) => new model(obj as T).validate(),
  };
}

const WORKLOAD = { statusSubresource: true, tracksGeneration: true, categories: ['all'] } as const;

export const RESOURCES: readonly ResourceType[] = [
  define('v1', 'namespaces', Namespace, { namespaced: false, shortNames: ['ns'], nameRule: 'dns-label', statusSubresource: true }),
  define('v1', 'nodes', Node, { namespaced: false, shortNames: ['no'], statusSubresource: true }),
  define('v1', 'pods', Pod, { ...WORKLOAD, shortNames: ['po'], tracksGeneration: false }),
  define('v1', 'secrets', Secret),
  define('v1', 'configmaps', ConfigMap, { shortNames: ['cm'] }),
  define('v1', 'serviceaccounts', ServiceAccount, { shortNames: ['sa'] }),
  define('v1', 'resourcequotas', ResourceQuota, { shortNames: ['quota'], statusSubresource: true }),
  define('v1', 'limitranges', LimitRange, { shortNames: ['limits'] }),
  define('v1', 'events', Event, { shortNames: ['ev'] }),
  // Stored only (no endpoints, no proxying): enough for charts that ship a metrics Service.
  define('v1', 'services', Service, { shortNames: ['svc'], nameRule: 'dns-label', statusSubresource: true }),
  // batch/v1 keeps orphaning as the REST default for backwards compatibility (kubernetes#61110).
  define('batch/v1', 'jobs', Job, { ...WORKLOAD, maxNameLength: 63, defaultPropagation: 'Orphan' }),
  // Stored only: no schedule controller creates Jobs from it.
  define('batch/v1', 'cronjobs', CronJob, { ...WORKLOAD, shortNames: ['cj'], maxNameLength: 52 }),
  define('apps/v1', 'deployments', Deployment, { ...WORKLOAD, shortNames: ['deploy'] }),
  define('rbac.authorization.k8s.io/v1', 'roles', Role, { nameRule: 'path-segment' }),
  define('rbac.authorization.k8s.io/v1', 'rolebindings', RoleBinding, { nameRule: 'path-segment' }),
  define('rbac.authorization.k8s.io/v1', 'clusterroles', ClusterRole, { namespaced: false, nameRule: 'path-segment' }),
  define('rbac.authorization.k8s.io/v1', 'clusterrolebindings', ClusterRoleBinding, { namespaced: false, nameRule: 'path-segment' }),
  define('networking.k8s.io/v1', 'networkpolicies', NetworkPolicy, { shortNames: ['netpol'], tracksGeneration: true }),
  define('policy/v1', 'poddisruptionbudgets', PodDisruptionBudget, { shortNames: ['pdb'], statusSubresource: true, tracksGeneration: true }),
];

export function findResource(apiVersion: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.apiVersion === apiVersion && r.plural === plural);
}

export function requireResource(apiVersion: string, plural: string): ResourceType {
  const resource = findResource(apiVersion, plural);
  if (!resource) {
    throw new Error(`kubesim registry has no ${plural} in ${apiVersion}`);
  }
  return resource;
}

/** `jobs.batch` or `pods`: how the API server names a resource in messages. */
export function qualifiedResource(resource: ResourceType): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

/** `Job.batch` or `Pod`: the qualified kind used in Invalid messages. */
export function qualifiedKind(resource: ResourceType): string {
  return resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
}

export const NAMESPACES = requireResource('v1', 'namespaces');
export const PODS = requireResource('v1', 'pods');
export const SECRETS = requireResource('v1', 'secrets');
export const CONFIGMAPS = requireResource('v1', 'configmaps');
export const SERVICEACCOUNTS = requireResource('v1', 'serviceaccounts');
export const EVENTS = requireResource('v1', 'events');
export const NODES = requireResource('v1', 'nodes');
export const JOBS = requireResource('batch/v1', 'jobs');
