/** Finding the dependents of an owner: the objects whose ownerReferences name its uid. */
import type { KubeObject, ObjectMeta } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { RESOURCES } from './resource-registry.ts';
import type { Store } from './store.ts';

export interface Dependent {
  resource: ResourceType;
  object: KubeObject;
}

export function isOwnedBy(obj: KubeObject, ownerUid: string): boolean {
  return (obj.metadata.ownerReferences ?? []).some((ref) => ref.uid === ownerUid);
}

export function findDependents(store: Store, owner: KubeObject): Dependent[] {
  const uid = owner.metadata.uid ?? '';
  // A namespaced owner can only own objects in its own namespace.
  const namespace = owner.metadata.namespace || undefined;
  const found: Dependent[] = [];
  for (const resource of RESOURCES) {
    if (namespace !== undefined && !resource.namespaced) {
      continue;
    }
    for (const object of store.list(resource, namespace)) {
      if (isOwnedBy(object, uid)) {
        found.push({ resource, object });
      }
    }
  }
  return found;
}

/** What the garbage collector does for propagationPolicy=Orphan: drop the owner from each dependent. */
export function orphanDependents(store: Store, owner: KubeObject): void {
  const uid = owner.metadata.uid ?? '';
  for (const { resource, object } of findDependents(store, owner)) {
    const ownerReferences = (object.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
    const metadata: ObjectMeta = { ...object.metadata, ownerReferences };
    if (ownerReferences.length === 0) {
      delete metadata.ownerReferences;
    }
    store.put(resource, { ...object, metadata });
  }
}
