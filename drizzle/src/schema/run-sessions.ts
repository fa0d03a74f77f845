import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { repositories } from './repositories.ts';

/**
 * A coding agent's stored session per issue thread and agent role (docs/domain.md §3.8):
 * the engine's own files (e.g. codex's thread) as an archive, so a revise run resumes the
 * conversation. `version` is a compare-and-set counter: a write names the version it read.
 */
export const runSessions = pgTable(
  'run_sessions',
  {
    repositoryId: uuid()
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    issueNumber: integer().notNull(),
    agentKey: text().notNull(),
    engine: text().notNull(),
    /** The engine's id for the conversation (codex thread id, claude session id). */
    sessionId: text().notNull(),
    /** base64 of a tar.gz of the engine's session files. */
    archive: text().notNull(),
    version: integer().notNull(),
    updatedByRun: uuid().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repositoryId, t.issueNumber, t.agentKey] })],
);
