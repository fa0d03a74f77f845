// "Never lose a delivery": Postgres goes down in the middle of a burst of
// signed deliveries. Every delivery is answered 202 (accepted or queued in the
// repository's WebhookInbox) or 200 duplicate, never 5xx; when the database is
// back, the inbox applies the queued ones in order, each exactly once.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { findPostgresBin } from '@stageline/db/dev';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { query } from './support/sql.ts';
import { until } from './support/until.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

function requireStack(): Stack {
  if (stack === undefined) {
    throw new Error('no stack');
  }
  return stack;
}

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => query<T>(requireStack().db.url, text, values);


interface Answer {
  delivery: string;
  issue: number;
  replay: boolean;
  status: number;
  body: { status?: string; runId?: string; correlationId?: string; sequence?: number };
}

async function label(issue: number, delivery: string, replay = false): Promise<Answer> {
  const s = requireStack();
  const payload = labeledPayload({ issue, repoId: s.repo.externalId, repoFullName: s.repo.fullName });
  const res = await sendWebhook({ edgeUrl: s.edgeUrl, secret: s.webhookSecret, payload, delivery });
  return { delivery, issue, replay, status: res.status, body: res.body as Answer['body'] };
}

/** 202 accepted / 202 queued / 200 duplicate: the only answers allowed while the database is down. */
function expectNoFailure(a: Answer): void {
  const ok =
    (a.status === 202 && a.body.status === 'accepted') ||
    (a.status === 202 && a.body.status === 'queued' && a.body.correlationId === a.delivery && typeof a.body.sequence === 'number') ||
    (a.status === 200 && a.body.status === 'duplicate');
  expect(ok, `${a.delivery} (issue ${a.issue}${a.replay ? ', replay' : ''}): ${a.status} ${JSON.stringify(a.body)}`).toBe(true);
}

type Stored = { delivery_id: string; runs: number; deliveries: number; received: number; flow_id: string };

/** Per delivery id: how many runs, delivery rows and webhook.received events exist, and the event's id (apply order). */
async function stored(ids: string[]): Promise<Map<string, Stored>> {
  const rows = await sql<Stored>(
    `SELECT w.delivery_id,
            (SELECT count(*)::int FROM agent_runs r WHERE r.correlation_id = w.delivery_id) AS runs,
            (SELECT count(*)::int FROM webhook_deliveries d WHERE d.delivery_id = w.delivery_id) AS deliveries,
            (SELECT count(*)::int FROM flow_events f WHERE f.correlation_id = w.delivery_id AND f.event_type = 'webhook.received') AS received,
            (SELECT min(f.id)::text FROM flow_events f WHERE f.correlation_id = w.delivery_id AND f.event_type = 'webhook.received') AS flow_id
       FROM webhook_deliveries w WHERE w.delivery_id = ANY($1)`,
    [ids],
  );
  return new Map(rows.map((r) => [r.delivery_id, r]));
}

/** How many times the inbox has logged a failed (deferred) drain attempt so far. */
function drainDeferrals(s: Stack): number {
  return readFileSync(path.join(s.stateDir, 'edge.log'), 'utf8').split('"msg":"drain deferred"').length - 1;
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'stageline-outage-'));
}

// Real PostgreSQL when its binaries exist; TEST_DB=pglite runs the drill on PGlite.
const dbKind = process.env.TEST_DB === 'pglite' ? 'pglite' : findPostgresBin() === null ? 'auto' : 'postgres';

