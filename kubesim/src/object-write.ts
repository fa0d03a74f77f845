/**
 * Create and update semantics of the generic registry store: server-owned
 * metadata, defaulting, validation, admission, optimistic concurrency and
 * per-kind immutability. Both the HTTP handlers and the controllers write
 * through here so they see the same rules.
 */
import { randomUUID } from 'node:crypto';
import { admitCreate, ensureDefaultServiceAccount } from './admission.ts';
import { applyDefaults, prepareForCreate } from './defaults.ts';
import { alreadyExists, badRequest, conflict, internalError, invalid, notFound, STALE_OBJECT } from './http-status.ts';
import type { KubeObject, ObjectMeta } from './kube-object.ts';
import { isRecord, randomSuffix, toKubeTime } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { NAMESPACES, PODS, JOBS } from './resource-registry.ts';
import type { Store } from './store.ts';
import { validateObject } from './validate.ts';

export interface WriteOptions {
  dryRun?: boolean;
}

export type Subresource = 'status' | undefined;

/** Parses a request body into a private copy with the registry's apiVersion/kind. */
export function toObjectBody(resource: ResourceType, body: unknown): KubeObject {
  if (!isRecord(body)) {
    throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  }
  if (body['apiVersion'] !== undefined && body['apiVersion'] !== resource.apiVersion) {
    throw badRequest(`the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${resource.apiVersion})`);
  }
  if (body['kind'] !== undefined && body['kind'] !== resource.kind) {
    throw badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (${resource.kind})`);
  }
  const copy = structuredClone(body);
  const metadata: ObjectMeta = isRecord(copy['metadata']) ? copy['metadata'] : {};
  return { ...copy, apiVersion: resource.apiVersion, kind: resource.kind, metadata };
}

function assignName(store: Store, resource: ResourceType, meta: ObjectMeta): void {
  if (meta.name || !meta.generateName) {
    return;
  }
  // Retry on the (unlikely) collision instead of surfacing the apiserver's AlreadyExists.
  for (let attempt = 0; attempt < 8; attempt++) {
    const candidate = `${meta.generateName}${randomSuffix()}`;
    if (!store.get(resource, meta.namespace ?? '', candidate)) {
      meta.name = candidate;
      return;
    }
  }
}

function stampCreate(resource: ResourceType, obj: KubeObject, namespace: string): void {
  const meta = obj.metadata;
  if (resource.namespaced) {
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace;
  } else {
    delete meta.namespace;
  }
  if (meta.resourceVersion) {
    throw internalError('resourceVersion should not be set on objects to be created');
  }
  meta.uid = randomUUID();
  meta.creationTimestamp = toKubeTime(new Date());
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (resource.tracksGeneration) {
    meta.generation = 1;
  } else {
    delete meta.generation;
  }
  if (resource.statusSubresource) {
    delete obj['status'];
  }
}

export function createObject(store: Store, resource: ResourceType, namespace: string, body: unknown, options: WriteOptions = {}): KubeObject {
  const obj = toObjectBody(resource, body);
  stampCreate(resource, obj, namespace);
  assignName(store, resource, obj.metadata);
  applyDefaults(resource, obj);
  prepareForCreate(resource, obj);
  validateObject(resource, obj);
  admitCreate(store, resource, obj);
  if (store.get(resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '')) {
    throw alreadyExists(resource, obj.metadata.name ?? '');
  }
  if (options.dryRun) {
    return obj;
  }
  const stored = store.put(resource, obj);
  if (resource === NAMESPACES) {
    // The serviceaccount controller's work, done at once so pods can be created right away.
    ensureDefaultServiceAccount(store, stored.metadata.name ?? '');
  }
  return stored;
}

function specOf(obj: KubeObject): string {
  const { metadata: _metadata, status: _status, ...rest } = obj;
  return JSON.stringify(rest);
}

function checkIdentity(resource: ResourceType, existing: KubeObject, next: KubeObject): void {
  const name = existing.metadata.name ?? '';
  if ((next.metadata.name ?? name) !== name) {
    throw badRequest(`the name of the object (${next.metadata.name ?? ''}) does not match the name on the URL (${name})`);
  }
  const namespace = existing.metadata.namespace;
  if (resource.namespaced && next.metadata.namespace !== undefined && next.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const rv = next.metadata.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== existing.metadata.resourceVersion) {
    throw conflict(resource, name, STALE_OBJECT);
  }
}

/** Fields clients cannot change through the main resource (rest.BeforeUpdate + PrepareForUpdate). */
function carryServerFields(resource: ResourceType, existing: KubeObject, next: KubeObject): KubeObject {
  const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'name', 'namespace'] as const;
  const metadata: Record<string, unknown> = { ...next.metadata };
  for (const field of keep) {
    if (existing.metadata[field] === undefined) {
      delete metadata[field];
    } else {
      metadata[field] = existing.metadata[field];
    }
  }
  const merged: KubeObject = { ...next, metadata };
  if (resource.statusSubresource) {
    merged['status'] = existing['status'];
  }
  if (resource === NAMESPACES) {
    merged['spec'] = existing['spec'];
  }
  return merged;
}

function withStatusOnly(existing: KubeObject, next: KubeObject): KubeObject {
  return { ...structuredClone(existing), status: next['status'] };
}

const POD_ADMISSION_FIELDS = ['serviceAccountName', 'serviceAccount', 'priority', 'tolerations', 'nodeName'];
const POD_MUTABLE_MESSAGE =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function comparablePodSpec(spec: unknown): string {
  if (!isRecord(spec)) {
    return '';
  }
  const { containers, tolerations: _t, activeDeadlineSeconds: _a, ...rest } = spec;
  const stripped = Array.isArray(containers) ? containers.map((c: unknown) => (isRecord(c) ? { ...c, image: '' } : c)) : containers;
  return JSON.stringify({ ...rest, containers: stripped });
}

function checkImmutable(resource: ResourceType, existing: KubeObject, next: KubeObject): void {
  const name = existing.metadata.name ?? '';
  if (resource === PODS && isRecord(next['spec']) && isRecord(existing['spec'])) {
    for (const field of POD_ADMISSION_FIELDS) {
      next['spec'][field] ??= existing['spec'][field];
    }
    if (comparablePodSpec(next['spec']) !== comparablePodSpec(existing['spec'])) {
      throw invalid(resource, name, [{ field: 'spec', detail: POD_MUTABLE_MESSAGE, reason: 'FieldValueForbidden' }]);
    }
  }
  if (resource === JOBS && isRecord(next['spec']) && isRecord(existing['spec'])) {
    for (const field of ['selector', 'template']) {
      if (JSON.stringify(next['spec'][field]) !== JSON.stringify(existing['spec'][field])) {
        throw invalid(resource, name, [{ field: `spec.${field}`, detail: 'Invalid value: "object": field is immutable' }]);
      }
    }
  }
}

function finishesDeletion(resource: ResourceType, existing: KubeObject, next: KubeObject): boolean {
  // Removing the last finalizer from an object being deleted completes the deletion.
  // Namespaces also wait for their spec.finalizers, which the namespace controller owns.
  return (
    resource !== NAMESPACES &&
    next.metadata.deletionTimestamp !== undefined &&
    (existing.metadata.finalizers ?? []).length > 0 &&
    (next.metadata.finalizers ?? []).length === 0
  );
}

/** PUT semantics shared by replace and patch; `body` is the full desired object. */
export function updateObject(store: Store, resource: ResourceType, existing: KubeObject, body: unknown, options: WriteOptions, subresource: Subresource): KubeObject {
  const next = toObjectBody(resource, body);
  checkIdentity(resource, existing, next);
  const merged = subresource === 'status' ? withStatusOnly(existing, next) : carryServerFields(resource, existing, next);
  applyDefaults(resource, merged);
  checkImmutable(resource, existing, merged);
  validateObject(resource, merged);
  if (resource.tracksGeneration && specOf(merged) !== specOf(existing)) {
    merged.metadata.generation = (existing.metadata.generation ?? 1) + 1;
  }
  if (options.dryRun) {
    return merged;
  }
  if (finishesDeletion(resource, existing, merged)) {
    return store.remove(resource, existing, merged) ?? merged;
  }
  return store.put(resource, merged);
}

export function getObject(store: Store, resource: ResourceType, namespace: string, name: string): KubeObject {
  const obj = store.get(resource, namespace, name);
  if (!obj) {
    throw notFound(resource, name);
  }
  return obj;
}

/** Controllers' status writes: last-writer-wins on the current object, skipped when nothing changed. */
export function writeStatus(store: Store, resource: ResourceType, obj: KubeObject, status: unknown): KubeObject | undefined {
  const current = store.get(resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
  if (!current || current.metadata.uid !== obj.metadata.uid) {
    return undefined;
  }
  if (JSON.stringify(current['status']) === JSON.stringify(status)) {
    return current;
  }
  return store.put(resource, { ...current, status });
}
