/**
 * Namespace lease keepalive (docs/domain.md §5.7 rule 4: every
 * heartbeat while a run is held): re-write the lease annotations from now.
 * Only a namespace of this installation that is not terminating is touched,
 * and the patch carries the resourceVersion it was checked at.
 */
import { namespaceLeaseAnnotations } from '@stageline/policy';
import type { KubeGateway } from '../kube/kube-gateway.ts';
import { isOwnedBy } from '../kube/manifests.ts';

export type LeaseRenewal = 'renewed' | 'gone' | 'not_managed' | 'terminating' | 'conflict';

export async function renewNamespaceLease(gateway: KubeGateway, name: string, installation: string, now: Date, ttlSeconds: number): Promise<LeaseRenewal> {
  // One retry: a concurrent writer (another run of the same issue) moves the resourceVersion.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const ns = await gateway.readNamespace(name);
    if (!ns) {
      return 'gone';
    }
    if (!isOwnedBy(ns.labels, installation)) {
      return 'not_managed';
    }
    if (ns.deletionTimestamp !== null) {
      return 'terminating';
    }
    const written = await gateway.patchNamespaceAnnotations(name, namespaceLeaseAnnotations(now, ttlSeconds), ns.resourceVersion);
    if (written === 'done') {
      return 'renewed';
    }
    if (written === 'not_found') {
      return 'gone';
    }
  }
  return 'conflict';
}
