// Dedupe-first, atomic ingest (docs/architecture.md "The flow of one run"):
// the delivery row is the first write and everything the delivery implies
// commits with it or not at all.
import { agentRuns, flowEvents, webhookDeliveries } from '@stageline/db';
import { and, eq, inArray } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { db, fakeGitHub, labeledPayload, onGitHub, postWebhook, seedCluster } from '../helpers.ts';

async function send(payload: Record<string, unknown>, delivery = crypto.randomUUID()) {
  const res = await postWebhook(JSON.stringify(payload), { delivery, event: 'issues' });
  return { status: res.status, body: await res.json<Record<string, unknown>>(), delivery };
}

async function withDb<T>(work: (h: ReturnType<typeof db>) => Promise<T>): Promise<T> {
  const h = db();
  try {
    return await work(h);
  } finally {
    await h.close();
  }
}

const runsById = (ids: string[]) => withDb((h) => h.db.select().from(agentRuns).where(inArray(agentRuns.id, ids)));

async function seededIssue(number: number, labels: string[] = []) {
  const seeded = await seedCluster({ slots: 10 });
  const { fullName } = onGitHub(seeded.repoExternalId);
  await fakeGitHub('seedIssue', { repo: fullName, number, title: `Issue ${number}`, labels });
  return { ...seeded, fullName };
}

describe('dedupe-first ingest', () => {
  it('a stage label redelivered after a newer discussion run started changes nothing', async () => {
    const s = await seededIssue(120, ['run:dev', 'mode:discussion']);
    const stage = labeledPayload({ repoId: s.repoExternalId, label: 'run:dev', issueNumber: 120, otherLabels: ['mode:discussion'] });
    const first = await send(stage);
    expect(first.status).toBe(202);

    // Later the maintainer opens a discussion on the same issue.
    const opened = await send(labeledPayload({ repoId: s.repoExternalId, label: 'mode:discussion', issueNumber: 120 }));
    expect(opened.status).toBe(202);
    const discussionId = String(opened.body.runId);

    // GitHub redelivers the first delivery (same X-GitHub-Delivery): a duplicate, with no side effect at all.
    const again = await send(stage, first.delivery);
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const [discussion] = await runsById([discussionId]);
    expect(discussion).toMatchObject({ status: 'pending', statusReason: null });
    const events = await withDb((h) => h.db.select().from(flowEvents).where(eq(flowEvents.correlationId, opened.delivery)));
    expect(events.map((e) => e.eventType)).toEqual(['webhook.received']);
  });

  it('an issue close whose apply fails after the delivery insert is retried and cancels every run exactly once', async () => {
    const s = await seededIssue(121, ['run:dev']);
    const a = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:dev', issueNumber: 121 }));
    const b = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:plan', issueNumber: 121 }));
    expect([a.status, b.status]).toEqual([202, 202]);
    const runIds = [String(a.body.runId), String(b.body.runId)];
    const closed = labeledPayload({ repoId: s.repoExternalId, issueNumber: 121 });
    closed.action = 'closed';
    const delivery = crypto.randomUUID();

    // A real database fault in the middle of the apply: the second run's cancel
    // raises, after the delivery row and the first cancel were written.
    const fn = `stageline_test_fail_${crypto.randomUUID().replaceAll('-', '')}`;
    await withDb(async (h) => {
      await h.db.execute(sql.raw(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id = '${runIds[1]}'::uuid AND NEW.status = 'canceled' THEN RAISE EXCEPTION 'injected failure'; END IF;
          RETURN NEW;
        END $$`));
      await h.db.execute(sql.raw(`CREATE TRIGGER ${fn} BEFORE UPDATE ON agent_runs FOR EACH ROW EXECUTE FUNCTION ${fn}()`));
    });
    let failed: Awaited<ReturnType<typeof send>>;
    try {
      failed = await send(closed, delivery);
    } finally {
      await withDb(async (h) => {
        await h.db.execute(sql.raw(`DROP TRIGGER ${fn} ON agent_runs`));
        await h.db.execute(sql.raw(`DROP FUNCTION ${fn}()`));
      });
    }
    expect(failed.status).toBe(500);
    // The inbox answers the failure (an error thrown out of a Durable Object is reported as uncaught).
    expect(failed.body).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('redeliver') } });
    // Nothing of the failed apply stayed: no delivery row, no cancel.
    expect(await withDb((h) => h.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, delivery)))).toEqual([]);
    expect((await runsById(runIds)).map((r) => r.status).sort()).toEqual(['pending', 'pending']);

    // GitHub's redelivery (same id) does all of it, once.
    const retried = await send(closed, delivery);
    expect(retried).toMatchObject({ status: 200, body: { status: 'accepted', action: 'issue_closed' } });
    expect([...(retried.body.canceled as string[])].sort()).toEqual([...runIds].sort());
    expect((await runsById(runIds)).map((r) => r.status)).toEqual(['canceled', 'canceled']);
    expect(await send(closed, delivery)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const cancels = await withDb((h) =>
      h.db.select().from(flowEvents).where(and(inArray(flowEvents.correlationId, [a.delivery, b.delivery]), eq(flowEvents.eventType, 'run.canceled'))),
    );
    expect(cancels).toHaveLength(2);
  });
});
