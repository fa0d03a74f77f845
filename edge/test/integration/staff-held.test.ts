/**
 * Held work on the console's errors screen (routes/staff-held.ts): deliveries
 * a repository's WebhookInbox parked and GitHub writes its installation's
 * outbox gave up on, listed for the caller's projects, replayed or retried
 * once the cause is fixed, or discarded. Parking goes through the real drain
 * (a stored text that cannot be applied); dead letters through the real
 * outbox against the fake GitHub (a comment on an issue it does not have).
 */
import { agentRuns, repositories } from '@stageline/db';
import { env, runInDurableObject } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { githubOutboxOf, webhookInboxOf } from '../../src/composition/durable-objects.ts';
import { META_KEY, parseInboxMeta } from '../../src/do/webhook-inbox-state.ts';
import { parkOne, queue, repair } from '../held.ts';
import { createRun, fakeGitHub, labeledPayload, onGitHub, seedCluster, withDb } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

interface Held {
  parked_deliveries: { repository_id: number | null; project_id: string | null; sequence: number; delivery_id: string; event: string; error: { name: string; code?: string } | null; parked_at: string | null }[];
  dead_writes: { installation_id: number; sequence: number; kind: string; key: string; repository_id: number | null; thread_number: number | null; error: { kind: string; status?: number }; attempts: number }[];
  truncated: boolean;
}

const held = async (s: StaffSession): Promise<Held> => (await staffFetch(s, '/api/v1/staff/errors/held')).json<Held>();

/**
 * The outbox of the repository's installation, made one of the project's by a
 * run (its payload names the installation), and a thread of the repository.
 */
async function outboxOf(repoExternalId: number) {
  await createRun(repoExternalId);
  const { installationId, fullName } = onGitHub(repoExternalId);
  const [owner = '', repo = ''] = fullName.split('/');
  return { installationId, fullName, outbox: githubOutboxOf(env, installationId), thread: (number: number) => ({ repositoryId: repoExternalId, owner, repo, number }) };
}

const runsOf = (deliveryId: string) => withDb((d) => d.select({ id: agentRuns.id }).from(agentRuns).where(eq(agentRuns.correlationId, deliveryId)));

describe('parked deliveries', () => {
  it('are listed with their error, stay parked while the replay fails, are applied once the cause is fixed, and leave the list', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const parked = await parkOne(seeded.repoExternalId, 601);

    const before = (await held(admin)).parked_deliveries.filter((p) => p.delivery_id === parked.deliveryId);
    expect(before).toHaveLength(1);
    const row = before[0];
    expect(row).toMatchObject({ repository_id: seeded.repoExternalId, project_id: seeded.projectId, event: 'issues', error: { name: 'SyntaxError' } });
    expect(row?.parked_at).not.toBeNull();
    const path = `/api/v1/staff/errors/parked/${seeded.repoExternalId}/${row?.sequence}`;

    const again = await staffFetch(admin, `${path}/replay`, { method: 'POST' });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ failure: { name: 'SyntaxError' } });
    expect(await runsOf(parked.deliveryId)).toEqual([]);

    await repair(seeded.repoExternalId, row?.sequence ?? 0, parked.text);
    const replayed = await staffFetch(admin, `${path}/replay`, { method: 'POST' });
    expect(replayed.status).toBe(200);
    const body = await replayed.json<{ outcome: string; run_id?: string }>();
    expect(body.outcome).toBe('accepted');
    expect((await runsOf(parked.deliveryId)).map((r) => r.id)).toEqual([body.run_id]);
    expect((await held(admin)).parked_deliveries.filter((p) => p.delivery_id === parked.deliveryId)).toEqual([]);
    const meta = await runInDurableObject(webhookInboxOf(env, seeded.repoExternalId), async (_i, state) => parseInboxMeta(await state.storage.get(META_KEY)));
    expect(meta.parked).toBe(0);
    // Gone: a second replay finds nothing, and nothing runs twice.
    expect((await staffFetch(admin, `${path}/replay`, { method: 'POST' })).status).toBe(404);
    expect(await runsOf(parked.deliveryId)).toHaveLength(1);
  });

  it('wait for a queued backlog to drain (409), and a discarded one is gone for good', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const parked = await parkOne(seeded.repoExternalId, 611);
    const sequence = (await held(admin)).parked_deliveries.find((p) => p.delivery_id === parked.deliveryId)?.sequence ?? 0;
    await repair(seeded.repoExternalId, sequence, parked.text);
    const path = `/api/v1/staff/errors/parked/${seeded.repoExternalId}/${sequence}`;

    // An outage queued a later delivery: the older parked one must not be applied before it drained.
    const later = { deliveryId: crypto.randomUUID(), text: JSON.stringify(labeledPayload({ repoId: seeded.repoExternalId, issueNumber: 612 })) };
    await queue(seeded.repoExternalId, [later]);
    const busy = await staffFetch(admin, `${path}/replay`, { method: 'POST' });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ error: { code: 'conflict' }, backlog: 1 });
    expect(await runsOf(parked.deliveryId)).toEqual([]);

    expect((await staffFetch(admin, path, { method: 'DELETE' })).status).toBe(204);
    expect((await staffFetch(admin, path, { method: 'DELETE' })).status).toBe(404);
    expect((await staffFetch(admin, `${path}/replay`, { method: 'POST' })).status).toBe(404);
    expect((await held(admin)).parked_deliveries.filter((p) => p.delivery_id === parked.deliveryId)).toEqual([]);
    // Its chunks went with it: only the queued delivery's keys and the meta remain.
    const keys = await runInDurableObject(webhookInboxOf(env, seeded.repoExternalId), async (_i, state) => [...(await state.storage.list()).keys()]);
    expect(keys.filter((k) => k.startsWith(`b:${String(sequence).padStart(12, '0')}`) || k.startsWith('x:'))).toEqual([]);
    expect(await runsOf(parked.deliveryId)).toEqual([]);
  });
});

