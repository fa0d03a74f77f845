// Fuzzes GitHub webhook ingress on the embedded database of `npm start`:
// valid deliveries of every event the edge reads, mutated from a seed
// (e2e/tests/support/fuzz-webhooks.ts), two in flight at a time. Properties:
// no 5xx and no hang; 401 for a bad signature, 413 past the size cap, 400 for
// a signed delivery that cannot be read; every delivery answered 2xx is stored
// exactly once and nothing refused is stored; a redelivery is a `duplicate`;
// database connections go back to their baseline. FUZZ_SEED replays a run,
// FUZZ_ONLY=<index,…> single inputs, FUZZ_COUNT sizes it (bench/fuzz.mjs).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_GITHUB, startStack, type Stack } from '../../tools/stack.mjs';
import { fuzzSettings } from './support/fuzz-random.ts';
import { countBy, failureMessage, latencySummary, snippet, writeReport } from './support/fuzz-report.ts';
import { webhookCase, type WebhookTarget } from './support/fuzz-webhooks.ts';
import { until } from './support/until.ts';

/** Signed inputs are 8 of every 9; 2,250 inputs hold 2,000 signed ones. */
const settings = fuzzSettings(2250);
const CONCURRENCY = 2;
/** An answer slower than this is a hang (huge bodies get more: they are read and stored whole). */
const answerBoundMs = (bytes: number) => (bytes > 1_000_000 ? 60_000 : 20_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-fuzz-wh-')), dbKind: 'auto', agents: 0, build: false, githubIssues: 40, edgeLogLevel: 'warn' });
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  index: number;
  mutations: string[];
  delivery: string | undefined;
  duplicateOf: number | null;
  bytes: number;
  allowed: number[];
  readable: boolean;
  /** Whether the redelivered case had been committed to Postgres when this one was sent. */
  originalStored: boolean;
  status: number | 'hang' | 'network_error';
  body: string;
  ms: number;
}

const isStored = (a: Answer) => typeof a.status === 'number' && a.status >= 200 && a.status < 300;
/** Stored in Postgres when answered (a `queued` delivery waits in its inbox; a redelivery then is queued again). */
const isCommitted = (a: Answer) => isStored(a) && !a.body.includes('"status":"queued"');

function describeAnswer(a: Answer): string {
  return `seed=${settings.seed} index=${a.index} [${a.mutations.join('; ')}] delivery=${a.delivery ?? '(none)'} ${a.bytes}B → ${a.status} ${snippet(a.body)} (allowed ${a.allowed.join('/')})`;
}

