/**
 * The admission plugins a default cluster runs that clients can observe:
 * NamespaceLifecycle (no content in missing or terminating namespaces) and
 * ServiceAccount (pods run as an existing service account, `default` if unset).
 */
import { randomUUID } from 'node:crypto';
import { forbidden, notFound } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord, toKubeTime } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { NAMESPACES, PODS, SERVICEACCOUNTS } from './resource-registry.ts';
import type { Store } from './store.ts';

function admitNamespace(store: Store, resource: ResourceType, obj: KubeObject): void {
  const namespace = obj.metadata.namespace ?? '';
  const ns = store.get(NAMESPACES, '', namespace);
  if (!ns) {
    throw notFound(NAMESPACES, namespace);
  }
  if (ns.metadata.deletionTimestamp) {
    const cause = { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' };
    throw forbidden(resource, obj.metadata.name ?? '', `unable to create new content in namespace ${namespace} because it is being terminated`, [cause]);
  }
}

function admitPod(store: Store, obj: KubeObject): void {
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const account = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '' ? spec['serviceAccountName'] : 'default';
  spec['serviceAccountName'] = account;
  spec['serviceAccount'] = account;
  const namespace = obj.metadata.namespace ?? '';
  if (!store.get(SERVICEACCOUNTS, namespace, account)) {
    throw forbidden(PODS, obj.metadata.name ?? '', `error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`);
  }
  spec['priority'] ??= 0;
  spec['tolerations'] ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
}

/** May mutate `obj` (as mutating admission does); throws the apiserver's rejection. */
export function admitCreate(store: Store, resource: ResourceType, obj: KubeObject): void {
  if (resource.namespaced) {
    admitNamespace(store, resource, obj);
  }
  if (resource === PODS) {
    admitPod(store, obj);
  }
}


export function ensureDefaultServiceAccount(store: Store, namespace: string): void {
  if (store.get(SERVICEACCOUNTS, namespace, 'default')) {
    return;
  }
  const metadata = { name: 'default', namespace, uid: randomUUID(), creationTimestamp: toKubeTime(new Date()) };
  store.put(SERVICEACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata });
}
