/** The console's operations API: the wait queue, clusters and their tokens, a run's timeline (docs/domain.md §8.2). */
import { agentRuns, clusters, projects, runEvents } from '@stageline/db';
import { SELF } from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { BASE, createRun, labeledPayload, postWebhook, readyAgent, seedCluster, withDb } from '../helpers.ts';
import { signedIn, staffFetch } from '../staff.ts';

type QueueItem = { run: { id: string }; cause: string; sla: string; waited_ms: number };
const queueOf = async (me: Awaited<ReturnType<typeof signedIn>>, projectId: string) =>
  ((await (await staffFetch(me, `/api/v1/staff/queue?project=${projectId}`)).json()) as { items: QueueItem[] }).items;

describe('GET /api/v1/staff/queue', () => {
  it('says why each run waits: no live agent, then its turn, then no free slot', async () => {
    const seeded = await seedCluster();
    const me = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const runId = await createRun(seeded.repoExternalId);
    expect(await queueOf(me, seeded.projectId)).toEqual([expect.objectContaining({ run: expect.objectContaining({ id: runId }), cause: 'cluster_offline', sla: 'ok' })]);
    const agent = await readyAgent(seeded.token, `${seeded.clusterId}/a`);
    expect((await queueOf(me, seeded.projectId))[0]?.cause).toBe('queued');
    await withDb((d) => d.update(projects).set({ slots: 0 }).where(eq(projects.id, seeded.projectId)));
    expect((await queueOf(me, seeded.projectId))[0]?.cause).toBe('no_free_slot');
    agent.ws.close(1000, 'done');
  });

  it('shows nothing of a project the caller has no role in', async () => {
    const seeded = await seedCluster();
    await createRun(seeded.repoExternalId);
    const stranger = await signedIn({ roles: {} });
    expect(await queueOf(stranger, seeded.projectId)).toEqual([]);
  });
});

describe('GET /api/v1/staff/queue/history', () => {
  it('counts the project\'s waiting runs in the last bucket; nothing for a stranger; too many buckets is 400', async () => {
    const seeded = await seedCluster();
    await createRun(seeded.repoExternalId);
    await createRun(seeded.repoExternalId);
    const me = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    type History = { buckets: { waiting: number; started: number }[]; truncated: boolean };
    const mine = await (await staffFetch(me, `/api/v1/staff/queue/history?project=${seeded.projectId}&hours=1&bucket_minutes=15`)).json<History>();
    expect(mine.buckets).toHaveLength(4);
    expect(mine.buckets.at(-1)?.waiting).toBe(2);
    expect(mine.truncated).toBe(false);
    const stranger = await signedIn({ roles: {} });
    const theirs = await (await staffFetch(stranger, `/api/v1/staff/queue/history?project=${seeded.projectId}&hours=1`)).json<History>();
    expect(theirs.buckets.every((b) => b.waiting === 0)).toBe(true);
    expect((await staffFetch(me, '/api/v1/staff/queue/history?hours=168&bucket_minutes=1')).status).toBe(400);
  });
});

