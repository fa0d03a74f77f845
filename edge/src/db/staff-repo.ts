/** Staff users, their sessions and their project roles (docs/domain.md §8.1). */
import type { ProjectRole } from '@stageline/policy';
import { projectMembers, projects, staffSessions, staffUsers } from '@stageline/db';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export type StaffUserRow = typeof staffUsers.$inferSelect;
export type StaffSessionRow = typeof staffSessions.$inferSelect;

/** Insert or refresh the person GitHub just vouched for; the GitHub id is the identity, the login may change. */
export async function upsertStaffUser(tx: DbOrTx, user: { githubId: number; login: string; name: string | null; avatarUrl: string | null }, now: Date): Promise<StaffUserRow> {
  const values = { githubId: user.githubId, login: user.login.toLowerCase(), name: user.name, avatarUrl: user.avatarUrl, lastSignInAt: now };
  const [row] = await tx
    .insert(staffUsers)
    .values(values)
    .onConflictDoUpdate({ target: staffUsers.githubId, set: { login: values.login, name: values.name, avatarUrl: values.avatarUrl, lastSignInAt: now } })
    .returning();
  if (row === undefined) {
    throw new Error('staff user upsert returned no row');
  }
  return row;
}

export async function insertSession(tx: DbOrTx, values: { id: string; userId: string; refreshHash: string; expiresAt: Date; now: Date }): Promise<void> {
  await tx.insert(staffSessions).values({ id: values.id, userId: values.userId, refreshHash: values.refreshHash, expiresAt: values.expiresAt, createdAt: values.now });
}

export async function findSession(tx: DbOrTx, id: string): Promise<StaffSessionRow | null> {
  const [row] = await tx.select().from(staffSessions).where(eq(staffSessions.id, id));
  return row ?? null;
}

/** Compare-and-set rotation: only the holder of the current refresh token wins a race. */
export async function rotateSession(tx: DbOrTx, input: { id: string; fromHash: string; toHash: string; expiresAt: Date; now: Date }): Promise<boolean> {
  const rows = await tx
    .update(staffSessions)
    .set({ refreshHash: input.toHash, previousRefreshHash: input.fromHash, rotatedAt: input.now, expiresAt: input.expiresAt })
    .where(and(eq(staffSessions.id, input.id), eq(staffSessions.refreshHash, input.fromHash), isNull(staffSessions.revokedAt)))
    .returning({ id: staffSessions.id });
  return rows.length === 1;
}

export async function revokeSession(tx: DbOrTx, id: string, now: Date): Promise<void> {
  await tx.update(staffSessions).set({ revokedAt: now }).where(and(eq(staffSessions.id, id), isNull(staffSessions.revokedAt)));
}

/** The session (live or not) and its user, for every authenticated staff request. */
export async function sessionWithUser(tx: DbOrTx, sessionId: string): Promise<{ session: StaffSessionRow; user: StaffUserRow } | null> {
  const [row] = await tx.select({ session: staffSessions, user: staffUsers }).from(staffSessions).innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId)).where(eq(staffSessions.id, sessionId));
  return row ?? null;
}

export interface Membership {
  projectId: string;
  projectSlug: string;
  projectName: string;
  role: ProjectRole;
}

export async function membershipsOf(tx: DbOrTx, login: string): Promise<Membership[]> {
  return tx
    .select({ projectId: projectMembers.projectId, projectSlug: projects.slug, projectName: projects.name, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(eq(projectMembers.githubLogin, login.toLowerCase()))
    .orderBy(asc(projects.slug));
}

/** Every project, for a platform admin's `me`. */
export async function allProjects(tx: DbOrTx): Promise<{ projectId: string; projectSlug: string; projectName: string }[]> {
  return tx.select({ projectId: projects.id, projectSlug: projects.slug, projectName: projects.name }).from(projects).orderBy(asc(projects.slug));
}
