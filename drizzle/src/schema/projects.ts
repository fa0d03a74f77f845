import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clusters } from './clusters.ts';

/** A project groups repositories and is bound to the cluster that runs its Jobs (domain.md §4.6). */
export const projects = pgTable('projects', {
  id: uuid().primaryKey().defaultRandom(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  clusterId: text().references(() => clusters.id, { onDelete: 'set null' }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
