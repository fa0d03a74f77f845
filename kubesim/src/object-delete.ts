/**
 * DELETE semantics: preconditions, graceful pod termination, finalizers and
 * the propagation policy the garbage collector later acts on.
 *
 * - Pods bound to a node and not yet finished are deleted gracefully: they get
 *   deletionTimestamp = now + grace and stay until the pod runner has stopped
 *   their processes (the kubelet's part).
 * - Namespaces turn Terminating; the namespace controller empties and removes them.
 * - Foreground adds the `foregroundDeletion` finalizer; Orphan strips the
 *   owner from dependents before the owner goes.
 */
import { conflict } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord, toKubeTime } from './kube-object.ts';
import { orphanDependents } from './owner-references.ts';
import type { PropagationPolicy, ResourceType } from './resource-registry.ts';
import { NAMESPACES, PODS } from './resource-registry.ts';
import type { Store } from './store.ts';
import { getObject } from './object-write.ts';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteOutcome {
  object: KubeObject;
  /** False while graceful termination or finalizers keep the object around. */
  removed: boolean;
}

function resolvePropagation(resource: ResourceType, options: DeleteOptions): PropagationPolicy {
  if (options.propagationPolicy) {
    return options.propagationPolicy;
  }
  if (options.orphanDependents !== undefined) {
    return options.orphanDependents ? 'Orphan' : 'Background';
  }
  return resource.defaultPropagation;
}

function checkPreconditions(resource: ResourceType, obj: KubeObject, options: DeleteOptions): void {
  const pre = options.preconditions;
  const name = obj.metadata.name ?? '';
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw conflict(resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
  }
}

/** Grace period for a pod that still has a running container; 0 means delete now. */
function podGracePeriod(resource: ResourceType, obj: KubeObject, options: DeleteOptions): number {
  if (resource !== PODS) {
    return 0;
  }
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const status = isRecord(obj['status']) ? obj['status'] : {};
  if (!spec['nodeName'] || status['phase'] === 'Succeeded' || status['phase'] === 'Failed') {
    return 0;
  }
  const configured = typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30;
  return Math.max(0, options.gracePeriodSeconds ?? configured);
}

function markDeleting(obj: KubeObject, graceSeconds: number, finalizers: string[]): KubeObject {
  const metadata = { ...obj.metadata, deletionTimestamp: toKubeTime(new Date(Date.now() + graceSeconds * 1000)), deletionGracePeriodSeconds: graceSeconds };
  if (finalizers.length > 0) {
    metadata.finalizers = finalizers;
  }
  return { ...obj, metadata };
}

/** A second DELETE may shorten a pod's grace period; 0 forces removal. */
function deleteAgain(store: Store, resource: ResourceType, obj: KubeObject, options: DeleteOptions): DeleteOutcome {
  const grace = options.gracePeriodSeconds;
  const current = obj.metadata.deletionGracePeriodSeconds ?? 0;
  if (resource !== PODS || grace === undefined || grace >= current) {
    return { object: obj, removed: false };
  }
  if (grace === 0 && (obj.metadata.finalizers ?? []).length === 0) {
    return { object: store.remove(resource, obj) ?? obj, removed: true };
  }
  return { object: store.put(resource, markDeleting(obj, grace, obj.metadata.finalizers ?? [])), removed: false };
}

export interface Deleter {
  delete(resource: ResourceType, namespace: string, name: string, options?: DeleteOptions): DeleteOutcome;
}

/**
 * Background needs no bookkeeping: once the owner is gone the garbage
 * collector deletes whatever still references it, and Orphan has already
 * removed those references by then.
 */
export function createDeleter(store: Store): Deleter {
  const terminateNamespace = (obj: KubeObject): DeleteOutcome => {
    const marked = markDeleting(obj, 0, obj.metadata.finalizers ?? []);
    const status = { ...(isRecord(obj['status']) ? obj['status'] : {}), phase: 'Terminating' };
    return { object: store.put(NAMESPACES, { ...marked, status }), removed: false };
  };

  return {
    delete(resource, namespace, name, options = {}) {
      const existing = getObject(store, resource, namespace, name);
      checkPreconditions(resource, existing, options);
      if (options.dryRun) {
        return { object: existing, removed: true };
      }
      if (existing.metadata.deletionTimestamp) {
        return deleteAgain(store, resource, existing, options);
      }
      if (resource === NAMESPACES) {
        return terminateNamespace(existing);
      }
      const policy = resolvePropagation(resource, options);
      if (policy === 'Orphan') {
        orphanDependents(store, existing);
      }
      const finalizers = [...(existing.metadata.finalizers ?? []), ...(policy === 'Foreground' ? ['foregroundDeletion'] : [])];
      const grace = podGracePeriod(resource, existing, options);
      if (finalizers.length === 0 && grace === 0) {
        return { object: store.remove(resource, existing) ?? existing, removed: true };
      }
      return { object: store.put(resource, markDeleting(existing, grace, finalizers)), removed: false };
    },
  };
}