describe('webhook ingress during a database outage', () => {
  it('answers every delivery 202/200 while Postgres is down and applies each exactly once, in order, when it is back', async () => {
    const s = (stack = await startStack({ stateDir: tmp(), dbKind, build: false, agents: 0 }));
    // Warm the repository's inbox (and its pool) before the outage.
    const warm = await label(1, randomUUID());
    expect(warm).toMatchObject({ status: 202, body: { status: 'accepted' } });

    const N = 40;
    const STOP_AT = 10;
    /** At most this many first deliveries are sent while the stop is under way; the rest wait for it to finish. */
    const DURING_STOP = 10;
    const burst = Array.from({ length: N }, (_, i) => ({ issue: 100 + i, delivery: randomUUID() }));
    const firstAnswers: Answer[] = [];
    const replays: Promise<Answer>[] = [];
    let stopped: Promise<void> | undefined;
    let stopDone = false;
    const afterStop = new Set<string>();
    const startedAt = Date.now();
    for (const [i, d] of burst.entries()) {
      if (i === STOP_AT) {
        // pg_ctl stop -m fast (or the PGlite socket closes) while requests are in flight.
        stopped = s.db.stopServer().then(() => {
          stopDone = true;
        });
      }
      if (i === STOP_AT + DURING_STOP) {
        await stopped;
      }
      if (stopDone) {
        afterStop.add(d.delivery);
      }
      // Each first delivery is sent once the previous one was answered: concurrent
      // requests may reach the inbox in any order (as GitHub's may), and the inbox
      // keeps the order in which they arrive, so only awaited sends have a known one.
      firstAnswers.push(await label(d.issue, d.delivery));
      // Redeliveries of earlier ids, in flight alongside the burst (their order is not asserted).
      const earlier = burst[i - 5];
      if (i % 6 === 5 && earlier !== undefined) {
        replays.push(label(earlier.issue, earlier.delivery, true));
      }
    }
    await stopped;
    const during = [...firstAnswers, ...(await Promise.all(replays))];
    // While the database is still down: more redeliveries, of queued and of applied ids.
    const replaysWhileDown = await Promise.all([burst[0], burst[STOP_AT + 5], burst[N - 1]].flatMap((d) => (d === undefined ? [] : [label(d.issue, d.delivery, true)])));
    const outageMs = Date.now() - startedAt;
    for (const a of [...during, ...replaysWhileDown]) {
      expectNoFailure(a);
    }
    const firsts = during.filter((a) => !a.replay);
    const queued = firsts.filter((a) => a.body.status === 'queued');
    const direct = firsts.filter((a) => a.body.status === 'accepted');
    // The outage really happened mid-burst: some went straight in, the rest were queued.
    expect(direct.length).toBeGreaterThanOrEqual(STOP_AT);
    expect(afterStop.size).toBeGreaterThanOrEqual(N - STOP_AT - DURING_STOP);
    expect(firsts.filter((a) => afterStop.has(a.delivery)).map((a) => a.body.status)).toEqual([...afterStop].map(() => 'queued'));
    expect(replaysWhileDown.filter((a) => a.body.status === 'queued').length).toBeGreaterThanOrEqual(2);

    // Stay down until two drain attempts have failed and backed off (1 s, then 2 s).
    await until('two failed drain attempts', () => (drainDeferrals(s) >= 2 ? true : undefined), 30_000);
    const restartedAt = Date.now();
    await s.db.startServer();
    const ids = burst.map((d) => d.delivery);
    const rows = await until('every delivery applied', async () => {
      const m = await stored(ids);
      return ids.every((id) => (m.get(id)?.runs ?? 0) >= 1) ? m : undefined;
    }, 90_000);
    const drainMs = Date.now() - restartedAt;

    // Exactly once: one delivery row, one run, one webhook.received per delivery; nothing else was created.
    for (const id of ids) {
      expect(rows.get(id), id).toMatchObject({ runs: 1, deliveries: 1, received: 1 });
    }
    const [total] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM agent_runs');
    expect(total?.n).toBe(N + 1);

    // In order: the queued deliveries were applied in their inbox sequence, which is the send order …
    const flowId = (a: Answer) => BigInt(rows.get(a.delivery)?.flow_id ?? '0');
    const bySequence = [...queued].sort((a, b) => (a.body.sequence ?? 0) - (b.body.sequence ?? 0));
    const applied = [...queued].sort((a, b) => (flowId(a) < flowId(b) ? -1 : 1));
    expect(applied.map((a) => a.delivery)).toEqual(bySequence.map((a) => a.delivery));
    expect(bySequence.map((a) => a.issue)).toEqual(queued.map((a) => a.issue));
    // … and no delivery was applied directly while any was queued.
    const firstQueued = applied[0];
    const lastQueued = applied[applied.length - 1];
    if (firstQueued !== undefined && lastQueued !== undefined) {
      for (const a of direct) {
        expect(flowId(a) < flowId(firstQueued) || flowId(a) > flowId(lastQueued), `${a.delivery} overtook a queued delivery`).toBe(true);
      }
    }

    // Redeliveries of the queued ids answer duplicate once applied.
    for (const a of queued.slice(0, 5)) {
      const again = await label(a.issue, a.delivery, true);
      expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    }
    // And a new delivery goes straight in again.
    expect(await label(999, randomUUID())).toMatchObject({ status: 202, body: { status: 'accepted' } });

    const log = readFileSync(path.join(s.stateDir, 'edge.log'), 'utf8');
    expect(log).toContain('"msg":"delivery queued"');
    expect(log).toContain('"msg":"delivery drained"');
    expect(log).toContain('"msg":"inbox drained"');
    expect(log).toContain('"msg":"drain deferred"');
    // JSON lines only about ids and sizes: no payload text, no secret.
    expect(log).not.toContain('Add a health endpoint');
    expect(log).not.toContain(s.webhookSecret);
    process.stdout.write(
      `webhook-outage: ${s.db.kind}, ${N} deliveries + ${during.length - N + replaysWhileDown.length} redeliveries; ` +
        `${direct.length} applied directly, ${queued.length} queued; outage ${outageMs} ms; drained ${drainMs} ms after restart\n`,
    );
  }, 180_000);

  it('keeps queued deliveries across an edge restart and applies them when the database is back', async () => {
    const s = (stack = await startStack({ stateDir: tmp(), dbKind, build: false, agents: 0 }));
    expect(await label(1, randomUUID())).toMatchObject({ status: 202, body: { status: 'accepted' } });
    await s.db.stopServer();
    const burst = Array.from({ length: 5 }, (_, i) => ({ issue: 200 + i, delivery: randomUUID() }));
    const answers: Answer[] = [];
    for (const d of burst) {
      answers.push(await label(d.issue, d.delivery));
    }
    expect(answers.map((a) => a.body.status)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
    // A deploy while the database is down: the Worker and its objects restart, storage stays.
    await s.restartEdge();
    await s.db.startServer();
    const ids = burst.map((d) => d.delivery);
    const rows = await until('the queued deliveries applied after the restart', async () => {
      const m = await stored(ids);
      return ids.every((id) => (m.get(id)?.runs ?? 0) >= 1) ? m : undefined;
    }, 90_000);
    const order = [...ids].sort((a, b) => (BigInt(rows.get(a)?.flow_id ?? '0') < BigInt(rows.get(b)?.flow_id ?? '0') ? -1 : 1));
    expect(order).toEqual(ids);
    for (const id of ids) {
      expect(rows.get(id)).toMatchObject({ runs: 1, deliveries: 1, received: 1 });
    }
  }, 180_000);
});
