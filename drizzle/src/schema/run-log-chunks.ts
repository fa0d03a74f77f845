import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { agentRuns } from './agent-runs.ts';

/**
 * Pod log lines shipped by the cluster-agent, one row per acknowledged chunk.
 * The (run_id, epoch, seq) key makes a re-sent chunk a no-op: no line is stored
 * twice. `seq` restarts at 0 for every claim epoch (the new holder re-reads the pod log).
 */
export const runLogChunks = pgTable(
  'run_log_chunks',
  {
    runId: uuid()
      .notNull()
      .references(() => agentRuns.id, { onDelete: 'cascade' }),
    seq: integer().notNull(),
    epoch: integer().notNull(),
    lines: text().array().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.epoch, t.seq] })],
);
