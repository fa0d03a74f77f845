/** The staff run list: filters, keyset paging, the one error shape, and the OpenAPI description (docs/domain.md §8.2). */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, createRun, labeledPayload, postWebhook, seedCluster } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

type Page = { items: { id: string; status: string; trigger_label: string; created_at: string }[]; next_cursor: string | null };

async function project(runs: number): Promise<{ me: StaffSession; ids: string[]; repoExternalId: number; projectId: string }> {
  const seeded = await seedCluster();
  const ids: string[] = [];
  for (let i = 0; i < runs; i += 1) {
    ids.push(await createRun(seeded.repoExternalId));
  }
  return { me: await signedIn({ roles: { [seeded.projectId]: 'read_write' } }), ids, repoExternalId: seeded.repoExternalId, projectId: seeded.projectId };
}

describe('GET /api/v1/staff/runs', () => {
  it('pages newest first with a cursor: every run once, none twice', async () => {
    const { me, ids } = await project(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await staffFetch(me, `/api/v1/staff/runs?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      seen.push(...page.items.map((r) => r.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status, label, repository and creation time', async () => {
    const { me, ids, repoExternalId } = await project(2);
    const plan = await postWebhook(JSON.stringify(labeledPayload({ repoId: repoExternalId, label: 'run:plan', issueNumber: 4242 })));
    const planId = (await plan.json<{ runId: string }>()).runId;
    expect((await staffFetch(me, `/api/v1/staff/runs/${ids[0]}/cancel`, { method: 'POST' })).status).toBe(200);
    const list = async (query: string) => ((await (await staffFetch(me, `/api/v1/staff/runs?${query}`)).json()) as Page).items.map((r) => r.id);
    expect(await list('status=canceled')).toEqual([ids[0]]);
    expect(await list('status=pending,canceled')).toEqual([planId, ids[1], ids[0]]);
    expect(await list('label=run:plan')).toEqual([planId]);
    const { repository_full_name: repository } = (await (await staffFetch(me, `/api/v1/staff/runs/${planId}`)).json()) as { repository_full_name: string };
    expect(await list(`repository=${encodeURIComponent(repository)}`)).toHaveLength(3);
    expect(await list('repository=nobody/nothing')).toEqual([]);
    expect(await list(`created_from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await list(`created_to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&label=run:plan`)).toEqual([planId]);
  });

  it.each([
    ['status=nope', 'status'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['created_from=yesterday', 'created_from'],
    ['project=nope', 'project'],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const me = await signedIn({ platformAdmin: true });
    const res = await staffFetch(me, `/api/v1/staff/runs?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_argument', field } });
  });

  it('answers malformed JSON bodies in the one error shape', async () => {
    const me = await signedIn({ platformAdmin: true });
    const res = await staffFetch(me, `/api/v1/staff/approvals/${crypto.randomUUID()}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('describes every staff route, with the session cookie as security', async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json<{ openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>>; components: { securitySchemes: Record<string, unknown> } }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/staff/approvals/{requestId}/decision',
      '/api/v1/staff/clusters',
      '/api/v1/staff/clusters/{clusterId}/token',
      '/api/v1/staff/errors',
      '/api/v1/staff/errors/dead-writes/{installationId}/{sequence}',
      '/api/v1/staff/errors/dead-writes/{installationId}/{sequence}/retry',
      '/api/v1/staff/errors/failed-runs',
      '/api/v1/staff/errors/held',
      '/api/v1/staff/errors/parked/{repositoryId}/{sequence}',
      '/api/v1/staff/errors/parked/{repositoryId}/{sequence}/replay',
      '/api/v1/staff/errors/refused-deliveries',
      '/api/v1/staff/inbox',
      '/api/v1/staff/me',
      '/api/v1/staff/projects',
      '/api/v1/staff/projects/{projectId}',
      '/api/v1/staff/projects/{projectId}/members/{login}',
      '/api/v1/staff/projects/{projectId}/repositories',
      '/api/v1/staff/projects/{projectId}/repositories/{repositoryId}',
      '/api/v1/staff/questions/{interactionId}/answer',
      '/api/v1/staff/queue',
      '/api/v1/staff/queue/history',
      '/api/v1/staff/repositories/{repositoryId}/labels/bootstrap',
      '/api/v1/staff/runs',
      '/api/v1/staff/runs/{runId}',
      '/api/v1/staff/runs/{runId}/cancel',
      '/api/v1/staff/runs/{runId}/logs',
      '/api/v1/staff/runs/{runId}/logs/history',
      '/api/v1/staff/runs/{runId}/retry',
      '/api/v1/staff/runs/{runId}/timeline',
      '/api/v1/staff/telegram/link-codes',
    ]);
    expect(Object.values(doc.paths).flatMap((ops) => Object.values(ops)).every((op) => Array.isArray(op.security) && op.security.length === 1)).toBe(true);
    expect(doc.components.securitySchemes).toHaveProperty('session');
  });
});
