import { runSessions } from '@stageline/db';
import { and, eq } from 'drizzle-orm';
import type { Db } from './client.ts';

/** Whose session: one issue thread and agent role of a repository. */
export interface SessionKey {
  repositoryId: string;
  issueNumber: number;
  agentKey: string;
}

export interface StoredSession {
  engine: string;
  sessionId: string;
  archive: string;
  version: number;
}

const where = (k: SessionKey) => and(eq(runSessions.repositoryId, k.repositoryId), eq(runSessions.issueNumber, k.issueNumber), eq(runSessions.agentKey, k.agentKey));

export async function findSession(db: Db, key: SessionKey): Promise<StoredSession | null> {
  const [row] = await db
    .select({ engine: runSessions.engine, sessionId: runSessions.sessionId, archive: runSessions.archive, version: runSessions.version })
    .from(runSessions)
    .where(where(key));
  return row ?? null;
}

/**
 * Compare-and-set write: `expectedVersion` 0 creates the session, n replaces
 * version n. Returns the new version, or null when another run wrote first.
 */
export async function putSession(
  db: Db,
  key: SessionKey,
  value: { engine: string; sessionId: string; archive: string; runId: string; expectedVersion: number },
  now: Date,
): Promise<number | null> {
  const next = value.expectedVersion + 1;
  const fields = { engine: value.engine, sessionId: value.sessionId, archive: value.archive, version: next, updatedByRun: value.runId, updatedAt: now };
  if (value.expectedVersion === 0) {
    const rows = await db.insert(runSessions).values({ ...key, ...fields }).onConflictDoNothing().returning({ version: runSessions.version });
    return rows[0]?.version ?? null;
  }
  const rows = await db
    .update(runSessions)
    .set(fields)
    .where(and(where(key), eq(runSessions.version, value.expectedVersion)))
    .returning({ version: runSessions.version });
  return rows[0]?.version ?? null;
}
