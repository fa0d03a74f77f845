/**
 * database_lifecycle in the cluster (docs/domain.md §7.7): the whole agent
 * receives `database.apply` from the (fake) edge and creates or drops the
 * database on a real PostgreSQL through the environment's admin URL, and
 * reports `database.applied`. Runs against the PostgreSQL 15 the test starts
 * (Debian's postgresql; CI installs it): without it this test fails.
 */
import { startDatabase, type StartedDatabase } from '@stageline/db/dev';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminUrlsFrom, createDatabaseAdmin } from '../src/ops/database-admin.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { CLUSTER_WAIT, startSimCluster, testImage, type SimCluster } from './support/kubesim-cluster.ts';
import { startAgent, type StartedAgent } from './support/start-agent.ts';

let database: StartedDatabase;
let k: SimCluster;
let edge: FakeEdge;
let agent: StartedAgent;

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await startDatabase({ kind: 'postgres' });
  k = await startSimCluster();
  edge = await startFakeEdge();
  agent = startAgent(edge, { kubeConfig: k.agentKubeConfig() }, { STAGELINE_INSTANCE_ID: 'cluster-1/db-agent', STAGELINE_JOB_IMAGE: testImage, STAGELINE_DB_ADMIN_URL_DEV: database.url });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await edge?.close();
  await k?.close();
  await database?.stop();
});

const ids = (n: number) => `5d1c0e2a-7b6f-4f3e-9a10-${String(n).padStart(12, '0')}`;
const reports = () => edge.received.flatMap((r) => (r.frame.type === 'database.applied' ? [r.frame] : []));

describe('database.apply', () => {
  it('creates once, reports an existing database unchanged, drops it, and refuses an environment without a connection', async () => {
    const runId = '5d1c0e2a-7b6f-4f3e-9a10-aaaaaaaaaaaa';
    // Welcomed (compatible versions): the agent's first claim follows the edge's welcome.
    await vi.waitFor(() => expect(edge.received.some((r) => r.frame.type === 'claim')).toBe(true), CLUSTER_WAIT);
    edge.applyDatabase({ requestId: ids(1), runId, action: 'create', environment: 'dev', database: 'shop-app_dev' });
    await vi.waitFor(() => expect(reports()).toHaveLength(1), CLUSTER_WAIT);
    expect(await exists('shop-app_dev')).toBe(true);
    edge.applyDatabase({ requestId: ids(2), runId, action: 'create', environment: 'dev', database: 'shop-app_dev' });
    edge.applyDatabase({ requestId: ids(3), runId, action: 'delete', environment: 'dev', database: 'shop-app_dev' });
    edge.applyDatabase({ requestId: ids(4), runId, action: 'create', environment: 'prod', database: 'shop_prod' });
    await vi.waitFor(() => expect(reports()).toHaveLength(4), CLUSTER_WAIT);
    expect(reports().map((r) => [r.requestId, r.ok, r.changed ?? null, r.error ?? null]).sort()).toEqual(
      [
        [ids(1), true, true, null],
        [ids(2), true, false, null],
        [ids(3), true, true, null],
        [ids(4), false, null, 'no admin connection for environment prod (set databaseLifecycle.environments.prod)'],
      ].sort(),
    );
    expect(await exists('shop-app_dev')).toBe(false);
  });
});

describe('the admin port', () => {
  it('reads one URL per environment from the environment, and refuses a name that could escape its quotes', async () => {
    expect(adminUrlsFrom({ STAGELINE_DB_ADMIN_URL_DEV: 'postgres://a', STAGELINE_DB_ADMIN_URL_PROD_EU: 'postgres://b', STAGELINE_DB_ADMIN_URL_EMPTY: '', OTHER: 'x' })).toEqual({ dev: 'postgres://a', 'prod-eu': 'postgres://b' });
    const admin = createDatabaseAdmin({ dev: database.url });
    expect(await admin.apply({ action: 'create', environment: 'dev', database: 'x"; DROP DATABASE postgres; --' })).toEqual({ ok: false, error: 'invalid database name' });
    expect(await exists('postgres')).toBe(true);
  });
});
