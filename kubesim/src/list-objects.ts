/**
 * LIST: filtering, etcd key order, and limit/continue paging. Items are
 * served without apiVersion/kind, as the real apiserver encodes typed lists.
 */
import { ApiError } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import type { ObjectFilter } from './selectors.ts';
import { matchesFilter } from './selectors.ts';
import type { Store } from './store.ts';

export interface ListQuery {
  filter: ObjectFilter;
  limit: number | undefined;
  continueToken: string | undefined;
}

export interface ListResult {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

function decodeContinue(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'start' in parsed && typeof parsed.start === 'string') {
      return parsed.start;
    }
  } catch (err) {
    throw new ApiError(400, 'BadRequest', 'continue key is not valid: illegal base64 data', undefined, { cause: err });
  }
  throw new ApiError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

function stripTypeMeta(obj: KubeObject): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  return { ...rest, metadata: obj.metadata };
}

export function selectObjects(store: Store, resource: ResourceType, namespace: string | undefined, filter: ObjectFilter): KubeObject[] {
  return store.list(resource, namespace).filter((obj) => matchesFilter(filter, obj));
}

export function listObjects(store: Store, resource: ResourceType, namespace: string | undefined, query: ListQuery): ListResult {
  const resourceVersion = String(store.currentVersion());
  let items = selectObjects(store, resource, namespace, query.filter);
  if (query.continueToken) {
    const start = decodeContinue(query.continueToken);
    items = items.filter((obj) => keyOf(obj) > start);
  }
  const metadata: ListResult['metadata'] = { resourceVersion };
  if (query.limit !== undefined && query.limit > 0 && items.length > query.limit) {
    const page = items.slice(0, query.limit);
    const last = page[page.length - 1];
    metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(resourceVersion), start: last ? keyOf(last) : '' })).toString('base64url');
    metadata.remainingItemCount = items.length - page.length;
    items = page;
  }
  return { apiVersion: resource.apiVersion, kind: `${resource.kind}List`, metadata, items: items.map(stripTypeMeta) };
}
