/**
 * Issue closed or deleted (docs/domain.md §5.8): the edge has already canceled the
 * issue's active runs; this deletes the namespaces this installation retains
 * for the issue. Only namespaces that are provably ours are touched, and each
 * delete is guarded by the uid and resourceVersion just read.
 */
import { isManagedRunNamespace, MANAGED_BY } from '@stageline/policy';
import type { EdgeFrame } from '@stageline/protocol';
import type { KubeGateway } from '../kube/kube-gateway.ts';
import { LABEL_KEYS, toLabelValue } from '../kube/manifests.ts';
import type { Logger } from '../lib/log.ts';

export type IssueCleanupFrame = Extract<EdgeFrame, { type: 'issue.cleanup' }>;

export interface IssueCleanupDeps {
  gateway: KubeGateway;
  installation: string;
  namespacePrefix: string;
  log: Logger;
  onDeleted?: () => void;
}

export function issueSelector(frame: IssueCleanupFrame, installation: string): string {
  return [
    `${LABEL_KEYS.managedBy}=${MANAGED_BY}`,
    `${LABEL_KEYS.installation}=${installation}`,
    `${LABEL_KEYS.namespacePurpose}=run`,
    `${LABEL_KEYS.projectId}=${toLabelValue(frame.projectId)}`,
    `${LABEL_KEYS.issueNumber}=${frame.issueNumber}`,
  ].join(',');
}

/** Returns the names of the namespaces deleted. */
export async function cleanupIssueNamespaces(frame: IssueCleanupFrame, deps: IssueCleanupDeps): Promise<string[]> {
  const deleted: string[] = [];
  for (const ns of await deps.gateway.listNamespaces(issueSelector(frame, deps.installation))) {
    const fields = { namespace: ns.name, issueNumber: frame.issueNumber, reason: frame.reason, runId: ns.labels[LABEL_KEYS.runId] ?? null };
    if (!isManagedRunNamespace(ns, deps.installation, deps.namespacePrefix) || ns.deletionTimestamp !== null) {
      deps.log.info('issue namespace kept', { ...fields, action: 'keep', why: ns.deletionTimestamp === null ? 'not_managed' : 'terminating' });
      continue;
    }
    const result = await deps.gateway.deleteNamespace(ns.name, { uid: ns.uid, resourceVersion: ns.resourceVersion });
    deps.log.info('run.namespace.delete_by_system', { ...fields, action: result === 'done' ? 'delete' : 'skip', result });
    if (result === 'done') {
      deleted.push(ns.name);
      deps.onDeleted?.();
    }
  }
  return deleted;
}
