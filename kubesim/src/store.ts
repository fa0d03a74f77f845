/**
 * In-memory object storage with one global, monotonically increasing
 * resourceVersion (etcd's revision). Every write emits a StoreEvent
 * synchronously, in order, so the watch history never misses or reorders one.
 * Stored objects are treated as immutable: writers always put a fresh copy.
 */
import type { KubeObject } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  resource: ResourceType;
  object: KubeObject;
  /** The object before this write; watch filters need it to turn "stopped matching" into DELETED. */
  previous: KubeObject | undefined;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

export interface Store {
  currentVersion(): number;
  get(resource: ResourceType, namespace: string, name: string): KubeObject | undefined;
  /** Sorted by namespace, then name, as etcd's key order would return them. */
  list(resource: ResourceType, namespace?: string): KubeObject[];
  put(resource: ResourceType, object: KubeObject): KubeObject;
  /** `finalState` replaces the stored content in the DELETED event (e.g. after the last finalizer is removed). */
  remove(resource: ResourceType, object: KubeObject, finalState?: KubeObject): KubeObject | undefined;
  subscribe(listener: StoreListener): () => void;
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function createStore(): Store {
  const tables = new Map<ResourceType, Map<string, KubeObject>>();
  const listeners = new Set<StoreListener>();
  let revision = 0;

  const tableOf = (resource: ResourceType): Map<string, KubeObject> => {
    let table = tables.get(resource);
    if (!table) {
      table = new Map();
      tables.set(resource, table);
    }
    return table;
  };

  const emit = (event: StoreEvent): void => {
    for (const listener of listeners) {
      listener(event);
    }
  };

  const stamp = (object: KubeObject): KubeObject => {
    revision += 1;
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
  };

  return {
    currentVersion: () => revision,
    get: (resource, namespace, name) => tableOf(resource).get(keyOf(namespace, name)),
    list(resource, namespace) {
      const all = [...tableOf(resource).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
      return namespace === undefined ? all : all.filter((o) => (o.metadata.namespace ?? '') === namespace);
    },
    put(resource, object) {
      const key = keyOf(object.metadata.namespace ?? '', object.metadata.name ?? '');
      const table = tableOf(resource);
      const previous = table.get(key);
      const stored = stamp(object);
      table.set(key, stored);
      emit({ type: previous ? 'MODIFIED' : 'ADDED', resource, object: stored, previous, resourceVersion: revision });
      return stored;
    },
    remove(resource, object, finalState) {
      const key = keyOf(object.metadata.namespace ?? '', object.metadata.name ?? '');
      const table = tableOf(resource);
      const previous = table.get(key);
      if (!previous) {
        return undefined;
      }
      table.delete(key);
      // The DELETED event carries the deletion's own revision, as etcd reports it.
      const removed = stamp(finalState ?? previous);
      emit({ type: 'DELETED', resource, object: removed, previous, resourceVersion: revision });
      return removed;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
