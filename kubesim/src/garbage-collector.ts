/**
 * GARBAGE COLLECTOR for ownerReferences.
 * - Background: once an owner is gone, delete every object that still names it.
 * - Foreground: the owner waits (deletionTimestamp + `foregroundDeletion`
 *   finalizer) while its dependents are deleted; when none is left the
 *   finalizer goes and with it the owner.
 * Orphan needs nothing here: the DELETE handler already removed the references.
 */
import { ApiError } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import type { Deleter } from './object-delete.ts';
import { findDependents } from './owner-references.ts';
import type { ResourceType } from './resource-registry.ts';
import type { Store } from './store.ts';
import { createWorkQueue } from './work-queue.ts';

interface ObjectRef {
  resource: ResourceType;
  namespace: string;
  name: string;
}

const FOREGROUND = 'foregroundDeletion';

export function createGarbageCollector(store: Store, deleter: Deleter, log: (msg: string, fields?: Record<string, unknown>) => void): { close(): void } {
  const byUid = new Map<string, ObjectRef>();
  const goneOwners = new Map<string, KubeObject>();

  const deleteDependents = (owner: KubeObject): number => {
    const dependents = findDependents(store, owner);
    for (const { resource, object } of dependents) {
      if (object.metadata.deletionTimestamp) {
        continue;
      }
      try {
        deleter.delete(resource, object.metadata.namespace ?? '', object.metadata.name ?? '', { propagationPolicy: 'Background' });
      } catch (err) {
        if (!(err instanceof ApiError && err.status.code === 404)) {
          throw err;
        }
      }
    }
    return findDependents(store, owner).length;
  };

  const finishForeground = (ref: ObjectRef): void => {
    const owner = store.get(ref.resource, ref.namespace, ref.name);
    const finalizers = owner?.metadata.finalizers ?? [];
    if (!owner?.metadata.deletionTimestamp || !finalizers.includes(FOREGROUND) || deleteDependents(owner) > 0) {
      return;
    }
    const rest = finalizers.filter((f) => f !== FOREGROUND);
    const next = { ...owner, metadata: { ...owner.metadata, finalizers: rest } };
    if (rest.length === 0) {
      store.remove(ref.resource, owner, next);
    } else {
      store.put(ref.resource, next);
    }
  };

  const process = (key: string): void => {
    const [kind, uid = ''] = key.split(':');
    if (kind === 'gone') {
      const owner = goneOwners.get(uid);
      goneOwners.delete(uid);
      if (owner) {
        deleteDependents(owner);
      }
      return;
    }
    const ref = byUid.get(uid);
    if (ref) {
      finishForeground(ref);
    }
  };

  const queue = createWorkQueue(process, (key, err) => log('garbage collector error', { key, error: String(err) }));
  const unsubscribe = store.subscribe((event) => {
    const { object, resource } = event;
    const uid = object.metadata.uid ?? '';
    if (event.type === 'DELETED') {
      byUid.delete(uid);
      goneOwners.set(uid, object);
      queue.add(`gone:${uid}`);
      // A dependent going away may be the last thing a foreground owner waits for.
      (object.metadata.ownerReferences ?? []).forEach((ref) => queue.add(`foreground:${ref.uid}`));
      return;
    }
    byUid.set(uid, { resource, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '' });
    if (object.metadata.deletionTimestamp && object.metadata.finalizers?.includes(FOREGROUND)) {
      queue.add(`foreground:${uid}`);
    }
  });

  return {
    close() {
      unsubscribe();
      queue.stop();
    },
  };
}
