import { agentRuns } from '@stageline/db';
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import type { RunRow } from './run-dto.ts';

/** The columns a run token is checked against (auth/run-token-middleware.ts). */
export type TokenRun = Pick<RunRow, 'id' | 'projectId' | 'clusterId' | 'status' | 'leaseEpoch' | 'attemptNo'>;

export async function findTokenRun(db: Db, runId: string): Promise<TokenRun | null> {
  const [row] = await db
    .select({
      id: agentRuns.id,
      projectId: agentRuns.projectId,
      clusterId: agentRuns.clusterId,
      status: agentRuns.status,
      leaseEpoch: agentRuns.leaseEpoch,
      attemptNo: agentRuns.attemptNo,
    })
    .from(agentRuns)
    .where(eq(agentRuns.id, runId));
  return row ?? null;
}

/** What the runner may read about its own run: everything but the raw webhook payload. */
export type RunSpecRow = Pick<RunRow, 'id' | 'correlationId' | 'repositoryFullName' | 'issueNumber' | 'triggerKind' | 'triggerLabel' | 'agentKey' | 'attemptNo'> & {
  /** `run_payload` without `raw_payload`. */
  runPayload: unknown;
};

export async function findRunSpec(db: Db, runId: string): Promise<RunSpecRow | null> {
  const [row] = await db
    .select({
      id: agentRuns.id,
      correlationId: agentRuns.correlationId,
      repositoryFullName: agentRuns.repositoryFullName,
      issueNumber: agentRuns.issueNumber,
      triggerKind: agentRuns.triggerKind,
      triggerLabel: agentRuns.triggerLabel,
      agentKey: agentRuns.agentKey,
      attemptNo: agentRuns.attemptNo,
      // Without the raw webhook payload: it is large, and the runner never sees it.
      runPayload: sql<unknown>`${agentRuns.runPayload} - 'raw_payload'`,
    })
    .from(agentRuns)
    .where(eq(agentRuns.id, runId));
  return row ?? null;
}
