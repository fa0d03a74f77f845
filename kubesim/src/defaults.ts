/**
 * Defaulting the apiserver applies on every write (SetDefaults_*), plus the
 * create-time preparation of each kind's REST strategy (PrepareForCreate).
 * Clients read these fields back, so leaving them out would hide bugs.
 */
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';

type Json = Record<string, unknown>;

function ensureRecord(parent: Json, key: string): Json {
  const value = parent[key];
  if (isRecord(value)) {
    return value;
  }
  const created: Json = {};
  parent[key] = created;
  return created;
}

function setDefault(target: Json, key: string, value: unknown): void {
  if (target[key] === undefined) {
    target[key] = value;
  }
}

function defaultImagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') {
    return 'IfNotPresent';
  }
  const lastSegment = image.split('/').pop() ?? image;
  const tag = lastSegment.includes('@') ? 'digest' : (lastSegment.split(':')[1] ?? 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultPodSpec(spec: Json): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'enableServiceLinks', true);
  const containers = Array.isArray(spec['containers']) ? spec['containers'] : [];
  for (const container of containers) {
    if (isRecord(container)) {
      setDefault(container, 'terminationMessagePath', '/dev/termination-log');
      setDefault(container, 'terminationMessagePolicy', 'File');
      setDefault(container, 'imagePullPolicy', defaultImagePullPolicy(container['image']));
      setDefault(container, 'resources', {});
    }
  }
}

function defaultTemplate(spec: Json): void {
  const template = ensureRecord(spec, 'template');
  defaultPodSpec(ensureRecord(template, 'spec'));
}

function defaultJob(obj: KubeObject): void {
  const spec = ensureRecord(obj, 'spec');
  if (spec['completions'] === undefined && spec['parallelism'] === undefined) {
    spec['completions'] = 1;
  }
  setDefault(spec, 'parallelism', 1);
  if (spec['podFailurePolicy'] === undefined) {
    setDefault(spec, 'backoffLimit', 6);
  }
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultTemplate(spec);
}

function defaultSecret(obj: KubeObject): void {
  setDefault(obj, 'type', 'Opaque');
  // stringData is write-only: merged into data (base64) and never stored.
  const stringData = obj['stringData'];
  if (isRecord(stringData)) {
    const data = ensureRecord(obj, 'data');
    for (const [key, value] of Object.entries(stringData)) {
      data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    }
    delete obj['stringData'];
  }
}

function defaultDeployment(obj: KubeObject): void {
  const spec = ensureRecord(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  setDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  defaultTemplate(spec);
}

function defaultNamespace(obj: KubeObject): void {
  // Since 1.21 every namespace carries its own name as an immutable label.
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
}

const DEFAULTERS: Record<string, (obj: KubeObject) => void> = {
  Namespace: defaultNamespace,
  Pod: (obj) => defaultPodSpec(ensureRecord(obj, 'spec')),
  Job: defaultJob,
  Deployment: defaultDeployment,
  Secret: defaultSecret,
};

/** Mutates `obj` in place; callers pass a private copy. */
export function applyDefaults(resource: ResourceType, obj: KubeObject): void {
  DEFAULTERS[resource.kind]?.(obj);
}

function prepareJob(obj: KubeObject): void {
  const spec = ensureRecord(obj, 'spec');
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  if (spec['manualSelector'] !== true) {
    spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const meta = ensureRecord(ensureRecord(spec, 'template'), 'metadata');
    const labels = isRecord(meta['labels']) ? meta['labels'] : {};
    meta['labels'] = { ...labels, 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  }
  obj['status'] = {};
}

const CREATE_PREPARERS: Record<string, (obj: KubeObject) => void> = {
  Namespace: (obj) => {
    obj['spec'] = { finalizers: ['kubernetes'] };
    obj['status'] = { phase: 'Active' };
  },
  Pod: (obj) => {
    obj['status'] = { phase: 'Pending', qosClass: 'BestEffort' };
  },
  Job: prepareJob,
  Deployment: (obj) => {
    obj['status'] = {};
  },
};

/** Create-only preparation; runs after uid assignment because Job selectors embed it. */
export function prepareForCreate(resource: ResourceType, obj: KubeObject): void {
  CREATE_PREPARERS[resource.kind]?.(obj);
}
