import { projects, repositories } from '@stageline/db';
import type { RepositoryRef } from '@stageline/policy';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export interface BindingResult {
  projectId: string | null;
  /** The claiming project's label names (`projects.label_names`); empty without a project. */
  labelNames: Record<string, string>;
  bound: number[];
  unbound: number[];
}

/**
 * Installation events bind repositories (docs/domain.md §2.5): the repositories an
 * installation adds join the project that claims that installation; removed
 * ones are marked unbound (their run history stays). Idempotent: a redelivered
 * event changes nothing more.
 */
export async function applyInstallationBinding(db: DbOrTx, input: { installationId: number; added: readonly RepositoryRef[]; removed: readonly RepositoryRef[]; now: Date }): Promise<BindingResult> {
  const [project] = await db.select({ id: projects.id, labelNames: projects.labelNames }).from(projects).where(eq(projects.githubInstallationId, input.installationId)).limit(1);
  if (project === undefined) {
    return { projectId: null, labelNames: {}, bound: [], unbound: [] };
  }
  const bound: number[] = [];
  for (const repo of input.added) {
    const [owner = '', name = ''] = repo.fullName.split('/');
    const rows = await db
      .insert(repositories)
      .values({ projectId: project.id, externalId: repo.id, owner, name, fullName: repo.fullName })
      .onConflictDoUpdate({
        target: [repositories.provider, repositories.externalId],
        // Re-added to the same project: bound again, under its current name.
        set: { unboundAt: null, owner, name, fullName: repo.fullName },
        setWhere: eq(repositories.projectId, project.id),
      })
      .returning({ externalId: repositories.externalId });
    bound.push(...rows.map((r) => r.externalId));
  }
  const removedIds = input.removed.map((r) => r.id);
  const unbound =
    removedIds.length === 0
      ? []
      : await db
          .update(repositories)
          .set({ unboundAt: input.now })
          .where(and(eq(repositories.projectId, project.id), inArray(repositories.externalId, removedIds), sql`${repositories.unboundAt} IS NULL`))
          .returning({ externalId: repositories.externalId });
  return { projectId: project.id, labelNames: project.labelNames, bound, unbound: unbound.map((r) => r.externalId) };
}
