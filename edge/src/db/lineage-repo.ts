import { agentRuns, projectMembers } from '@stageline/db';
import { NON_TERMINAL_STATUSES, type IssueLineage, type ProjectRole, type ReviewHistory } from '@stageline/policy';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './client.ts';

/** `(...)` of the policy's non-terminal statuses (waits included), for the raw statements below. */
const ACTIVE = sql`(${sql.join(NON_TERMINAL_STATUSES.map((status) => sql`${status}`), sql`, `)})`;

export interface IssueContext {
  lineage: IssueLineage;
  activeDiscussion: boolean;
  /** Model/reasoning-capable labels the last run of the issue saw (`profile_hints`). */
  lastRunLabels: string[];
  /** The sender's project role (same round trip). */
  projectRole: ProjectRole | null;
}

const ROLES: readonly ProjectRole[] = ['admin', 'read_write', 'read'];

/**
 * What the issue's earlier runs left (docs/domain.md §2.9 candidate lineage, §2.4
 * profile hints, §2.11 discussion exclusivity), in one round trip.
 */
export async function issueContext(
  db: Db,
  input: { repositoryId: string; issueNumber: number; discussionLabel: string; member: { projectId: string; login: string } },
): Promise<IssueContext> {
  const { member } = input;
  const result = await db.execute<{ has_prior: boolean; candidate_ns: string | null; candidate_ref: string | null; active_discussion: boolean; hints: unknown; member_role: string | null }>(sql`
    WITH issue_runs AS (
      SELECT status, trigger_label, job_namespace, run_payload, created_at FROM ${agentRuns}
      WHERE repository_id = ${input.repositoryId}::uuid AND issue_number = ${input.issueNumber}
    ), candidate AS (
      SELECT job_namespace, coalesce(run_payload #>> '{pull_request,head,sha}', run_payload #>> '{runtime,build_ref}') AS ref
      FROM issue_runs WHERE job_namespace IS NOT NULL ORDER BY created_at DESC LIMIT 1
    )
    SELECT EXISTS (SELECT 1 FROM issue_runs) AS has_prior,
           (SELECT job_namespace FROM candidate) AS candidate_ns,
           (SELECT ref FROM candidate) AS candidate_ref,
           EXISTS (SELECT 1 FROM issue_runs WHERE lower(trigger_label) = lower(${input.discussionLabel}) AND status IN ${ACTIVE}) AS active_discussion,
           (SELECT run_payload -> 'profile_hints' FROM issue_runs ORDER BY created_at DESC LIMIT 1) AS hints,
           (SELECT role FROM ${projectMembers} WHERE project_id = ${member.projectId}::uuid AND github_login = ${member.login.toLowerCase()}) AS member_role`);
  const row = result.rows[0];
  return {
    lineage: { hasPriorRun: row?.has_prior ?? false, candidateNamespace: row?.candidate_ns ?? null, candidateBuildRef: row?.candidate_ref ?? null },
    activeDiscussion: row?.active_discussion ?? false,
    lastRunLabels: hintLabels(row?.hints),
    projectRole: ROLES.find((r) => r === row?.member_role) ?? null,
  };
}

function hintLabels(hints: unknown): string[] {
  if (typeof hints !== 'object' || hints === null) {
    return [];
  }
  const lists = Object.values(hints).filter((v): v is unknown[] => Array.isArray(v));
  return lists.flat().filter((v): v is string => typeof v === 'string');
}

/**
 * The run history the review resolver needs (docs/domain.md §2.8): which issues
 * this PR's runs were linked to, the latest stage run of the PR and of that
 * issue, and the issue's labels as an earlier delivery carried them.
 */
export async function reviewHistory(db: Db, input: { repositoryId: string; pullRequestNumber: number; prLabels: readonly string[] }): Promise<ReviewHistory> {
  const pr = String(input.pullRequestNumber);
  const linked = await db.execute<{ issue_number: number; last_kind: string }>(sql`
    SELECT issue_number, (array_agg(trigger_kind ORDER BY created_at DESC))[1] AS last_kind
    FROM ${agentRuns}
    WHERE repository_id = ${input.repositoryId}::uuid AND run_payload #>> '{pull_request,number}' = ${pr} AND issue_number IS NOT NULL
    GROUP BY issue_number`);
  const [lastPr] = (
    await db.execute<{ trigger_kind: string }>(sql`
      SELECT trigger_kind FROM ${agentRuns}
      WHERE repository_id = ${input.repositoryId}::uuid AND run_payload #>> '{pull_request,number}' = ${pr}
      ORDER BY created_at DESC LIMIT 1`)
  ).rows;
  const linkedIssues = linked.rows.map((r) => r.issue_number);
  const issue = linkedIssues.length === 1 ? linkedIssues[0] : undefined;
  let issueLabels: string[] | null = null;
  let lastIssueRunKind: string | null = null;
  if (issue !== undefined) {
    const [latest] = (
      await db.execute<{ trigger_kind: string; labels: unknown }>(sql`
        SELECT trigger_kind, run_payload #> '{raw_payload,issue,labels}' AS labels FROM ${agentRuns}
        WHERE repository_id = ${input.repositoryId}::uuid AND issue_number = ${issue}
        ORDER BY created_at DESC LIMIT 1`)
    ).rows;
    lastIssueRunKind = latest?.trigger_kind ?? null;
    issueLabels = Array.isArray(latest?.labels) ? latest.labels.flatMap((l: unknown) => (typeof l === 'object' && l !== null && 'name' in l && typeof l.name === 'string' ? [l.name] : [])) : null;
  }
  return { prLabels: input.prLabels, linkedIssues, issueLabels, lastPullRequestRunKind: lastPr?.trigger_kind ?? null, lastIssueRunKind };
}

/** Active discussion runs of an issue (canceled by a stage label, an unlabel or a close). */
export async function activeDiscussionRunIds(db: DbOrTx, input: { repositoryId: string; issueNumber: number; discussionLabel: string }): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT id FROM ${agentRuns}
    WHERE repository_id = ${input.repositoryId}::uuid AND issue_number = ${input.issueNumber}
      AND lower(trigger_label) = lower(${input.discussionLabel}) AND status IN ${ACTIVE}`);
  return result.rows.map((r) => r.id);
}

/** Active runs working on a pull request (its number recorded in run_payload by ingest). */
export async function activeRunIdsOfPullRequest(db: DbOrTx, input: { repositoryId: string; pullRequestNumber: number }): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT id FROM ${agentRuns}
    WHERE repository_id = ${input.repositoryId}::uuid AND run_payload #>> '{pull_request,number}' = ${String(input.pullRequestNumber)}
      AND status IN ${ACTIVE}`);
  return result.rows.map((r) => r.id);
}

/** The sender's role in the project, if the sender is a Stageline member (actor guard, docs/domain.md §2.6). */
export async function memberRole(db: Db, input: { projectId: string; login: string }): Promise<ProjectRole | null> {
  const [row] = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, input.projectId), eq(projectMembers.githubLogin, input.login.toLowerCase())))
    .limit(1);
  return row?.role ?? null;
}
