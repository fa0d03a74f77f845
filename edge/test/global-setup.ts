import { seedProject, startDatabase } from '@stageline/db/dev';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    wsProxy: string;
    databaseUrl: string;
    webhookSecret: string;
    clusterToken: string;
    clusterId: string;
    repoExternalId: number;
    databaseKind: 'postgres' | 'pglite';
  }
}

/** Real PostgreSQL 15 when its binaries exist (CI), else PGlite; TEST_DB forces one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = process.env.TEST_DB === 'pglite' ? 'pglite' : process.env.TEST_DB === 'postgres' ? 'postgres' : 'auto';
  const db = await startDatabase({ kind });
  const seed = { clusterId: 'c-test', clusterToken: 'test-cluster-token-0123456789abcdef', projectSlug: 'test', repoFullName: 'octo-org/app', repoExternalId: 700001 };
  await seedProject(db.url, seed);
  process.stdout.write(`edge tests use ${db.kind} at ${db.url}\n`);
  project.provide('wsProxy', db.wsProxy);
  project.provide('databaseUrl', db.url);
  project.provide('webhookSecret', 'test-webhook-secret');
  project.provide('clusterToken', seed.clusterToken);
  project.provide('clusterId', seed.clusterId);
  project.provide('repoExternalId', seed.repoExternalId);
  project.provide('databaseKind', db.kind === 'postgres' ? 'postgres' : 'pglite');
  return () => db.stop();
}