describe('dead GitHub writes', () => {
  it('are listed without their body, queued again once GitHub would take them, and land; another is discarded', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    // A run makes the installation one of the project's (its payload names it).
    const { installationId, fullName, outbox, thread } = await outboxOf(seeded.repoExternalId);
    await outbox.enqueue(installationId, [
      { kind: 'comment', thread: thread(9101), key: 'held-a', body: 'secret-looking body A' },
      { kind: 'comment', thread: thread(9102), key: 'held-b', body: 'secret-looking body B' },
    ]);
    await outbox.drain();

    const list = await staffFetch(admin, '/api/v1/staff/errors/held');
    const text = await list.text();
    expect(text).not.toContain('secret-looking');
    const dead = (JSON.parse(text) as Held).dead_writes.filter((d) => d.key.includes('held-'));
    expect(dead.map((d) => [d.thread_number, d.error.kind, d.error.status, d.repository_id, d.installation_id])).toEqual([
      [9101, 'not_found', 404, seeded.repoExternalId, installationId],
      [9102, 'not_found', 404, seeded.repoExternalId, installationId],
    ]);
    const [a, b] = dead;

    await fakeGitHub('seedIssue', { repo: fullName, number: 9101, title: 'Came back' });
    const retried = await staffFetch(admin, `/api/v1/staff/errors/dead-writes/${installationId}/${a?.sequence}/retry`, { method: 'POST' });
    expect([retried.status, await retried.json()]).toEqual([200, { outcome: 'requeued' }]);
    const status = await outbox.drain();
    expect(status.dead.map((d) => d.write.key).filter((k) => k.includes('held-'))).toEqual([b?.key]);
    const comments = await fakeGitHub<{ body: string }[]>('issueComments', { repo: fullName, number: 9101 });
    expect(comments.map((c) => c.body.split('\n')[0])).toEqual(['secret-looking body A']);

    expect((await staffFetch(admin, `/api/v1/staff/errors/dead-writes/${installationId}/${b?.sequence}`, { method: 'DELETE' })).status).toBe(204);
    expect((await outbox.status()).dead.filter((d) => d.write.key.includes('held-'))).toEqual([]);
    expect((await staffFetch(admin, `/api/v1/staff/errors/dead-writes/${installationId}/${b?.sequence}/retry`, { method: 'POST' })).status).toBe(404);
  });
});

describe('dead GitHub writes of one key', () => {
  it('keep only the newest: a newer write of the key that lands or dies drops the older dead letter, so a retry can never undo newer content', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const { installationId, fullName, outbox, thread } = await outboxOf(seeded.repoExternalId);
    const deadOf = async (key: string) => (await outbox.status()).dead.filter((d) => d.write.key === key);

    await outbox.enqueue(installationId, [{ kind: 'comment', thread: thread(9401), key: 'held-same', body: 'first' }]);
    await outbox.drain();
    const [first] = await deadOf('comment:held-same');
    // A newer write of the same key dies too: only it stays listed.
    await outbox.enqueue(installationId, [{ kind: 'comment', thread: thread(9401), key: 'held-same', body: 'second' }]);
    await outbox.drain();
    const afterSecond = await deadOf('comment:held-same');
    expect(afterSecond.map((d) => d.seq)).toEqual([expect.any(Number)]);
    expect(afterSecond[0]?.seq).toBeGreaterThan(first?.seq ?? 0);
    expect((await staffFetch(admin, `/api/v1/staff/errors/dead-writes/${installationId}/${first?.seq}/retry`, { method: 'POST' })).status).toBe(404);

    // Then a third lands: the remaining dead letter is out of date and goes.
    await fakeGitHub('seedIssue', { repo: fullName, number: 9401, title: 'Back' });
    await outbox.enqueue(installationId, [{ kind: 'comment', thread: thread(9401), key: 'held-same', body: 'third' }]);
    await outbox.drain();
    expect(await deadOf('comment:held-same')).toEqual([]);
    expect((await staffFetch(admin, `/api/v1/staff/errors/dead-writes/${installationId}/${afterSecond[0]?.seq}/retry`, { method: 'POST' })).status).toBe(404);
    const comments = await fakeGitHub<{ body: string }[]>('issueComments', { repo: fullName, number: 9401 });
    expect(comments.map((c) => c.body.split('\n')[0])).toEqual(['third']);
  });
});

