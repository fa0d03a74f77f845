/**
 * Namespace calls of the client-node gateway. Every write is guarded: an
 * existing namespace is merged into only when it carries this installation's
 * ownership labels, and lease patches and sweeper deletes carry the
 * resourceVersion (and uid) they were decided on, so a namespace that changed
 * in between is left alone (the API answers 409).
 */
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Namespace } from '@kubernetes/client-node';
import { err, ok } from '@stageline/policy';
import type { EnsureNamespaceResult, GuardedWrite, NamespaceSnapshot } from './kube-gateway.ts';
import { kubeError, statusCodeOf } from './kube-errors.ts';
import { toNamespaceSnapshot } from './job-status.ts';
import { isOwnedBy } from './manifests.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface NamespaceOps {
  ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult>;
  listNamespaces(labelSelector: string): Promise<NamespaceSnapshot[]>;
  readNamespace(name: string): Promise<NamespaceSnapshot | undefined>;
  patchNamespaceAnnotations(name: string, annotations: Record<string, string>, resourceVersion: string): Promise<GuardedWrite>;
  deleteNamespace(name: string, preconditions: { uid: string; resourceVersion: string }): Promise<GuardedWrite>;
}

/** 404 and 409 are answers here, not failures. */
function guarded(action: string, error: unknown): GuardedWrite {
  const code = statusCodeOf(error);
  if (code === 404) {
    return 'not_found';
  }
  if (code === 409) {
    return 'conflict';
  }
  throw kubeError(action, error);
}

export function createNamespaceOps(core: CoreV1Api, installation: string): NamespaceOps {
  async function readNamespace(name: string): Promise<NamespaceSnapshot | undefined> {
    try {
      return toNamespaceSnapshot(await core.readNamespace({ name }));
    } catch (error) {
      if (statusCodeOf(error) === 404) {
        return undefined;
      }
      throw kubeError(`read namespace ${name}`, error);
    }
  }

  async function ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult> {
    const name = manifest.metadata?.name ?? '';
    try {
      await core.createNamespace({ body: manifest });
      return ok({ kind: 'created' });
    } catch (error) {
      if (statusCodeOf(error) !== 409) {
        throw kubeError(`create namespace ${name}`, error);
      }
    }
    // A concurrent writer (another replica renewing the lease) makes the guarded patch 409: read again.
    for (let attempt = 0; ; attempt += 1) {
      const existing = await readNamespace(name);
      if (existing && !isOwnedBy(existing.labels, installation)) {
        // Someone else's: never adopt or modify a namespace this installation did not create.
        return err({ kind: 'not_managed', name });
      }
      // Existed at create time and is gone now: it was being deleted.
      if (!existing || existing.deletionTimestamp !== null) {
        return err({ kind: 'terminating', name });
      }
      const metadata = { resourceVersion: existing.resourceVersion, labels: manifest.metadata?.labels ?? {}, annotations: manifest.metadata?.annotations ?? {} };
      try {
        await core.patchNamespace({ name, body: { metadata } }, MERGE_PATCH);
        return ok({ kind: 'updated' });
      } catch (error) {
        if (statusCodeOf(error) !== 409 || attempt >= 2) {
          throw kubeError(`patch namespace ${name}`, error);
        }
      }
    }
  }

  return {
    ensureNamespace,
    readNamespace,
    async listNamespaces(labelSelector) {
      const list = await core.listNamespace({ labelSelector }).catch((error: unknown) => {
        throw kubeError('list namespaces', error);
      });
      return list.items.map(toNamespaceSnapshot);
    },
    async patchNamespaceAnnotations(name, annotations, resourceVersion) {
      try {
        await core.patchNamespace({ name, body: { metadata: { resourceVersion, annotations } } }, MERGE_PATCH);
        return 'done';
      } catch (error) {
        return guarded(`patch namespace ${name}`, error);
      }
    },
    async deleteNamespace(name, preconditions) {
      try {
        await core.deleteNamespace({ name, body: { preconditions } });
        return 'done';
      } catch (error) {
        return guarded(`delete namespace ${name}`, error);
      }
    },
  };
}
