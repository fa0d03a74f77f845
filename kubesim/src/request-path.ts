/**
 * Resource URL layout: /api/v1/... for the core group, /apis/<group>/<version>/...
 * otherwise, then [watch/][namespaces/<ns>/]<plural>[/<name>[/<subresource>]].
 */
import type { ResourceType } from './resource-registry.ts';
import { findResource } from './resource-registry.ts';

export interface ResourcePath {
  resource: ResourceType;
  /** undefined for cluster-scoped resources and for all-namespace lists. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The deprecated /watch/ path prefix, equivalent to ?watch=true. */
  watchPrefix: boolean;
}

function splitGroupVersion(parts: string[]): { apiVersion: string; rest: string[] } | undefined {
  if (parts[0] === 'api' && parts[1]) {
    return { apiVersion: parts[1], rest: parts.slice(2) };
  }
  if (parts[0] === 'apis' && parts[1] && parts[2]) {
    return { apiVersion: `${parts[1]}/${parts[2]}`, rest: parts.slice(3) };
  }
  return undefined;
}

export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const gv = splitGroupVersion(parts);
  if (!gv || gv.rest.length === 0) {
    return undefined;
  }
  const rest = [...gv.rest];
  const watchPrefix = rest[0] === 'watch';
  if (watchPrefix) {
    rest.shift();
  }
  const nested = rest[0] === 'namespaces' && rest.length >= 3 ? findResource(gv.apiVersion, rest[2] ?? '') : undefined;
  if (nested?.namespaced) {
    if (rest.length > 5) {
      return undefined;
    }
    return { resource: nested, namespace: rest[1], name: rest[3], subresource: rest[4], watchPrefix };
  }
  const resource = findResource(gv.apiVersion, rest[0] ?? '');
  if (!resource || rest.length > 3 || (resource.namespaced && rest.length > 1)) {
    return undefined;
  }
  return { resource, namespace: undefined, name: rest[1], subresource: rest[2], watchPrefix };
}
