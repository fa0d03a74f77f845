import { jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { agentRuns } from './agent-runs.ts';

/**
 * The result of each writing MCP tool call, by (run, tool, key): a repeated
 * call (the agent retried, the network dropped the answer) returns the
 * stored result and does nothing again.
 */
export const runToolCalls = pgTable(
  'run_tool_calls',
  {
    runId: uuid()
      .notNull()
      .references(() => agentRuns.id, { onDelete: 'cascade' }),
    tool: text().notNull(),
    key: text().notNull(),
    result: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.tool, t.key] })],
);
