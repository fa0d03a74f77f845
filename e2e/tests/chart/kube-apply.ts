/**
 * Applies rendered chart objects to an API server (kubesim in the tests) the
 * way `helm install` would: create, in Helm's install order. Kinds the server
 * does not serve (per discovery) are returned instead of applied, so the test
 * can pin that list and notice when the simulator grows or the chart changes.
 */
import { ApiException, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './helm.ts';

/** Helm's InstallOrder, trimmed to what the chart renders. */
const INSTALL_ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'Deployment', 'CronJob', 'PodDisruptionBudget', 'ServiceMonitor'];

export function kindKey(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  return `${obj.apiVersion} ${obj.kind}`;
}

/** `apiVersion kind` pairs the server's discovery documents list, for the given apiVersions. */
export async function servedKinds(kc: KubeConfig, apiVersions: Iterable<string>): Promise<Set<string>> {
  const served = new Set<string>();
  for (const apiVersion of new Set(apiVersions)) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const list = await (group === ''
      ? kc.makeApiClient(CoreV1Api).getAPIResources()
      : kc.makeApiClient(CustomObjectsApi).getAPIResources({ group: group ?? '', version: version ?? '' })
    ).catch((error: unknown) => {
      // A group version the server does not serve answers 404: nothing of it is served.
      if (error instanceof ApiException && error.code === 404) {
        return { resources: [] };
      }
      throw error;
    });
    for (const resource of list.resources) {
      if (!resource.name.includes('/')) {
        served.add(`${apiVersion} ${resource.kind}`);
      }
    }
  }
  return served;
}

export interface ApplyResult {
  applied: KubeObject[];
  /** `apiVersion kind name` of every object skipped because the server does not serve its kind. */
  skipped: string[];
}

/** Creates every served object (throws on the first rejection) and reports the rest. */
export async function applyObjects(kc: KubeConfig, objects: readonly KubeObject[]): Promise<ApplyResult> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const served = await servedKinds(
    kc,
    objects.map((o) => o.apiVersion),
  );
  const ordered = [...objects].sort((a, b) => rank(a.kind) - rank(b.kind));
  const result: ApplyResult = { applied: [], skipped: [] };
  for (const obj of ordered) {
    if (!served.has(kindKey(obj))) {
      result.skipped.push(`${kindKey(obj)} ${obj.metadata.name}`);
      continue;
    }
    try {
      await client.create(obj);
    } catch (error) {
      const body = error instanceof ApiException ? String(error.body) : String(error);
      throw new Error(`the API server rejected ${kindKey(obj)} ${obj.metadata.name}: ${body}`, { cause: error });
    }
    result.applied.push(obj);
  }
  return result;
}

function rank(kind: string): number {
  const index = INSTALL_ORDER.indexOf(kind);
  return index === -1 ? INSTALL_ORDER.length : index;
}
