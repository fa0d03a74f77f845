import { agentRuns } from '@stageline/db';
import { and, desc, eq, ne } from 'drizzle-orm';
import type { Db } from './client.ts';

export interface IssueRunSummary {
  run_id: string;
  trigger_label: string;
  agent_key: string;
  status: string;
  status_reason: string | null;
  pull_request_url: string | null;
  created_at: string;
}

/** The issue's other runs, newest first (what an agent may want to know about earlier attempts). */
export async function listIssueRuns(db: Db, q: { repositoryId: string; issueNumber: number; exceptRunId: string; limit: number }): Promise<IssueRunSummary[]> {
  const rows = await db
    .select({
      id: agentRuns.id,
      triggerLabel: agentRuns.triggerLabel,
      agentKey: agentRuns.agentKey,
      status: agentRuns.status,
      statusReason: agentRuns.statusReason,
      runnerReason: agentRuns.runnerReason,
      pullRequestUrl: agentRuns.pullRequestUrl,
      createdAt: agentRuns.createdAt,
    })
    .from(agentRuns)
    .where(and(eq(agentRuns.repositoryId, q.repositoryId), eq(agentRuns.issueNumber, q.issueNumber), ne(agentRuns.id, q.exceptRunId)))
    .orderBy(desc(agentRuns.createdAt))
    .limit(q.limit);
  return rows.map((r) => ({
    run_id: r.id,
    trigger_label: r.triggerLabel,
    agent_key: r.agentKey,
    status: r.status,
    status_reason: r.runnerReason ?? r.statusReason,
    pull_request_url: r.pullRequestUrl,
    created_at: r.createdAt.toISOString(),
  }));
}
