/**
 * An approved `secret_sync` (docs/domain.md §6.5): upsert one key of a
 * Secret in a run namespace this installation manages, and report the outcome
 * to the edge. The run Secret (token, model key) is never a target. The value
 * is written and forgotten: no log line carries it.
 */
import { isManagedRunNamespace } from '@stageline/policy';
import type { EdgeFrame } from '@stageline/protocol';
import type { KubeGateway } from '../kube/kube-gateway.ts';
import { ownershipLabels } from '../kube/manifests.ts';
import type { Logger } from '../lib/log.ts';

export type SecretApplyFrame = Extract<EdgeFrame, { type: 'secret.apply' }>;

/** Secrets the platform itself keeps in a run namespace (the run Secret is `stageline-run-…`). */
const RESERVED_PREFIX = 'stageline-';

export interface SecretApplyDeps {
  gateway: KubeGateway;
  installation: string;
  namespacePrefix: string;
  log: Logger;
}

export async function applySyncedSecret(frame: SecretApplyFrame, deps: SecretApplyDeps): Promise<{ ok: true } | { ok: false; error: string }> {
  const fields = { requestId: frame.requestId, runId: frame.runId, namespace: frame.namespace, secret: frame.name, key: frame.key };
  if (frame.name.startsWith(RESERVED_PREFIX)) {
    deps.log.warn('secret sync refused', { ...fields, why: 'reserved_name' });
    return { ok: false, error: `secret names starting with ${RESERVED_PREFIX} are reserved` };
  }
  const ns = await deps.gateway.readNamespace(frame.namespace);
  if (ns === undefined || ns.deletionTimestamp !== null || !isManagedRunNamespace(ns, deps.installation, deps.namespacePrefix)) {
    deps.log.warn('secret sync refused', { ...fields, why: 'namespace_not_managed' });
    return { ok: false, error: `namespace ${frame.namespace} is not a run namespace of this installation` };
  }
  try {
    // Create, or merge the one key into an existing Secret (other keys stay).
    await deps.gateway.applyObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: frame.name, namespace: frame.namespace, labels: { ...ownershipLabels(deps.installation), 'stageline.dev/secret-sync': 'true' } },
      type: 'Opaque',
      data: { [frame.key]: Buffer.from(frame.value, 'utf8').toString('base64') },
    } as never);
    deps.log.info('secret synced', fields);
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.warn('secret sync failed', { ...fields, reason: message });
    return { ok: false, error: message.slice(0, 500) };
  }
}
