// The dev/test databases that `npm start`, the edge suite and the e2e tests
// rely on: both servers migrate and seed, and the Neon-style proxy only ever
// forwards to loopback.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import WebSocket from 'ws';
import net from 'node:net';
import { findPostgresBin, seedProject, startDatabase, startPostgres, startWsProxy, type StartedDatabase } from '../dev/index.mjs';

const kinds = findPostgresBin() === null ? (['pglite'] as const) : (['postgres', 'pglite'] as const);
const started: StartedDatabase[] = [];

/** Resolves once `done()` holds; fails after 10 s. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in 10 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
});

describe.each(kinds)('%s', (kind) => {
  it('migrates every table and seeds idempotently', async () => {
    const db = await startDatabase({ kind });
    started.push(db);
    expect(db.kind).toBe(kind);
    const seed = { clusterId: 'c1', clusterToken: 'secret-token', projectSlug: 'demo', repoFullName: 'acme/app', repoExternalId: 42 };
    const first = await seedProject(db.url, seed);
    const second = await seedProject(db.url, { ...seed, clusterToken: 'rotated-token' });
    expect(second).toEqual(first);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'agent_runs',
        'approval_callback_nonces',
        'approval_endpoints',
        'approval_pushes',
        'approval_requests',
        'cluster_agent_instances',
        'clusters',
        'flow_events',
        'hook_redeliveries',
        'interaction_requests',
        'project_databases',
        'project_members',
        'projects',
        'realtime_events',
        'repositories',
        'run_events',
        'run_log_chunks',
        'run_sessions',
        'run_tool_calls',
        'staff_sessions',
        'staff_users',
        'telegram_bindings',
        'telegram_link_codes',
        'telegram_messages',
        'telegram_outbox',
        'telegram_updates',
        'webhook_deliveries',
      ]);
      // Only the hash of the token is stored, and re-seeding rotates it.
      const cluster = await client.query<{ agent_token_hash: string }>(`SELECT agent_token_hash FROM clusters WHERE id = 'c1'`);
      expect(cluster.rows[0]?.agent_token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(cluster.rows[0]?.agent_token_hash).not.toContain('rotated');
    } finally {
      await client.end();
    }
  });
});

/** A socket listening on a free loopback port, as another process's would. */
async function holdPort(): Promise<net.Server> {
  const held = net.createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', () => resolve()));
  return held;
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe('ports', () => {
  // In CI the server binaries are installed, so there the test runs or fails, never skips.
  it.runIf((kinds as readonly string[]).includes('postgres') || process.env.CI === 'true')('starts PostgreSQL on another port when the one it picked was taken before it could bind', async () => {
    const held = await holdPort();
    const server = await startPostgres({ port: portOf(held) });
    try {
      expect(server.port).not.toBe(portOf(held));
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      await client.end();
    } finally {
      await server.stop();
      held.close();
    }
  });
});

/** Opens a session through the proxy and sends an SSLRequest, which any server answers with one byte ('N' or 'S'). */
async function sslRequest(wsProxy: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${wsProxy}?address=127.0.0.1:5432`);
  const answer = await new Promise<Buffer>((resolve, reject) => {
    ws.on('open', () => ws.send(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    ws.on('message', (data) => resolve(Buffer.from(data as Buffer)));
    ws.on('error', reject);
  });
  expect(['N', 'S']).toContain(answer.toString('latin1', 0, 1));
  return ws;
}

describe('ws proxy', () => {
  it('forwards the Postgres wire protocol to a loopback target', async () => {
    const db = await startDatabase({ kind: kinds[0] });
    started.push(db);
    (await sslRequest(db.wsProxy)).close();
  });

  it('runs in a process of its own when asked, forwarding and counting its sessions there', async () => {
    const db = await startDatabase({ kind: kinds[0], proxyProcess: true });
    expect(db.proxyPid).toEqual(expect.any(Number));
    expect(db.proxyPid).not.toBe(process.pid);
    const ws = await sslRequest(db.wsProxy);
    await until(() => db.connections() === 1);
    ws.close();
    await until(() => db.connections() === 0);
    const pid = db.proxyPid as number;
    await db.stop();
    // The child is gone once stop() resolved: signal 0 only checks that the pid exists.
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it.each(['10.0.0.1:5432', '192.168.1.10:5432', 'example.com:5432', 'nonsense'])('refuses to dial %s', async (address) => {
    const proxy = await startWsProxy();
    try {
      const ws = new WebSocket(`ws://${proxy.wsProxy}?address=${address}`);
      const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      expect(code).toBe(1008);
    } finally {
      await proxy.close();
    }
  });
});