describe('who sees and touches held work', () => {
  it('another project does not see it and gets 404; a read member sees it and gets 403; malformed ids are 400', async () => {
    const seeded = await seedCluster();
    const other = await seedCluster();
    const read = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const stranger = await signedIn({ roles: { [other.projectId]: 'admin' } });
    const parked = await parkOne(seeded.repoExternalId, 621);
    const { installationId, outbox, thread } = await outboxOf(seeded.repoExternalId);
    await outbox.enqueue(installationId, [{ kind: 'comment', thread: thread(9201), key: 'held-c', body: 'c' }]);
    await outbox.drain();

    const mine = await held(read);
    const sequence = mine.parked_deliveries.find((p) => p.delivery_id === parked.deliveryId)?.sequence;
    const deadSeq = mine.dead_writes.find((d) => d.key.includes('held-c'))?.sequence;
    expect(sequence).toBeDefined();
    expect(deadSeq).toBeDefined();
    const theirs = await held(stranger);
    expect(theirs.parked_deliveries.filter((p) => p.delivery_id === parked.deliveryId)).toEqual([]);
    expect(theirs.dead_writes.filter((d) => d.repository_id === seeded.repoExternalId)).toEqual([]);

    const replay = `/api/v1/staff/errors/parked/${seeded.repoExternalId}/${sequence}/replay`;
    const retry = `/api/v1/staff/errors/dead-writes/${installationId}/${deadSeq}/retry`;
    expect((await staffFetch(stranger, replay, { method: 'POST' })).status).toBe(404);
    expect((await staffFetch(stranger, retry, { method: 'POST' })).status).toBe(404);
    expect((await staffFetch(read, replay, { method: 'POST' })).status).toBe(403);
    expect((await staffFetch(read, retry, { method: 'POST' })).status).toBe(403);
    // Deliveries that name no repository belong to platform admins alone.
    const orphan = await parkOne(null, 0);
    const orphanPath = `/api/v1/staff/errors/parked/none/${orphan.sequence}`;
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    expect((await staffFetch(admin, orphanPath, { method: 'DELETE' })).status).toBe(404);
    expect((await held(admin)).parked_deliveries.filter((p) => p.delivery_id === orphan.deliveryId)).toEqual([]);
    const platform = await signedIn({ platformAdmin: true });
    expect((await held(platform)).parked_deliveries.filter((p) => p.delivery_id === orphan.deliveryId)).toMatchObject([{ repository_id: null, project_id: null }]);
    expect((await staffFetch(platform, orphanPath, { method: 'DELETE' })).status).toBe(204);

    for (const bad of ['/api/v1/staff/errors/parked/abc/1/replay', `/api/v1/staff/errors/parked/${seeded.repoExternalId}/0/replay`, `/api/v1/staff/errors/parked/${seeded.repoExternalId}/x/replay`, '/api/v1/staff/errors/dead-writes/-1/1/retry']) {
      const res = await staffFetch(read, bad, { method: 'POST' });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(await res.json()).toHaveProperty('error.code', 'invalid_argument');
    }
    // Nothing changed.
    expect((await held(read)).parked_deliveries.filter((p) => p.delivery_id === parked.deliveryId)).toHaveLength(1);
    expect((await outbox.status()).dead.filter((d) => d.write.key.includes('held-c'))).toHaveLength(1);

    // Once the repository is unbound, its former project's admins no longer act on it.
    await withDb((d) => d.update(repositories).set({ unboundAt: new Date() }).where(eq(repositories.externalId, seeded.repoExternalId)));
    expect((await staffFetch(admin, replay, { method: 'POST' })).status).toBe(404);
    expect((await staffFetch(admin, retry, { method: 'POST' })).status).toBe(404);
  });
});