describe('webhook ingress under fuzzing', () => {
  it(`answers every mutated delivery without a 5xx or a hang, stores exactly the accepted ones, and releases its connections (seed ${settings.seed})`, { timeout: 120_000 + settings.count * 150 }, async () => {
    const target: WebhookTarget = { repoId: stack.repo.externalId, repoFullName: stack.repo.fullName, installationId: DEMO_GITHUB.installationId, sender: DEMO_GITHUB.sender, issues: 40, secret: stack.webhookSecret };
    const indexes = Array.from({ length: settings.count }, (_, i) => i).filter((i) => settings.only === null || settings.only.has(i));
    const answers: Answer[] = [];
    const byIndex = new Map<number, Answer>();
    const baseline = stack.db.connections();
    const started = performance.now();
    let next = 0;

    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < indexes.length) {
          const index = indexes[next++] ?? 0;
          const c = webhookCase(settings.seed, index, target);
          const original = c.duplicateOf === null ? undefined : byIndex.get(c.duplicateOf);
          const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/stageline-fuzz' };
          if (c.event !== undefined) {headers['x-github-event'] = c.event;}
          if (c.delivery !== undefined) {headers['x-github-delivery'] = c.delivery;}
          if (c.signature !== undefined) {headers['x-hub-signature-256'] = c.signature;}
          const answer: Answer = {
            index,
            mutations: c.mutations,
            delivery: c.delivery,
            duplicateOf: c.duplicateOf,
            bytes: c.body.length,
            allowed: c.allowed,
            readable: c.readable,
            // The original may itself have been a redelivery under an older id: then this id is new.
            originalStored: original !== undefined && original.delivery === c.delivery && isCommitted(original),
            status: 'hang',
            body: '',
            ms: 0,
          };
          const t0 = performance.now();
          try {
            const res = await fetch(`${stack.edgeUrl}/github/webhook`, { method: 'POST', headers, body: c.body, signal: AbortSignal.timeout(answerBoundMs(c.body.length)) });
            answer.body = await res.text();
            answer.status = res.status;
          } catch (error) {
            answer.status = (error as Error).name === 'TimeoutError' ? 'hang' : 'network_error';
            answer.body = String(error);
          }
          answer.ms = performance.now() - t0;
          answers.push(answer);
          byIndex.set(index, answer);
        }
      }),
    );
    const sendMs = performance.now() - started;

    // The answers themselves.
    const failures: string[] = [];
    for (const a of answers) {
      if (typeof a.status !== 'number' || a.status >= 500) {
        failures.push(`server error or no answer: ${describeAnswer(a)}`);
        continue;
      }
      let status: unknown;
      try {
        status = (JSON.parse(a.body) as { status?: unknown }).status;
      } catch {
        status = undefined;
      }
      if (a.readable && a.originalStored) {
        // While the repository's inbox holds a backlog it queues without reading Postgres; the drain then finds the duplicate.
        const told = (a.status === 200 && status === 'duplicate') || (a.status === 202 && status === 'queued');
        if (!told) {
          failures.push(`redelivery of stored case ${a.duplicateOf} not answered 200 duplicate (or 202 queued): ${describeAnswer(a)}`);
        }
      } else if (!a.allowed.includes(a.status)) {
        failures.push(`unexpected status: ${describeAnswer(a)}`);
      } else if (isStored(a) && !['accepted', 'ignored', 'duplicate', 'queued'].includes(status as string)) {
        failures.push(`2xx without a delivery status: ${describeAnswer(a)}`);
      }
    }

    // What was stored: every delivery answered 2xx has its row, no refused delivery has one.
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    const storedIds = new Set<string>();
    const runIds = new Set<string>();
    try {
      const answeredIds = new Map<string, Answer[]>();
      for (const a of answers) {
        if (a.delivery !== undefined) {
          answeredIds.set(a.delivery, [...(answeredIds.get(a.delivery) ?? []), a]);
        }
      }
      const mustExist = [...answeredIds].filter(([, as]) => as.some(isStored)).map(([id]) => id);
      // `queued` deliveries are applied after the answer: wait for them, no longer than the inbox needs.
      await until(
        'every delivery answered 2xx to have its webhook_deliveries row',
        async () => {
          const rows = await client.query<{ delivery_id: string }>("SELECT delivery_id FROM webhook_deliveries WHERE delivery_id LIKE 'fz-%'");
          storedIds.clear();
          for (const r of rows.rows) {storedIds.add(r.delivery_id);}
          return mustExist.every((id) => storedIds.has(id)) ? true : undefined;
        },
        30_000,
        500,
      ).catch(() => undefined);
      for (const [id, as] of answeredIds) {
        const stored = as.some(isStored);
        const unclear = as.some((a) => typeof a.status !== 'number' || a.status >= 500);
        if (stored && !storedIds.has(id)) {
          failures.push(`answered 2xx but not stored (lost): ${as.filter(isStored).map(describeAnswer).join(' | ')}`);
        }
        if (!stored && !unclear && storedIds.has(id)) {
          failures.push(`refused but stored: ${as.map(describeAnswer).join(' | ')}`);
        }
      }
      // Each run an answer names exists.
      const named = answers.flatMap((a) => {
        try {
          const id = (JSON.parse(a.body) as { runId?: unknown }).runId;
          return typeof id === 'string' ? [id] : [];
        } catch {
          return [];
        }
      });
      if (named.length > 0) {
        const rows = await client.query<{ id: string }>('SELECT id FROM agent_runs WHERE id = ANY($1::uuid[])', [named]);
        for (const r of rows.rows) {runIds.add(r.id);}
        for (const id of named.filter((n) => !runIds.has(n))) {
          failures.push(`seed=${settings.seed} answer names run ${id}, which does not exist`);
        }
      }
    } finally {
      await client.end();
    }

    // Every pool closed after its answer: the sessions open before the burst, no more.
    const connections = await until(`connections back to ${baseline}`, () => (stack.db.connections() <= baseline ? stack.db.connections() : undefined), 15_000).catch(() => stack.db.connections());
    if (connections > baseline) {
      failures.push(`seed=${settings.seed} database connections ${connections} after the run, baseline ${baseline}`);
    }

    const summary = {
      suite: 'webhooks',
      seed: settings.seed,
      inputs: answers.length,
      signed: answers.filter((a) => !a.mutations.some((m) => m.startsWith('signature '))).length,
      concurrency: CONCURRENCY,
      sendSeconds: Math.round(sendMs / 100) / 10,
      perSecond: Math.round((answers.length / sendMs) * 10_000) / 10,
      latencyMs: latencySummary(answers.map((a) => a.ms)),
      statuses: countBy(answers, (a) => String(a.status)),
      mutationKinds: countBy(
        answers.flatMap((a) => a.mutations.map((m) => m.split(' ').slice(0, m.startsWith('body') || m.startsWith('header') || m.startsWith('signature') ? 2 : 1).join(' '))),
        (m) => m,
      ),
      largestBodyBytes: Math.max(...answers.map((a) => a.bytes)),
      storedDeliveries: storedIds.size,
      runsCreated: runIds.size,
      connections: { baseline, after: connections },
      failures: failures.length,
      failureLines: failures.slice(0, 200),
    };
    writeReport(summary);
    console.log(JSON.stringify({ ...summary, failureLines: undefined }));
    expect(failures, failureMessage('webhook', settings.seed, failures)).toEqual([]);
  });
});
