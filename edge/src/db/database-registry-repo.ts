/** The database ownership registry (docs/domain.md §7.7). */
import { projectDatabases } from '@stageline/db';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export async function findRegistration(tx: DbOrTx, name: string): Promise<{ projectId: string; environment: string } | null> {
  const [row] = await tx.select({ projectId: projectDatabases.projectId, environment: projectDatabases.environment }).from(projectDatabases).where(eq(projectDatabases.databaseName, name));
  return row ?? null;
}

export async function register(tx: DbOrTx, input: { name: string; projectId: string; environment: string; requestId: string }): Promise<void> {
  await tx.insert(projectDatabases).values({ databaseName: input.name, projectId: input.projectId, environment: input.environment, createdByRequest: input.requestId }).onConflictDoNothing();
}

export async function unregister(tx: DbOrTx, name: string): Promise<void> {
  await tx.delete(projectDatabases).where(eq(projectDatabases.databaseName, name));
}
