/**
 * Legacy discovery documents (/version, /api, /apis, group and group-version
 * lists) built from the registry. kubectl asks for aggregated discovery
 * (apidiscovery.k8s.io/v2) first and falls back to these when the reply's
 * Content-Type is plain application/json.
 */
import type { ResourceType } from './resource-registry.ts';
import { RESOURCES } from './resource-registry.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kubesim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function groups(): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const r of RESOURCES) {
    if (r.group !== '') {
      const versions = byGroup.get(r.group) ?? [];
      if (!versions.includes(r.version)) {
        versions.push(r.version);
      }
      byGroup.set(r.group, versions);
    }
  }
  return byGroup;
}

function toApiGroup(name: string, versions: string[]): Record<string, unknown> {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

function toApiResources(resource: ResourceType): Record<string, unknown>[] {
  const main: Record<string, unknown> = { name: resource.plural, singularName: resource.singular, namespaced: resource.namespaced, kind: resource.kind, verbs: VERBS };
  if (resource.shortNames.length > 0) {
    main['shortNames'] = resource.shortNames;
  }
  if (resource.categories.length > 0) {
    main['categories'] = resource.categories;
  }
  const subresources = [...(resource.statusSubresource ? ['status'] : []), ...(resource.kind === 'Pod' ? ['log'] : []), ...(resource.kind === 'Namespace' ? ['finalize'] : [])];
  const subs = subresources.map((sub) => ({
    name: `${resource.plural}/${sub}`,
    singularName: '',
    namespaced: resource.namespaced,
    kind: resource.kind,
    verbs: sub === 'log' ? ['get'] : sub === 'finalize' ? ['update'] : ['get', 'patch', 'update'],
  }));
  return [main, ...subs];
}

function resourceList(apiVersion: string): Record<string, unknown> | undefined {
  const resources = RESOURCES.filter((r) => r.apiVersion === apiVersion);
  if (resources.length === 0) {
    return undefined;
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersion, resources: resources.flatMap(toApiResources) };
}

/** The discovery document for `pathname`, or undefined if it is not a discovery path. */
export function discoveryDocument(pathname: string, serverAddress: string): unknown {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/version') {
    return SERVER_VERSION;
  }
  if (path === '/api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (path === '/apis') {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups()].map(([name, versions]) => toApiGroup(name, versions)) };
  }
  const coreMatch = /^\/api\/([^/]+)$/.exec(path);
  if (coreMatch?.[1]) {
    return resourceList(coreMatch[1]);
  }
  const groupMatch = /^\/apis\/([^/]+)$/.exec(path);
  if (groupMatch?.[1]) {
    const versions = groups().get(groupMatch[1]);
    return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...toApiGroup(groupMatch[1], versions) } : undefined;
  }
  const gvMatch = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  return gvMatch ? resourceList(`${gvMatch[1]}/${gvMatch[2]}`) : undefined;
}
