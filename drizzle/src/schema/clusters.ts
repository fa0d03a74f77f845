import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A Kubernetes cluster served by one or more cluster-agent instances. Only the
 * SHA-256 of the agent token is stored; the token itself is shown once.
 */
export const clusters = pgTable('clusters', {
  id: text().primaryKey(),
  name: text().notNull(),
  agentTokenHash: text().notNull().unique(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp({ withTimezone: true }),
});

/** Liveness of each connected agent instance (docs/domain.md §4.6). */
export const clusterAgentInstances = pgTable('cluster_agent_instances', {
  instanceId: text().primaryKey(),
  clusterId: text()
    .notNull()
    .references(() => clusters.id, { onDelete: 'cascade' }),
  status: text({ enum: ['active', 'stopped'] }).notNull(),
  connectedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  protocolVersion: text().notNull(),
  agentVersion: text().notNull(),
  connections: integer().notNull().default(0),
});