describe('clusters', () => {
  it('a platform admin registers a cluster; its token (shown once) connects an agent; a new token retires the old one', async () => {
    const admin = await signedIn({ platformAdmin: true });
    const id = `c-${crypto.randomUUID().slice(0, 8)}`;
    const post = (path: string, body?: unknown) => staffFetch(admin, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const created = await post('/api/v1/staff/clusters', { id, name: 'Staging' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { token } = await created.json<{ token: string }>();
    const [row] = await withDb((d) => d.select().from(clusters).where(eq(clusters.id, id)));
    expect(row?.agentTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.agentTokenHash).not.toContain(token);
    const agent = await readyAgent(token, `${id}/a`);
    const listed = await (await staffFetch(admin, '/api/v1/staff/clusters')).json<{ items: { id: string; online: boolean; instances: { live: boolean }[] }[] }>();
    expect(listed.items.find((c) => c.id === id)).toMatchObject({ online: true, instances: [{ live: true }] });
    agent.ws.close(1000, 'done');
    expect((await post('/api/v1/staff/clusters', { id })).status).toBe(409);
    const rotated = await post(`/api/v1/staff/clusters/${id}/token`);
    expect(rotated.status).toBe(200);
    const old = await SELF.fetch(`${BASE}/agent/connect`, { headers: { upgrade: 'websocket', authorization: `Bearer ${token}`, 'x-stageline-instance-id': `${id}/b` } });
    expect(old.status).toBe(401);
    await readyAgent((await rotated.json<{ token: string }>()).token, `${id}/c`).then((s) => s.ws.close(1000, 'done'));
  });

  it('only platform admins register or rotate; members see the clusters of their projects only; bad ids are 400', async () => {
    const seeded = await seedCluster();
    const other = await seedCluster();
    const projectAdmin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const post = (path: string, body?: unknown) => staffFetch(projectAdmin, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    expect((await post('/api/v1/staff/clusters', { id: 'mine' })).status).toBe(403);
    expect((await post(`/api/v1/staff/clusters/${seeded.clusterId}/token`)).status).toBe(403);
    const seen = await (await staffFetch(projectAdmin, '/api/v1/staff/clusters')).json<{ items: { id: string }[] }>();
    expect(seen.items.map((c) => c.id)).toEqual([seeded.clusterId]);
    expect(seen.items.map((c) => c.id)).not.toContain(other.clusterId);
    const admin = await signedIn({ platformAdmin: true });
    const bad = await staffFetch(admin, '/api/v1/staff/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'Not Valid!' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_argument', field: 'id' } });
    expect((await staffFetch(admin, '/api/v1/staff/clusters/nope-nope/token', { method: 'POST' })).status).toBe(404);
  });
});

describe('GET /api/v1/staff/runs/:id/timeline', () => {
  it('gives the audit events and pages the runner events by attempt:seq', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    await withDb((d) =>
      d.insert(runEvents).values([
        { runId, attemptNo: 1, seq: 0, kind: 'phase', payload: { phase: 'cloning' } },
        { runId, attemptNo: 1, seq: 1, kind: 'agent_message', payload: { text: 'hello' } },
        { runId, attemptNo: 2, seq: 0, kind: 'phase', payload: { phase: 'resumed' } },
      ]),
    );
    const me = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    type Timeline = { flow_events: { event_type: string }[]; runner_events: { attempt_no: number; seq: number; kind: string }[]; next_after: string | null };
    const first = await (await staffFetch(me, `/api/v1/staff/runs/${runId}/timeline?limit=2`)).json<Timeline>();
    expect(first.flow_events.map((e) => e.event_type)).toContain('webhook.received');
    expect(first.runner_events.map((e) => `${e.attempt_no}:${e.seq}`)).toEqual(['1:0', '1:1']);
    expect(first.next_after).toBe('1:1');
    const second = await (await staffFetch(me, `/api/v1/staff/runs/${runId}/timeline?limit=2&after=1:1`)).json<Timeline>();
    expect(second.runner_events.map((e) => `${e.attempt_no}:${e.seq}`)).toEqual(['2:0']);
    expect(second.next_after).toBeNull();
    expect((await staffFetch(me, `/api/v1/staff/runs/${runId}/timeline?after=x`)).status).toBe(400);
    const stranger = await signedIn({ roles: {} });
    expect((await staffFetch(stranger, `/api/v1/staff/runs/${runId}/timeline`)).status).toBe(404);
  });
});

describe('GET /api/v1/staff/errors', () => {
  it('lists refused deliveries with their reason and failed runs, of the caller\'s projects only', async () => {
    const seeded = await seedCluster();
    const refused = await postWebhook(JSON.stringify(labeledPayload({ repoId: seeded.repoExternalId, senderType: 'Bot', issueNumber: 77 })));
    expect(await refused.json()).toMatchObject({ status: 'ignored', reason: 'sender_type_bot_not_permitted' });
    const runId = await createRun(seeded.repoExternalId);
    await withDb((d) => d.update(agentRuns).set({ status: 'failed', runnerReason: 'agent_exit_1' }).where(eq(agentRuns.id, runId)));
    const me = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    type Errors = { refused_deliveries: { reason: string; repository_full_name: string }[]; failed_runs: { id: string; runner_reason: string }[] };
    const mine = await (await staffFetch(me, '/api/v1/staff/errors?reason=sender_type_bot_not_permitted')).json<Errors>();
    expect(mine.refused_deliveries).toHaveLength(1);
    expect(mine.refused_deliveries[0]?.reason).toBe('sender_type_bot_not_permitted');
    expect(mine.failed_runs.map((r) => [r.id, r.runner_reason])).toEqual([[runId, 'agent_exit_1']]);
    const stranger = await signedIn({ roles: {} });
    const theirs = await (await staffFetch(stranger, '/api/v1/staff/errors')).json<Errors>();
    expect(theirs).toEqual({ refused_deliveries: [], refused_next_cursor: null, failed_runs: [], failed_next_cursor: null });
    expect((await staffFetch(me, '/api/v1/staff/errors?limit=0')).status).toBe(400);
  });

  it('pages each list by cursor, newest first, without repeating or skipping a row', async () => {
    const seeded = await seedCluster();
    const me = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const refusedIds: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const delivery = `refused-${crypto.randomUUID()}`;
      const res = await postWebhook(JSON.stringify(labeledPayload({ repoId: seeded.repoExternalId, senderType: 'Bot', issueNumber: 80 + i })), { delivery });
      expect(await res.json()).toMatchObject({ status: 'ignored' });
      refusedIds.unshift(delivery);
    }
    const runIds: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      runIds.unshift(await createRun(seeded.repoExternalId));
    }
    await withDb((d) => d.update(agentRuns).set({ status: 'timed_out' }).where(eq(agentRuns.projectId, seeded.projectId)));

    type First = { refused_deliveries: { delivery_id: string }[]; refused_next_cursor: string | null; failed_runs: { id: string }[]; failed_next_cursor: string | null };
    const first = await (await staffFetch(me, '/api/v1/staff/errors?reason=sender_type_bot_not_permitted&limit=2')).json<First>();
    expect(first.refused_deliveries.map((d) => d.delivery_id)).toEqual(refusedIds.slice(0, 2));
    expect(first.failed_runs.map((r) => r.id)).toEqual(runIds.slice(0, 2));

    /** Follow one list's cursors to the end. */
    const walk = async (path: string, cursor: string | null): Promise<string[]> => {
      const seen: string[] = [];
      for (let next = cursor; next !== null; ) {
        const res = await staffFetch(me, `${path}${path.includes('?') ? '&' : '?'}limit=2&cursor=${encodeURIComponent(next)}`);
        expect(res.status).toBe(200);
        const page = await res.json<{ items: { delivery_id?: string; id?: string }[]; next_cursor: string | null }>();
        seen.push(...page.items.map((item) => item.delivery_id ?? item.id ?? ''));
        next = page.next_cursor;
      }
      return seen;
    };
    expect(await walk('/api/v1/staff/errors/refused-deliveries?reason=sender_type_bot_not_permitted', first.refused_next_cursor)).toEqual(refusedIds.slice(2));
    expect(await walk('/api/v1/staff/errors/failed-runs', first.failed_next_cursor)).toEqual(runIds.slice(2));

    // A cursor of one list is not one of the other; anything else is refused too.
    const runCursor = first.failed_next_cursor ?? '';
    expect((await staffFetch(me, `/api/v1/staff/errors/failed-runs?cursor=${encodeURIComponent(first.refused_next_cursor ?? '')}`)).status).toBe(400);
    expect((await staffFetch(me, '/api/v1/staff/errors/refused-deliveries?cursor=not-a-cursor')).status).toBe(400);
    expect((await staffFetch(me, `/api/v1/staff/errors/failed-runs?cursor=${encodeURIComponent(runCursor)}&limit=501`)).status).toBe(400);
  });
});

