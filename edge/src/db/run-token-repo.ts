import { agentRuns, projects } from '@stageline/db';
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
export type RunSpecRow = Pick<
  RunRow,
  'id' | 'correlationId' | 'repositoryId' | 'repositoryFullName' | 'issueNumber' | 'triggerKind' | 'triggerLabel' | 'agentKey' | 'attemptNo' | 'branchName' | 'pullRequestNumber' | 'pullRequestUrl' | 'status' | 'waitReason' | 'waitTarget' | 'resumePayload' | 'leaseEpoch' | 'projectId' | 'clusterId'
> & {
  /** `run_payload` without `raw_payload`. */
  runPayload: unknown;
  /** From the webhook as received: the issue's text (the prompt's quoted context) and the repository's default branch. */
  issueBody: string | null;
  defaultBranch: string | null;
  /** The project's `agent_settings` as stored (parsed by the policy). */
  agentSettings: unknown;
  /** The project's approval-matrix rows as stored (parsed by the policy). */
  approvalOverrides: unknown;
  /** Who a question goes to (policy `questionRecipient`), from the webhook as received. */
  issueAuthor: string | null;
  pullRequestAuthor: string | null;
  senderLogin: string | null;
  jobNamespace: string | null;
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
      repositoryId: agentRuns.repositoryId,
      branchName: agentRuns.branchName,
      pullRequestNumber: agentRuns.pullRequestNumber,
      pullRequestUrl: agentRuns.pullRequestUrl,
      status: agentRuns.status,
      waitReason: agentRuns.waitReason,
      waitTarget: agentRuns.waitTarget,
      resumePayload: agentRuns.resumePayload,
      issueBody: sql<string | null>`${agentRuns.runPayload} #>> '{raw_payload,issue,body}'`,
      defaultBranch: sql<string | null>`${agentRuns.runPayload} #>> '{raw_payload,repository,default_branch}'`,
      issueAuthor: sql<string | null>`${agentRuns.runPayload} #>> '{raw_payload,issue,user,login}'`,
      pullRequestAuthor: sql<string | null>`${agentRuns.runPayload} #>> '{raw_payload,pull_request,user,login}'`,
      senderLogin: sql<string | null>`${agentRuns.runPayload} #>> '{raw_payload,sender,login}'`,
      // Without the raw webhook payload: it is large, and the runner never sees it.
      runPayload: sql<unknown>`${agentRuns.runPayload} - 'raw_payload'`,
      agentSettings: projects.agentSettings,
      approvalOverrides: projects.approvalOverrides,
      projectId: agentRuns.projectId,
      clusterId: agentRuns.clusterId,
      leaseEpoch: agentRuns.leaseEpoch,
      jobNamespace: agentRuns.jobNamespace,
    })
    .from(agentRuns)
    .leftJoin(projects, eq(projects.id, agentRuns.projectId))
    .where(eq(agentRuns.id, runId));
  return row ?? null;
}
