import { agentRuns, flowEvents, realtimeEvents, webhookDeliveries } from '@stageline/db';
import { eq, inArray } from 'drizzle-orm';
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { BASE, db, labeledPayload, postWebhook, seedCluster, hasIsolatedTransactions } from '../helpers.ts';

/** X-Hub-Signature-256 over raw bytes, with the test secret. */
async function signBytes(bytes: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('test-webhook-secret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function storedFor(deliveryId: string) {
  const h = db();
  try {
    const deliveries = await h.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId));
    const runs = await h.db.select().from(agentRuns).where(eq(agentRuns.correlationId, deliveryId));
    const events = await h.db.select().from(flowEvents).where(eq(flowEvents.correlationId, deliveryId));
    return { deliveries, runs, events };
  } finally {
    await h.close();
  }
}

describe('POST /github/webhook', () => {
  it('turns run:dev by a user into one pending run with audit and realtime rows', async () => {
    const delivery = crypto.randomUUID();
    const res = await postWebhook(JSON.stringify(labeledPayload({ issueNumber: 42 })), { delivery });
    expect(res.status).toBe(202);
    const body = await res.json<{ status: string; runId: string }>();
    expect(body.status).toBe('accepted');
    const { deliveries, runs, events } = await storedFor(delivery);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ outcome: 'accepted', runId: body.runId, event: 'issues', action: 'labeled' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: body.runId,
      status: 'pending',
      triggerKind: 'dev',
      agentKey: 'dev',
      triggerLabel: 'run:dev',
      issueNumber: 42,
      repositoryFullName: 'octo-org/app',
      clusterId: 'c-test',
    });
    expect(runs[0]?.runPayload).toMatchObject({ delivery_id: delivery, trigger: { kind: 'dev', source: 'issue_label' } });
    expect(events.map((e) => e.eventType)).toEqual(['webhook.received']);
    const h = db();
    try {
      const rt = await h.db.select().from(realtimeEvents).where(eq(realtimeEvents.correlationId, delivery));
      expect(rt).toHaveLength(1);
      expect(rt[0]?.payloadJson).toMatchObject({ run: { id: body.runId, status: 'pending' } });
    } finally {
      await h.close();
    }
  });

  it('answers a replayed delivery with duplicate and stores nothing new', async () => {
    const delivery = crypto.randomUUID();
    const body = JSON.stringify(labeledPayload());
    expect((await postWebhook(body, { delivery })).status).toBe(202);
    const again = await postWebhook(body, { delivery });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate' });
    const { deliveries, runs, events } = await storedFor(delivery);
    expect([deliveries.length, runs.length, events.length]).toEqual([1, 1, 1]);
  });

  it.runIf(hasIsolatedTransactions)('creates exactly one run when the same delivery arrives 50 times at once', async () => {
    const delivery = crypto.randomUUID();
    const body = JSON.stringify(labeledPayload());
    const answers = await Promise.all(Array.from({ length: 50 }, () => postWebhook(body, { delivery }).then((r) => r.status)));
    expect(answers.filter((s) => s === 202)).toHaveLength(1);
    expect(answers.filter((s) => s === 200)).toHaveLength(49);
    expect((await storedFor(delivery)).runs).toHaveLength(1);
  });

  it.each([
    ['a label that is not a trigger', { label: 'bug' }, 'issues', 'issue_event_not_trigger_label'],
    ['a bot sender', { senderType: 'Bot' }, 'issues', 'sender_type_bot_not_permitted'],
    ['an unregistered repository', { repoId: 1 }, 'issues', 'repository_not_bound_for_issue_label'],
    ['an unknown event type', {}, 'workflow_dispatch', 'event_not_routed'],
  ])('ignores %s but records the delivery', async (_name, opts, event, reason) => {
    const delivery = crypto.randomUUID();
    const res = await postWebhook(JSON.stringify(labeledPayload(opts)), { delivery, event });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ignored', reason });
    const { deliveries, runs, events } = await storedFor(delivery);
    expect(deliveries[0]).toMatchObject({ outcome: 'ignored', reason });
    expect(runs).toHaveLength(0);
    expect(events[0]?.payload).toMatchObject({ outcome: 'ignored', reason });
  });

  it('ignores a signed ping without an issue', async () => {
    const res = await postWebhook(JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }), { event: 'ping' });
    expect(await res.json()).toEqual({ status: 'ignored', reason: 'event_not_routed' });
  });

  describe('refuses bad input and stores nothing', () => {
    const body = JSON.stringify(labeledPayload());
    type Headers = { signature?: string | null; delivery?: string | null; event?: string | null };
    it.each<[string, Headers, number]>([
      ['no signature', { signature: null }, 401],
      ['a signature from another secret', { signature: 'sha256=' + 'ab'.repeat(32) }, 401],
      ['a malformed signature header', { signature: 'sha1=deadbeef' }, 401],
      ['no delivery id', { delivery: null }, 400],
      ['a malformed delivery id', { delivery: '../../etc/passwd' }, 400],
      ['no event header', { event: null }, 400],
    ])('%s -> %i', async (_name, headers, status) => {
      const delivery = typeof headers.delivery === 'string' && headers.delivery.startsWith('.') ? headers.delivery : crypto.randomUUID();
      const res = await postWebhook(body, { ...headers, delivery: headers.delivery === null ? null : delivery });
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code: status === 401 ? 'unauthorized' : 'invalid_argument' } });
      if (headers.delivery !== null) {
        expect((await storedFor(delivery)).deliveries).toHaveLength(0);
      }
    });

    it('refuses a body whose signature was made for another body', async () => {
      const delivery = crypto.randomUUID();
      const { sign } = await import('@octokit/webhooks-methods');
      const signature = await sign('test-webhook-secret', body);
      const tampered = body.replace('run:dev', 'run:ops');
      const res = await postWebhook(tampered, { delivery, signature });
      expect(res.status).toBe(401);
      expect((await storedFor(delivery)).deliveries).toHaveLength(0);
    });

    it('answers 503 and stores nothing while the App\'s webhook secret is not set yet (the first deploy, before /setup)', async () => {
      const delivery = crypto.randomUUID();
      const { sign } = await import('@octokit/webhooks-methods');
      const request = new Request(`${BASE}/github/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': delivery, 'x-hub-signature-256': await sign('anything', body) },
        body,
      });
      // The same worker, run with the environment of a first deploy: no GitHub App secrets.
      const { GITHUB_WEBHOOK_SECRET: _secret, GITHUB_APP_PRIVATE_KEY: _key, ...firstDeploy } = env as unknown as Env;
      const ctx = createExecutionContext();
      const res = await worker.fetch(request, firstDeploy as Env, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
      expect((await storedFor(delivery)).deliveries).toHaveLength(0);
    });

    it.each([
      ['malformed JSON', '{"action": "labeled",'],
      ['a JSON array', '[1,2,3]'],
      ['a JSON string', '"labeled"'],
      ['an object nested 3,000 levels deep', `{"a":${'['.repeat(3000)}${']'.repeat(3000)}}`],
    ])('%s -> 400', async (_name, text) => {
      const delivery = crypto.randomUUID();
      const res = await postWebhook(text, { delivery });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
      expect((await storedFor(delivery)).deliveries).toHaveLength(0);
    });

    it.each<[string, Uint8Array]>([
      ['an empty body', new Uint8Array(0)],
      ['a body with a byte-order mark before the JSON', new TextEncoder().encode(`\uFEFF${body}`)],
      ['a body with a UTF-16 byte-order mark', new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode(body)])],
      ['a body that is not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ])('answers a correctly signed but unreadable body (%s) with 400, not 401', async (_name, bytes) => {
      const delivery = crypto.randomUUID();
      const res = await SELF.fetch(`${BASE}/github/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': delivery, 'x-hub-signature-256': await signBytes(bytes) },
        body: bytes,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
      expect((await storedFor(delivery)).deliveries).toHaveLength(0);
    });

    it('refuses a declared size above 25 MiB before reading', async () => {
      const res = await SELF.fetch(`${BASE}/github/webhook`, {
        method: 'POST',
        headers: { 'content-length': String(25 * 1024 * 1024 + 1), 'x-github-event': 'issues', 'x-github-delivery': crypto.randomUUID() },
        body: 'x',
      });
      expect(res.status).toBe(413);
    });

    it('refuses a streamed body that grows past 25 MiB', async () => {
      const chunk = new Uint8Array(1024 * 1024).fill(32);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > 26) {
            controller.close();
            return;
          }
          sent += 1;
          controller.enqueue(chunk);
        },
      });
      const delivery = crypto.randomUUID();
      const res = await SELF.fetch(`${BASE}/github/webhook`, {
        method: 'POST',
        headers: { 'x-github-event': 'issues', 'x-github-delivery': delivery, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
        body: stream,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
      expect((await storedFor(delivery)).deliveries).toHaveLength(0);
    });
  });

  it('skips a trigger whose delivery names no installation instead of holding the repository for it', async () => {
    const payload = labeledPayload({ issueNumber: 78 });
    delete payload.installation;
    const delivery = crypto.randomUUID();
    const res = await postWebhook(JSON.stringify(payload), { delivery });
    expect([res.status, await res.json()]).toEqual([200, { status: 'ignored', reason: 'installation_missing' }]);
    expect((await storedFor(delivery)).deliveries).toHaveLength(1);
    // The next delivery of the repository is applied at once, not queued behind it.
    const next = await postWebhook(JSON.stringify(labeledPayload({ issueNumber: 79 })));
    expect(next.status).toBe(202);
    expect(await next.json()).toMatchObject({ status: 'accepted' });
  });

  it('stores and decides a delivery whose strings hold NUL or a lone surrogate like any other', async () => {
    // Legal JSON that GitHub content can carry; Postgres refuses both in jsonb and NUL in text.
    const payload = labeledPayload({ issueNumber: 77 });
    (payload.issue as Record<string, unknown>).title = 'a\u0000b';
    (payload.issue as Record<string, unknown>).body = 'a\ud800b \udc00 \ud83d\ude00';
    payload['key\u0000with\ud800'] = ['x\u0000', { 'y\udfff': 'z' }];
    const text = JSON.stringify(payload);
    expect(text).toContain('\\u0000');
    expect(text).toContain('\\ud800');
    const delivery = crypto.randomUUID();
    const res = await postWebhook(text, { delivery });
    expect(res.status).toBe(202);
    const answer = await res.json<{ status: string; runId: string }>();
    expect(answer.status).toBe('accepted');
    const { deliveries, runs } = await storedFor(delivery);
    expect(deliveries).toHaveLength(1);
    expect(runs.map((r) => r.id)).toEqual([answer.runId]);
    const stored = deliveries[0]?.payload as Record<string, unknown>;
    expect(stored.issue).toMatchObject({ title: 'a\uFFFDb', body: 'a\uFFFDb \uFFFD \ud83d\ude00' });
    expect(stored['key\uFFFDwith\uFFFD']).toEqual(['x\uFFFD', { 'y\uFFFD': 'z' }]);
    // A redelivery is recognised as the same delivery.
    const again = await postWebhook(text, { delivery });
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
  });

  it('stores every one of 200 distinct deliveries that arrive at once over 40 repositories', async () => {
    // Unbound repositories: each delivery is recorded as ignored, each repository
    // through its own inbox, so up to 40 database sessions write at the same time.
    const sent = Array.from({ length: 200 }, (_, i) => ({ delivery: crypto.randomUUID(), repoId: 880_000 + (i % 40) }));
    const answers = await Promise.all(
      sent.map(async ({ delivery, repoId }) => {
        const res = await postWebhook(JSON.stringify(labeledPayload({ repoId })), { delivery });
        return `${res.status} ${JSON.stringify(await res.json())}`;
      }),
    );
    expect(answers.filter((a) => a !== '200 {"status":"ignored","reason":"repository_not_bound_for_issue_label"}')).toEqual([]);
    const h = db();
    try {
      const rows = await h.db.select({ id: webhookDeliveries.deliveryId }).from(webhookDeliveries).where(inArray(webhookDeliveries.deliveryId, sent.map((s) => s.delivery)));
      expect(rows).toHaveLength(200);
    } finally {
      await h.close();
    }
  });

  it('routes a run to the cluster of its project', async () => {
    const seeded = await seedCluster();
    const res = await postWebhook(JSON.stringify(labeledPayload({ repoId: seeded.repoExternalId })));
    const { runId } = await res.json<{ runId: string }>();
    const h = db();
    try {
      const [run] = await h.db.select().from(agentRuns).where(eq(agentRuns.id, runId));
      expect(run).toMatchObject({ clusterId: seeded.clusterId, projectId: seeded.projectId });
    } finally {
      await h.close();
    }
  });
});
