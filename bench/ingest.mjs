// `npm run bench:ingest`: on the local stack (edge under wrangler dev, real
// Postgres 15 when installed else PGlite, kubesim, one cluster-agent process):
//  1. webhook acknowledgement latency under concurrent load (signed
//     issues.labeled deliveries that each create a run; the repository is bound
//     to a project without a cluster, so the ack path is measured alone);
//  2. dispatch latency: 202 received -> Job object ADDED in the API server.
// Prints a markdown table and writes bench/results/ingest-<timestamp>.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { labeledPayload, sendWebhook } from '../tools/webhook.mjs';
import { watchJobs } from './lib/job-watch.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1,4,16' },
    dispatches: { type: 'string', default: '60' },
    db: { type: 'string', default: 'auto' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const REQUESTS = Number(values.requests);
const LEVELS = values.concurrency.split(',').map(Number);
const DISPATCHES = Number(values.dispatches);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] };
};
const ms = (x) => x.toFixed(1);

async function seedUndispatchedRepo(dbUrl) {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const p = await client.query(`INSERT INTO projects (slug, name) VALUES ('bench-ack', 'bench-ack') RETURNING id`);
  await client.query(`INSERT INTO repositories (project_id, external_id, owner, name, full_name) VALUES ($1, 2000002, 'bench', 'ack', 'bench/ack')`, [p.rows[0].id]);
  await client.end();
  return { repoId: 2000002, repoFullName: 'bench/ack' };
}

/** Run `send` REQUESTS times with `concurrency` workers; client and server (Server-Timing) latency. */
async function load(concurrency, send) {
  const client = [];
  const server = [];
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const t0 = performance.now();
      const res = await send(i);
      client.push(performance.now() - t0);
      const dur = /dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
      if (dur) {
        server.push(Number(dur[1]));
      }
      if (!res.ok) {
        errors++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { concurrency, client: summary(client), server: server.length ? summary(server) : null, errors, throughput: REQUESTS / seconds };
}

async function ackLatency(stack, repo) {
  // Pre-signed bodies: the client's own HMAC work stays out of the measurement.
  const bodies = await Promise.all(
    Array.from({ length: 64 }, async (_, i) => {
      const body = JSON.stringify(labeledPayload({ issue: i + 1, ...repo }));
      return { body, signature: await sign(stack.webhookSecret, body) };
    }),
  );
  const post = (i) =>
    fetch(`${stack.edgeUrl}/github/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': bodies[i % 64].signature },
      body: bodies[i % 64].body,
    }).then(async (r) => (await r.arrayBuffer(), r));
  const healthz = () => fetch(`${stack.edgeUrl}/healthz`).then(async (r) => (await r.arrayBuffer(), r));
  // Warm-up: the first requests pay for module load and connection setup.
  for (let i = 0; i < 50; i++) {
    await post(i);
  }
  const rows = [];
  for (const c of LEVELS) {
    rows.push({ ...(await load(c, post)), floor: (await load(c, healthz)).client });
  }
  return rows;
}

async function dispatchLatency(stack) {
  const watch = watchJobs(stack.kube.url);
  await new Promise((r) => setTimeout(r, 300));
  const latencies = [];
  for (let i = 0; i < DISPATCHES; i++) {
    const payload = labeledPayload({ issue: 100 + i, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName });
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
    const acceptedAt = performance.now();
    const runId = res.body.runId;
    const deadline = Date.now() + 10_000;
    // The label on the Job is the sanitised run id (same characters for a UUID).
    while (!watch.added.has(runId) && Date.now() < deadline) {await new Promise((r) => setTimeout(r, 1));}
    if (!watch.added.has(runId)) {
      throw new Error(`no Job for run ${runId}`);
    }
    latencies.push(watch.added.get(runId) - acceptedAt);
    await new Promise((r) => setTimeout(r, 50));
  }
  watch.stop();
  return summary(latencies);
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-'));
const stack = await startStack({ stateDir, dbKind: values.db, edgeLogLevel: values['log-level'], agentEnv: {}, runner: { steps: 0 } });
try {
  const repo = await seedUndispatchedRepo(stack.db.url);
  const ack = await ackLatency(stack, repo);
  const dispatch = await dispatchLatency(stack);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    database: stack.db.kind,
    edgeLogLevel: values['log-level'],
    requestsPerLevel: REQUESTS,
    ack,
    dispatch,
    unit: 'ms',
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `ingest-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  const lines = ack.map(
    (r) =>
      `| ack, ${r.concurrency} concurrent | ${r.client.n} | ${ms(r.client.p50)} / ${ms(r.client.p99)} | ${r.server ? `${ms(r.server.p50)} / ${ms(r.server.p99)}` : '–'} | ${ms(r.floor.p50)} / ${ms(r.floor.p99)} | ${r.throughput.toFixed(0)} req/s, ${r.errors} errors |`,
  );
  console.log(`
database: ${stack.db.kind}, edge log level: ${values['log-level']}
| measure | n | client p50 / p99 ms | server p50 / p99 ms | wrangler-dev floor (/healthz) p50 / p99 ms | other |
|---|---|---|---|---|---|
${lines.join('\n')}
| dispatch: 202 -> Job ADDED | ${dispatch.n} | ${ms(dispatch.p50)} / ${ms(dispatch.p99)} (p95 ${ms(dispatch.p95)}, max ${ms(dispatch.max)}) | | | |
results: ${path.relative(ROOT, file)}`);
} finally {
  await stack.stop();
}
