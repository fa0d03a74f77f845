import { pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** The project roles of docs/domain.md §4.1 / §8.1. */
export const PROJECT_ROLES = ['admin', 'read_write', 'read'] as const;

/**
 * Stageline users' roles in a project, by GitHub login (lower-case). The actor
 * guard (docs/domain.md §2.6) lets `admin` and `read_write` members start agents
 * even without write permission on the repository.
 */
export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    githubLogin: text().notNull(),
    role: text({ enum: PROJECT_ROLES }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.githubLogin] })],
);
