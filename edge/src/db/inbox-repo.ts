/** The console inbox (docs/domain.md §7.1): open approval requests and questions, with the run they belong to. */
import { agentRuns, approvalRequests, interactionRequests } from '@stageline/db';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { ApprovalRow } from './approval-repo.ts';
import type { DbOrTx } from './client.ts';
import type { InteractionRow } from './interaction-repo.ts';

export interface InboxRun {
  id: string;
  projectId: string;
  repositoryFullName: string;
  issueNumber: number | null;
  agentKey: string;
  triggerLabel: string;
}

const runColumns = {
  id: agentRuns.id,
  projectId: agentRuns.projectId,
  repositoryFullName: agentRuns.repositoryFullName,
  issueNumber: agentRuns.issueNumber,
  agentKey: agentRuns.agentKey,
  triggerLabel: agentRuns.triggerLabel,
};

/** `projectIds` null: every project's (a platform admin). The run's project decides, as it does for every staff read. */
export async function openInbox(tx: DbOrTx, projectIds: readonly string[] | null, limit: number): Promise<{ approvals: { request: ApprovalRow; run: InboxRun }[]; questions: { request: InteractionRow; run: InboxRun }[] }> {
  if (projectIds !== null && projectIds.length === 0) {
    return { approvals: [], questions: [] };
  }
  const inProjects = projectIds === null ? undefined : inArray(agentRuns.projectId, [...projectIds]);
  const [approvals, questions] = await Promise.all([
    tx
      .select({ request: approvalRequests, run: runColumns })
      .from(approvalRequests)
      .innerJoin(agentRuns, eq(agentRuns.id, approvalRequests.runId))
      .where(and(eq(approvalRequests.state, 'requested'), inProjects))
      .orderBy(desc(approvalRequests.createdAt))
      .limit(limit),
    tx
      .select({ request: interactionRequests, run: runColumns })
      .from(interactionRequests)
      .innerJoin(agentRuns, eq(agentRuns.id, interactionRequests.runId))
      .where(and(eq(interactionRequests.state, 'pending'), eq(interactionRequests.kind, 'decision'), inProjects))
      .orderBy(desc(interactionRequests.createdAt))
      .limit(limit),
  ]);
  return { approvals, questions };
}

/** The project a request's run belongs to (null: no such request). */
export async function projectOfRun(tx: DbOrTx, runId: string): Promise<string | null> {
  const [row] = await tx.select({ projectId: agentRuns.projectId }).from(agentRuns).where(eq(agentRuns.id, runId));
  return row?.projectId ?? null;
}
