import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { agentRuns } from './agent-runs.ts';

/**
 * The runner's normalized event stream (session started, agent message, tool
 * call, usage, phase, finished), one row per event. The runner numbers events
 * per attempt and re-sends a batch until it is acknowledged: the
 * (run_id, attempt_no, seq) key makes a repeat a no-op.
 */
export const runEvents = pgTable(
  'run_events',
  {
    runId: uuid()
      .notNull()
      .references(() => agentRuns.id, { onDelete: 'cascade' }),
    attemptNo: integer().notNull(),
    seq: integer().notNull(),
    kind: text().notNull(),
    payload: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.attemptNo, t.seq] })],
);
