/** Projects, their repositories and members as the console manages them (docs/domain.md §8.2). */
import { clusters, projectMembers, projects, repositories } from '@stageline/db';
import type { ProjectRole } from '@stageline/policy';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from './client.ts';
import { describeDbError } from './db-errors.ts';

export type ProjectRow = typeof projects.$inferSelect;
export type RepositoryRow = typeof repositories.$inferSelect;
export type MemberRow = typeof projectMembers.$inferSelect;

export async function listProjects(db: Db, ids: readonly string[] | null): Promise<{ project: ProjectRow; repositories: RepositoryRow[]; members: MemberRow[] }[]> {
  if (ids !== null && ids.length === 0) {
    return [];
  }
  const rows = await db.select().from(projects).where(ids === null ? undefined : inArray(projects.id, [...ids])).orderBy(asc(projects.slug));
  const projectIds = rows.map((p) => p.id);
  if (projectIds.length === 0) {
    return [];
  }
  const [repos, members] = await Promise.all([
    db.select().from(repositories).where(inArray(repositories.projectId, projectIds)).orderBy(asc(repositories.fullName)),
    db.select().from(projectMembers).where(inArray(projectMembers.projectId, projectIds)).orderBy(asc(projectMembers.githubLogin)),
  ]);
  return rows.map((project) => ({ project, repositories: repos.filter((r) => r.projectId === project.id), members: members.filter((m) => m.projectId === project.id) }));
}

export async function projectExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: projects.id }).from(projects).where(eq(projects.id, id))).length === 1;
}

export async function clusterExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.id, id))).length === 1;
}

/** Null when the slug is taken. */
export async function insertProject(db: Db, values: { slug: string; name: string; clusterId: string | null; slots: number | null }): Promise<ProjectRow | null> {
  const [row] = await db.insert(projects).values(values).onConflictDoNothing().returning();
  return row ?? null;
}

export type ProjectChange = Partial<Pick<ProjectRow, 'name' | 'clusterId' | 'slots' | 'labelNames' | 'agentSettings' | 'approvalOverrides' | 'githubInstallationId'>>;

/** `installation_taken` when another project already claims that installation (unique). */
export async function updateProject(db: Db, id: string, change: ProjectChange): Promise<ProjectRow | 'installation_taken'> {
  try {
    const [row] = await db.update(projects).set(change).where(eq(projects.id, id)).returning();
    if (row === undefined) {
      throw new Error('project vanished during update');
    }
    return row;
  } catch (error) {
    if (describeDbError(error).code === '23505') {
      return 'installation_taken';
    }
    throw error;
  }
}

/**
 * Bind a repository to a project: a new row, or a row of this project that
 * was unbound. A repository bound to another project stays there (409).
 */
export async function bindRepository(db: Db, projectId: string, repo: { externalId: number; owner: string; name: string; fullName: string }): Promise<{ kind: 'bound'; row: RepositoryRow } | { kind: 'elsewhere' }> {
  const [row] = await db
    .insert(repositories)
    .values({ projectId, externalId: repo.externalId, owner: repo.owner, name: repo.name, fullName: repo.fullName })
    .onConflictDoUpdate({
      target: [repositories.provider, repositories.externalId],
      set: { owner: repo.owner, name: repo.name, fullName: repo.fullName, unboundAt: null },
      setWhere: eq(repositories.projectId, projectId),
    })
    .returning();
  return row === undefined ? { kind: 'elsewhere' } : { kind: 'bound', row };
}

/** Mark a repository of the project unbound (its runs stay); false when it is not the project's. */
export async function unbindRepository(db: Db, projectId: string, repositoryId: string, now: Date): Promise<boolean> {
  const rows = await db.update(repositories).set({ unboundAt: now }).where(and(eq(repositories.id, repositoryId), eq(repositories.projectId, projectId))).returning({ id: repositories.id });
  return rows.length === 1;
}

export async function setMember(db: Db, projectId: string, login: string, role: ProjectRole): Promise<void> {
  await db
    .insert(projectMembers)
    .values({ projectId, githubLogin: login.toLowerCase(), role })
    .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.githubLogin], set: { role } });
}

export async function removeMember(db: Db, projectId: string, login: string): Promise<boolean> {
  const rows = await db
    .delete(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.githubLogin, login.toLowerCase())))
    .returning({ login: projectMembers.githubLogin });
  return rows.length === 1;
}
