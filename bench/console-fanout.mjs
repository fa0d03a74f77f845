// `npm run bench:fanout`: one run event → N console sockets (default 1,000)
// on the local stack (workerd under wrangler dev, PostgreSQL or PGlite).
// N WebSockets join the demo project's channel with a member's session
// cookie; then E labels (default 20) are sent one after another, each a
// signed `issues.labeled` webhook that creates a run. Latency per socket and
// event: from sending the webhook until that socket holds the run's first
// `run.status` event (so it includes ingest: verify, persist, commit), and
// from the first socket's receipt until each other socket's: the spread of
// the fan-out itself (the Channel object sending on every socket, the client
// reading them). The webhook's own answer time is printed beside them.
// Prints a markdown table and writes bench/results/fanout-<timestamp>.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { ROOT, startStack } from '../tools/stack.mjs';
import { signIn } from '../tools/staff-session.mjs';
import { labeledPayload, sendWebhook } from '../tools/webhook.mjs';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '1000' }, events: { type: 'string', default: '20' } } });
const SOCKETS = Number(values.sockets);
const EVENTS = Number(values.events);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: +pct(s, 50).toFixed(1), p99: +pct(s, 99).toFixed(1), max: +s[s.length - 1].toFixed(1) };
};

const stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-fanout-')), dbKind: 'auto', agents: 0, build: false, githubIssues: EVENTS + 10, edgeLogLevel: 'warn', edgeRunner: 'miniflare' });
const db = new pg.Client({ connectionString: stack.db.url });
const sockets = [];
try {
  await db.connect();
  const { rows: [project] } = await db.query(`SELECT id FROM projects WHERE slug = 'demo'`);
  const viewer = await signIn(stack.edgeUrl, 'demo-viewer');
  const { last_event_id: cursor } = await (await viewer.fetch('/api/v1/staff/runs?limit=1')).json();
  const url = `${stack.edgeUrl.replace('http', 'ws')}/api/v1/realtime?last_event_id=${cursor}&project=${project.id}`;
  /** run id → per-socket arrival times */
  const arrivals = new Map();

  const connectStarted = performance.now();
  for (let i = 0; i < SOCKETS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, SOCKETS - i) }, () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { cookie: viewer.cookie() } });
          ws.on('message', (data) => {
            // The arrival, before this process spends time parsing it: 1,000 parses of ~1 KB queue behind each other.
            const at = performance.now();
            const m = JSON.parse(String(data));
            if (m.type === 'ready') {
              resolve();
            } else if (m.type === 'event' && m.topic === 'run.status') {
              const id = m.payload.run.id;
              const list = arrivals.get(id) ?? [];
              if (!list.seen?.has(ws)) {
                list.push(at);
                (list.seen ??= new Set()).add(ws);
              }
              arrivals.set(id, list);
            }
          });
          ws.on('error', reject);
          sockets.push(ws);
        }),
      ),
    );
  }
  const connectMs = performance.now() - connectStarted;
  const label = async (issue) => {
    const payload = labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName });
    const t0 = performance.now();
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
    return { t0, answeredMs: performance.now() - t0, runId: res.body.runId };
  };
  const waitAll = async (runId) => {
    const deadline = Date.now() + 30_000;
    while ((arrivals.get(runId)?.length ?? 0) < SOCKETS) {
      if (Date.now() > deadline) {
        throw new Error(`run ${runId}: ${arrivals.get(runId)?.length ?? 0} of ${SOCKETS} sockets got it`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // Warm-up: the first publishes may go through the Channel's catch-up (a publisher that saw no console waits 2 s).
  for (let w = 0; w < 2; w += 1) {
    await waitAll((await label(EVENTS + 1 + w)).runId);
  }
  const all = [];
  const fanout = [];
  const lastSocket = [];
  const answered = [];
  for (let e = 1; e <= EVENTS; e += 1) {
    const { t0, answeredMs, runId } = await label(e);
    await waitAll(runId);
    const times = arrivals.get(runId).map((t) => t - t0);
    all.push(...times);
    const first = Math.min(...times);
    fanout.push(...times.map((t) => t - first));
    lastSocket.push(Math.max(...times));
    answered.push(answeredMs);
  }
  const out = { sockets: SOCKETS, events: EVENTS, database: stack.db.kind, connectMs: Math.round(connectMs), perSocket: summary(all), fanoutSpread: summary(fanout), lastSocketPerEvent: summary(lastSocket), webhookAnswer: summary(answered) };
  console.log(`\n${SOCKETS} console sockets on one project channel, ${EVENTS} events (sockets connected in ${(connectMs / 1000).toFixed(1)} s)\n`);
  console.log('| measured | n | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|');
  console.log(`| webhook sent → a socket has the run (every socket × event) | ${out.perSocket.n} | ${out.perSocket.p50} | ${out.perSocket.p99} | ${out.perSocket.max} |`);
  console.log(`| first socket has it → this socket has it (fan-out spread) | ${out.fanoutSpread.n} | ${out.fanoutSpread.p50} | ${out.fanoutSpread.p99} | ${out.fanoutSpread.max} |`);
  console.log(`| webhook sent → the last of the ${SOCKETS} sockets has it | ${out.lastSocketPerEvent.n} | ${out.lastSocketPerEvent.p50} | ${out.lastSocketPerEvent.p99} | ${out.lastSocketPerEvent.max} |`);
  console.log(`| webhook answered (ingest alone) | ${out.webhookAnswer.n} | ${out.webhookAnswer.p50} | ${out.webhookAnswer.p99} | ${out.webhookAnswer.max} |`);
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', `fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(out, null, 2));
} finally {
  for (const ws of sockets) {
    ws.terminate();
  }
  await db.end();
  await stack.stop();
}
