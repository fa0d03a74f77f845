/**
 * NAMESPACE CONTROLLER: a Terminating namespace is emptied (every namespaced
 * object deleted, pods gracefully, so their processes get SIGTERM) and then
 * removed, which is the DELETED event `kubectl delete ns` waits for.
 */
import { ApiError } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord, toKubeTime } from './kube-object.ts';
import type { Deleter } from './object-delete.ts';
import { NAMESPACES, RESOURCES } from './resource-registry.ts';
import type { Store } from './store.ts';
import { createWorkQueue } from './work-queue.ts';

function deleteQuietly(run: () => void): void {
  try {
    run();
  } catch (err) {
    // Already gone is the goal; anything else is a bug worth surfacing.
    if (!(err instanceof ApiError && err.status.code === 404)) {
      throw err;
    }
  }
}

/** Deletes what is left and returns how many objects of each resource still remain. */
function emptyNamespace(store: Store, deleter: Deleter, namespace: string): Map<string, number> {
  const remaining = new Map<string, number>();
  for (const resource of RESOURCES.filter((r) => r.namespaced)) {
    for (const obj of store.list(resource, namespace)) {
      if (!obj.metadata.deletionTimestamp) {
        deleteQuietly(() => deleter.delete(resource, namespace, obj.metadata.name ?? '', { propagationPolicy: 'Background' }));
      }
    }
    const left = store.list(resource, namespace).length;
    if (left > 0) {
      remaining.set(resource.group ? `${resource.plural}.${resource.group}` : resource.plural, left);
    }
  }
  return remaining;
}

/** The namespace with its NamespaceContentRemaining condition, or undefined if it already says so. */
function withContentCondition(ns: KubeObject, remaining: Map<string, number>): KubeObject | undefined {
  const status = isRecord(ns['status']) ? ns['status'] : {};
  const message = `Some resources are remaining: ${[...remaining].map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`;
  const existing = Array.isArray(status['conditions']) ? status['conditions'] : [];
  if (existing.some((c: unknown) => isRecord(c) && c['message'] === message)) {
    return undefined;
  }
  const conditions = [{ type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: toKubeTime(new Date()), reason: 'SomeResourcesRemain', message }];
  return { ...ns, status: { ...status, conditions } };
}

export function createNamespaceController(store: Store, deleter: Deleter, log: (msg: string, fields?: Record<string, unknown>) => void): { close(): void } {
  const reconcile = (name: string): void => {
    const ns = store.get(NAMESPACES, '', name);
    if (!ns?.metadata.deletionTimestamp) {
      return;
    }
    const remaining = emptyNamespace(store, deleter, name);
    if (remaining.size === 0 && (ns.metadata.finalizers ?? []).length === 0) {
      store.remove(NAMESPACES, ns, { ...ns, spec: { finalizers: [] } });
      return;
    }
    const current = store.get(NAMESPACES, '', name);
    const next = current && remaining.size > 0 ? withContentCondition(current, remaining) : undefined;
    if (next) {
      store.put(NAMESPACES, next);
    }
  };

  const queue = createWorkQueue(reconcile, (key, err) => log('namespace controller error', { namespace: key, error: String(err) }));
  const unsubscribe = store.subscribe((event) => {
    if (event.resource === NAMESPACES && event.type !== 'DELETED' && event.object.metadata.deletionTimestamp) {
      queue.add(event.object.metadata.name ?? '');
    } else if (event.resource.namespaced && event.type === 'DELETED') {
      const namespace = event.object.metadata.namespace ?? '';
      if (store.get(NAMESPACES, '', namespace)?.metadata.deletionTimestamp) {
        queue.add(namespace);
      }
    }
  });

  return {
    close() {
      unsubscribe();
      queue.stop();
    },
  };
}
