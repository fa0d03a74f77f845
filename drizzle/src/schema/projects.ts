import { bigint, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clusters } from './clusters.ts';

/** A project groups repositories and is bound to the cluster that runs its Jobs (docs/domain.md §4.6). */
export const projects = pgTable('projects', {
  id: uuid().primaryKey().defaultRandom(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  clusterId: text().references(() => clusters.id, { onDelete: 'set null' }),
  /** Concurrent runs of this project (null: STAGELINE_SLOTS_PER_PROJECT). */
  slots: integer(),
  /**
   * Label names of this project by stable id, over the defaults (docs/domain.md §2.1:
   * `{"run:dev": "ai:dev"}`); validated by the policy's `withLabelNames`.
   */
  labelNames: jsonb().$type<Record<string, string>>().notNull().default({}),
  /**
   * Engine, branch prefix and prompt locale of this project's agents
   * (docs/domain.md §2.10: `{"engine": "claude", "branch_prefix": "ai/"}`);
   * validated by the policy's `parseAgentSettings`, unset keys fall back to the cluster's defaults.
   */
  agentSettings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  /**
   * Approval-matrix rows of this project over the defaults (docs/domain.md §6.4:
   * `[{"tool": "secret_sync", "mode": "deny"}]`); validated by the policy's `parseApprovalOverrides`.
   */
  approvalOverrides: jsonb().$type<unknown[]>().notNull().default([]),
  /**
   * The GitHub App installation whose repositories this project takes: the
   * installation events bind (and unbind) them (docs/domain.md §2.5).
   */
  githubInstallationId: bigint({ mode: 'number' }).unique(),
  /** Claims serve projects round-robin by this time (docs/domain.md §3.6 fair claiming). */
  lastClaimedAt: timestamp({ withTimezone: true }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
