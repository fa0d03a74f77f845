/**
 * Where held work may sit, for the console's errors screen (docs/domain.md
 * §8.2): parked deliveries live in each repository's WebhookInbox and dead
 * GitHub writes in each installation's GitHubOutbox, in Durable Object
 * storage, not in Postgres. This finds which objects to ask for the caller's
 * projects: their bound repositories, and the installations their projects
 * and recent runs were delivered through.
 */
import { agentRuns, projects, repositories } from '@stageline/db';
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from './client.ts';

export interface HeldRepository {
  externalId: number;
  fullName: string;
  projectId: string;
}

export interface HeldScope {
  repositories: HeldRepository[];
  installations: number[];
  /** More repositories than `maxRepositories`: the rest were not asked. */
  truncated: boolean;
}

/** Recent runs read for their installation ids; older installations are reached through the project's binding. */
const RECENT_RUNS = 5000;

export async function heldScope(db: Db, projectIds: readonly string[] | null, maxRepositories: number): Promise<HeldScope> {
  if (projectIds !== null && projectIds.length === 0) {
    return { repositories: [], installations: [], truncated: false };
  }
  const inScope = (column: AnyPgColumn) => (projectIds === null ? undefined : inArray(column, [...projectIds]));
  const repos = await db
    .select({ externalId: repositories.externalId, fullName: repositories.fullName, projectId: repositories.projectId })
    .from(repositories)
    .where(and(isNull(repositories.unboundAt), inScope(repositories.projectId)))
    .orderBy(repositories.fullName)
    .limit(maxRepositories + 1);
  const bound = await db
    .select({ id: projects.githubInstallationId })
    .from(projects)
    .where(and(isNotNull(projects.githubInstallationId), inScope(projects.id)));
  const recent = db
    .select({ installationId: sql<string | null>`${agentRuns.runPayload}->>'installation_id'`.as('installation_id') })
    .from(agentRuns)
    .where(inScope(agentRuns.projectId))
    .orderBy(desc(agentRuns.createdAt))
    .limit(RECENT_RUNS)
    .as('recent');
  const seen = await db.selectDistinct({ installationId: recent.installationId }).from(recent);
  const installations = new Set<number>();
  for (const id of [...bound.map((b) => b.id), ...seen.map((s) => (s.installationId === null ? null : Number(s.installationId)))]) {
    if (id !== null && Number.isSafeInteger(id) && id > 0) {
      installations.add(id);
    }
  }
  return { repositories: repos.slice(0, maxRepositories), installations: [...installations].sort((a, b) => a - b), truncated: repos.length > maxRepositories };
}

/** The repository with GitHub's id `externalId` while it is bound to a project, or null (then only platform admins act on its held work). */
export async function repositoryByExternalId(db: Db, externalId: number): Promise<HeldRepository | null> {
  const [row] = await db
    .select({ externalId: repositories.externalId, fullName: repositories.fullName, projectId: repositories.projectId })
    .from(repositories)
    .where(and(eq(repositories.provider, 'github'), eq(repositories.externalId, externalId), isNull(repositories.unboundAt)))
    .limit(1);
  return row ?? null;
}