describe('POST /api/v1/staff/runs/:id/retry', () => {
  it('starts a finished run again once; an active run, a read member and a stranger are refused', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const writer = await signedIn({ roles: { [seeded.projectId]: 'read_write' } });
    const reader = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const stranger = await signedIn({ roles: {} });
    const retry = (who: typeof writer, id = runId) => staffFetch(who, `/api/v1/staff/runs/${id}/retry`, { method: 'POST' });
    const active = await retry(writer);
    expect(active.status).toBe(409);
    expect((await active.json<{ error: { message: string } }>()).error.message).toContain('still pending');
    expect((await staffFetch(writer, `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST' })).status).toBe(200);
    expect((await retry(reader)).status).toBe(403);
    expect((await retry(stranger)).status).toBe(404);
    const first = await retry(writer);
    expect(first.status).toBe(201);
    const { run_id: newRun } = await first.json<{ run_id: string }>();
    expect(newRun).not.toBe(runId);
    const fresh = await (await staffFetch(writer, `/api/v1/staff/runs/${newRun}`)).json<{ status: string; trigger_label: string; issue_number: number }>();
    const old = await (await staffFetch(writer, `/api/v1/staff/runs/${runId}`)).json<{ trigger_label: string; issue_number: number }>();
    expect(fresh).toMatchObject({ status: 'pending', trigger_label: old.trigger_label, issue_number: old.issue_number });
    const again = await retry(writer);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ run_id: newRun });
    const timeline = await (await staffFetch(writer, `/api/v1/staff/runs/${runId}/timeline`)).json<{ flow_events: { event_type: string; actor_id: string }[] }>();
    expect(timeline.flow_events).toContainEqual(expect.objectContaining({ event_type: 'run.retry_requested', actor_id: writer.login }));
  });
  it('answers 500 and writes nothing when the new run cannot be stored; pressing again once the cause is gone starts it', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const writer = await signedIn({ roles: { [seeded.projectId]: 'read_write' } });
    expect((await staffFetch(writer, `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST' })).status).toBe(200);
    // A real database fault: inserting a run of this project raises.
    const fn = `stageline_test_fail_${crypto.randomUUID().replaceAll('-', '')}`;
    await withDb(async (d) => {
      await d.execute(sql.raw(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.project_id = '${seeded.projectId}'::uuid THEN RAISE EXCEPTION 'injected failure'; END IF;
          RETURN NEW;
        END $$`));
      await d.execute(sql.raw(`CREATE TRIGGER ${fn} BEFORE INSERT ON agent_runs FOR EACH ROW EXECUTE FUNCTION ${fn}()`));
    });
    let failed: Response;
    try {
      failed = await staffFetch(writer, `/api/v1/staff/runs/${runId}/retry`, { method: 'POST' });
    } finally {
      await withDb(async (d) => {
        await d.execute(sql.raw(`DROP TRIGGER ${fn} ON agent_runs`));
        await d.execute(sql.raw(`DROP FUNCTION ${fn}()`));
      });
    }
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('could not be applied') } });
    expect(await withDb((d) => d.select({ id: agentRuns.id }).from(agentRuns).where(eq(agentRuns.projectId, seeded.projectId)))).toEqual([{ id: runId }]);
    const again = await staffFetch(writer, `/api/v1/staff/runs/${runId}/retry`, { method: 'POST' });
    expect(again.status).toBe(201);
  });
});
