import type { ClaimedRun } from '@stageline/protocol';
import { mintRunToken } from '../auth/run-token.ts';
import type { Db } from '../db/client.ts';
import { logProgress } from '../db/claim-repo.ts';
import type { RunRow } from '../db/run-dto.ts';

export interface TokenSettings {
  runTokenKey: string;
  runTokenTtlSeconds: number;
}

/**
 * The projection of a run the cluster needs (domain.md §3.4): no raw payload,
 * a fresh run token, and where its log left off in this epoch.
 */
export async function toClaimedRuns(
  db: Db,
  rows: readonly { run: RunRow; takeover: boolean }[],
  settings: TokenSettings,
  now: Date,
): Promise<ClaimedRun[]> {
  const progress = await logProgress(db, rows.map((r) => r.run));
  return Promise.all(
    rows.map(async ({ run, takeover }) => ({
      runId: run.id,
      correlationId: run.correlationId,
      epoch: run.leaseEpoch,
      attemptNo: run.attemptNo,
      projectId: run.projectId,
      repositoryFullName: run.repositoryFullName,
      issueNumber: run.issueNumber,
      triggerKind: run.triggerKind,
      triggerLabel: run.triggerLabel,
      agentKey: run.agentKey,
      leaseUntil: (run.leaseUntil ?? now).toISOString(),
      takeover,
      jobName: run.jobName,
      logSeq: progress.get(run.id)?.seq ?? 0,
      logLines: progress.get(run.id)?.lines ?? 0,
      queuedAt: run.createdAt.toISOString(),
      runToken: await mintRunToken(settings.runTokenKey, {
        runId: run.id,
        correlationId: run.correlationId,
        projectId: run.projectId,
        attemptNo: run.attemptNo,
        now,
        ttlSeconds: settings.runTokenTtlSeconds,
      }),
    })),
  );
}
