// `npm run bench:ingest`: on the local stack (edge under wrangler dev with the
// full label policy and its GitHub App talking to the in-repo fake GitHub, real
// Postgres 15 when installed else PGlite, kubesim, one cluster-agent process)
// and, side by side on the same Postgres, a Probot app (bench/probot-app.mjs):
//  1. webhook acknowledgement latency and throughput under concurrent load,
//     edge vs Probot: the same signed issues.labeled `run:dev` deliveries (same
//     bodies, distinct delivery ids, a sender with write permission on the
//     fake), each creating a run; the repository is bound to a project without
//     a cluster, so the ack path is measured alone;
//  2. the edge's GitHub side effects on the fake: 202 -> eyes reaction and
//     status comment present, requests per delivery, sequential and in a burst;
//  3. dispatch latency: 202 received -> Job object ADDED in the API server.
// Prints markdown tables and writes bench/results/ingest-<timestamp>.json.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { sign } from '@octokit/webhooks-methods';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../tools/webhook.mjs';
import { watchJobs } from './lib/job-watch.mjs';
import { findProcess, groupCpuMs, processCpuMs, treeCpuMs } from './lib/proc-cpu.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1,4,16' },
    dispatches: { type: 'string', default: '60' },
    effects: { type: 'string', default: '30' },
    db: { type: 'string', default: 'auto' },
    'log-level': { type: 'string', default: 'info' },
    'probot-pool': { type: 'string', default: '10' },
    // miniflare: the edge in one workerd through Miniflare (tools/serve-edge.mjs); wrangler: under `wrangler dev`.
    'edge-runner': { type: 'string', default: 'miniflare' },
    // public: Miniflare's entry worker and assets router in front, as `npm start` serves; direct: straight into the Worker (miniflare only), as production runs it.
    'edge-port': { type: 'string', default: 'public' },
    // Run the Neon-style ws proxy (local only: Neon runs it in production) in its own process instead of the load client's.
    'proxy-process': { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(values.requests);
const LEVELS = values.concurrency.split(',').map(Number);
const DISPATCHES = Number(values.dispatches);
// Deliveries per side-effect measure; each makes 2 content writes and the
// installation's budget is 80 per minute, so keep it at or below 40.
const EFFECTS = Math.min(Number(values.effects), 40);
const BODIES = 64;

// Bench repositories: bound to a project without a cluster (no dispatch), each
// on its own installation (its own GitHubOutbox and write budget on the fake).
const BENCH = {
  ack: { repoId: 2000002, repoFullName: 'bench/ack', installationId: 44101 },
  effects: { repoId: 2000003, repoFullName: 'bench/effects', installationId: 44102 },
  burst: { repoId: 2000004, repoFullName: 'bench/burst', installationId: 44103 },
};

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] };
};
const ms = (x) => (x === undefined || x === null ? '–' : x.toFixed(1));
const ms2 = (x) => (x === undefined || x === null ? '–' : x.toFixed(2));
const sleep = (t) => new Promise((r) => setTimeout(r, t));

async function seedBenchRepos(dbUrl, gh, sender) {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const p = await client.query(`INSERT INTO projects (slug, name) VALUES ('bench-ack', 'bench-ack') RETURNING id`);
  for (const r of Object.values(BENCH)) {
    const [owner, name] = r.repoFullName.split('/');
    await client.query(`INSERT INTO repositories (project_id, external_id, owner, name, full_name) VALUES ($1, $2, $3, $4, $5)`, [p.rows[0].id, r.repoId, owner, name, r.repoFullName]);
    gh.seedInstallation({ id: r.installationId, account: owner, repositories: [{ id: r.repoId, full_name: r.repoFullName }] });
    gh.setPermission({ repo: r.repoFullName, user: sender, permission: 'write' });
  }
  await client.end();
  const issues = { ack: BODIES, effects: EFFECTS, burst: EFFECTS };
  for (const [key, count] of Object.entries(issues)) {
    for (let n = 1; n <= count; n++) {
      gh.seedIssue({ repo: BENCH[key].repoFullName, number: n, labels: ['run:dev'] });
    }
  }
}

/** The Probot app in its own Node process (like the edge in workerd), on the same Postgres and fake GitHub. */
async function startProbot(stack, logLevel) {
  const config = {
    databaseUrl: stack.db.url,
    appId: stack.githubApp.appId,
    privateKey: stack.githubApp.privateKeyPem,
    secret: stack.webhookSecret,
    githubUrl: stack.github.url,
    logLevel: logLevel === 'info' ? 'info' : 'warn',
    poolSize: Number(values['probot-pool']),
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'probot-app.mjs')], {
    env: { ...process.env, PROBOT_BENCH_CONFIG: JSON.stringify(config), LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(path.join(stack.stateDir, 'probot.log'), { flags: 'a' });
  child.stderr.pipe(log);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probot app did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`probot app exited with ${code}; see ${path.join(stack.stateDir, 'probot.log')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      if (line.includes('"probot-app ready"')) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  return { url, pid: child.pid, stop };
}

/**
 * CPU meters of the processes on each side: the edge's process group (under
 * wrangler: npm, wrangler's Node process and two workerd; under Miniflare:
 * tools/serve-edge.mjs's Node process and one workerd), workerd alone, the
 * Postgres server (all backends), the Probot app, and this process (load
 * client, fake GitHub and the Neon-style WebSocket proxy the edge's driver
 * goes through).
 */
function cpuMeters(stack, probotPid) {
  const edgePort = new URL(stack.edgeUrl).port;
  const workerd = findProcess(new RegExp(`workerd .*entry=127\\.0\\.0\\.1:${edgePort}\\b`));
  const pgPort = new URL(stack.db.url).port;
  const postgres = stack.db.kind === 'postgres' ? findProcess(new RegExp(`bin/postgres .*-p ${pgPort}\\b`)) : null;
  const proxyPid = stack.db.proxyPid;
  const read = () => {
    const own = process.cpuUsage();
    const edge = groupCpuMs(workerd?.pgrp ?? null);
    // wrangler dev runs two workerd processes: its proxy on the public port and the runtime with our Worker.
    const proxy = stack.edgeRunner === 'wrangler' && workerd !== null ? processCpuMs(workerd.pid) : 0;
    return {
      edge: edge?.total ?? null,
      workerdProxy: stack.edgeRunner === 'wrangler' ? proxy : null,
      // The workerd that runs our Worker and its Durable Objects (under Miniflare the only one).
      workerd: edge?.byCommand.workerd === undefined || proxy === null ? null : edge.byCommand.workerd - proxy,
      // wrangler's Node process, or tools/serve-edge.mjs's (Miniflare: it prints workerd's log lines).
      edgeNode: edge?.byCommand.node ?? null,
      postgres: treeCpuMs(postgres?.pid ?? null),
      probot: processCpuMs(probotPid),
      wsProxy: proxyPid === null ? null : processCpuMs(proxyPid),
      benchProcess: (own.user + own.system) / 1000,
    };
  };
  return {
    found: { workerd: workerd?.pid ?? null, postgres: postgres?.pid ?? null, probot: probotPid, wsProxy: proxyPid },
    /** Starts a measurement; the returned function gives CPU ms per request since then. */
    start: () => {
      const before = read();
      const t0 = performance.now();
      return (requests) => {
        const after = read();
        const wallMs = performance.now() - t0;
        const per = {};
        for (const k of Object.keys(after)) {
          // A process that exited (e.g. wrangler reloading the Worker) takes its count along: no figure then.
          per[k] = after[k] === null || before[k] === null || after[k] < before[k] ? null : (after[k] - before[k]) / requests;
        }
        return { perRequestMs: per, wallMs };
      };
    },
  };
}

/** Run `send` REQUESTS times with `concurrency` workers; client and server (Server-Timing) latency. */
async function load(concurrency, send) {
  const client = [];
  const server = [];
  const statuses = {};
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
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (!res.ok) {
        errors++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { concurrency, client: summary(client), server: server.length ? summary(server) : null, errors, statuses, throughput: REQUESTS / seconds };
}

async function ackLatency(stack, probotUrl, meters) {
  // Pre-signed bodies: the client's own HMAC work stays out of the measurement.
  // Both systems get byte-identical bodies and signatures.
  const bodies = await Promise.all(
    Array.from({ length: BODIES }, async (_, i) => {
      const body = JSON.stringify(labeledPayload({ issue: i + 1, ...BENCH.ack, senderLogin: stack.githubApp.sender }));
      return { body, signature: await sign(stack.webhookSecret, body) };
    }),
  );
  const poster = (base, prefix) => (i) =>
    fetch(`${base}/github/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': `${prefix}-${randomUUID()}`, 'x-hub-signature-256': bodies[i % BODIES].signature },
      body: bodies[i % BODIES].body,
    }).then(async (r) => (await r.arrayBuffer(), r));
  const healthz = (base) => () => fetch(`${base}/healthz`).then(async (r) => (await r.arrayBuffer(), r));
  const edgeUrl = EDGE_URL(stack);
  const systems = { edge: { post: poster(edgeUrl, 'edge'), floor: healthz(edgeUrl) }, probot: { post: poster(probotUrl, 'probot'), floor: healthz(probotUrl) } };
  // Warm-up: the first requests pay for module load, connection setup, the installation token and the permission lookup.
  for (const s of Object.values(systems)) {
    for (let i = 0; i < 50; i++) {
      await s.post(i);
    }
  }
  const rows = [];
  for (const c of LEVELS) {
    const row = { concurrency: c };
    for (const [name, s] of Object.entries(systems)) {
      const stop = meters.start();
      const measured = await load(c, s.post);
      const cpu = stop(REQUESTS);
      row[name] = { ...measured, cpu, floor: (await load(c, s.floor)).client };
    }
    row.ratio = { throughput: row.edge.throughput / row.probot.throughput, p99: row.edge.client.p99 / row.probot.client.p99 };
    rows.push(row);
  }
  return rows;
}

/** What the fake GitHub saw for one installation, split into token mints, reads and content writes. */
function githubTraffic(gh, installationId, since = 0) {
  const reqs = gh.requests().filter((r) => r.at >= since && (r.installationId === installationId || r.path.includes(`/installations/${installationId}/`)));
  const count = (pred) => reqs.filter(pred).length;
  const byOperation = {};
  for (const r of reqs) {
    const key = `${r.method} ${r.operationId ?? r.path} ${r.status}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
  }
  return {
    requests: reqs.length,
    tokenMints: count((r) => r.path.includes('/access_tokens')),
    reads: count((r) => r.tokenKind === 'installation' && r.method === 'GET'),
    writes: count((r) => r.tokenKind === 'installation' && r.method !== 'GET'),
    writesOk: count((r) => r.tokenKind === 'installation' && r.method !== 'GET' && r.status < 300),
    limited: count((r) => r.status === 403 || r.status === 429),
    byOperation,
  };
}

/** Resolves when the run's status comment (hidden marker) and the eyes reaction are on the fake's issue. */
async function waitForEffects(gh, repo, number, runId, since, deadlineMs = 20_000, pollMs = 1) {
  const marker = `<!-- stageline:run:${runId} -->`;
  let comment = null;
  let eyes = null;
  const deadline = performance.now() + deadlineMs;
  while ((comment === null || eyes === null) && performance.now() < deadline) {
    if (comment === null && gh.issueComments({ repo, number }).some((c) => c.body.includes(marker))) {
      comment = performance.now() - since;
    }
    if (eyes === null && gh.issueReactions({ repo, number }).some((r) => r.content === 'eyes')) {
      eyes = performance.now() - since;
    }
    await sleep(pollMs);
  }
  return { comment, eyes };
}

async function githubEffects(stack) {
  const gh = stack.github;
  const signed = (target, issue) => labeledPayload({ issue, ...target, senderLogin: stack.githubApp.sender });
  // Sequential: one delivery, then wait until both writes landed.
  const seq = { comment: [], eyes: [], ack: [], missing: 0 };
  const seqStart = Date.now();
  for (let n = 1; n <= EFFECTS; n++) {
    const t0 = performance.now();
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: signed(BENCH.effects, n), delivery: `effects-${randomUUID()}` });
    const acked = performance.now();
    seq.ack.push(acked - t0);
    if (res.status !== 202) {
      throw new Error(`effects delivery answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    const got = await waitForEffects(gh, BENCH.effects.repoFullName, n, res.body.runId, acked);
    if (got.comment === null || got.eyes === null) {
      seq.missing++;
    } else {
      seq.comment.push(got.comment);
      seq.eyes.push(got.eyes);
    }
  }
  // Burst: EFFECTS deliveries at once (one repository and installation); the outbox writes them in order.
  const burstStart = Date.now();
  const t0 = performance.now();
  const answers = await Promise.all(
    Array.from({ length: EFFECTS }, (_, i) => sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: signed(BENCH.burst, i + 1), delivery: `burst-${randomUUID()}` })),
  );
  const allAcked = performance.now() - t0;
  const burst = await Promise.all(answers.map((a, i) => waitForEffects(gh, BENCH.burst.repoFullName, i + 1, a.body.runId, t0, 60_000, 5)));
  const burstComments = burst.map((b) => b.comment).filter((x) => x !== null);
  return {
    sequential: {
      deliveries: EFFECTS,
      ack: summary(seq.ack),
      statusComment: summary(seq.comment),
      eyes: summary(seq.eyes),
      missing: seq.missing,
      github: githubTraffic(gh, BENCH.effects.installationId, seqStart),
    },
    burst: {
      deliveries: EFFECTS,
      allAckedMs: allAcked,
      statusCommentFromFirstSend: summary(burstComments),
      missing: burst.filter((b) => b.comment === null || b.eyes === null).length,
      github: githubTraffic(gh, BENCH.burst.installationId, burstStart),
    },
  };
}

async function dispatchLatency(stack) {
  const watch = watchJobs(stack.kube.url);
  await sleep(300);
  const latencies = [];
  for (let i = 0; i < DISPATCHES; i++) {
    const payload = labeledPayload({ issue: 100 + i, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName, installationId: stack.githubApp.installationId, senderLogin: stack.githubApp.sender });
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
    const acceptedAt = performance.now();
    const runId = res.body.runId;
    if (res.status !== 202) {
      throw new Error(`dispatch delivery answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    const deadline = Date.now() + 10_000;
    // The label on the Job is the sanitised run id (same characters for a UUID).
    while (!watch.added.has(runId) && Date.now() < deadline) {
      await sleep(1);
    }
    if (!watch.added.has(runId)) {
      throw new Error(`no Job for run ${runId}`);
    }
    latencies.push(watch.added.get(runId) - acceptedAt);
    await sleep(50);
  }
  watch.stop();
  return summary(latencies);
}

/** What each system stored for the ack phase (delivery ids are prefixed by system). */
async function storedRows(dbUrl) {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const { rows } = await client.query(
    `SELECT split_part(d.delivery_id, '-', 1) AS system, d.outcome, count(*)::int AS deliveries, count(r.id)::int AS runs,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flow_events f WHERE f.correlation_id = d.delivery_id))::int AS flow_events
     FROM webhook_deliveries d LEFT JOIN agent_runs r ON r.id = d.run_id
     WHERE d.repository_external_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [BENCH.ack.repoId],
  );
  await client.end();
  return rows;
}

/** Where the ack load goes: the public port, or straight into the Worker (`--edge-port direct`). */
const EDGE_URL = (stack) => {
  if (values['edge-port'] === 'public') {
    return stack.edgeUrl;
  }
  if (values['edge-port'] !== 'direct' || stack.edgeDirectUrl === null) {
    throw new Error(`--edge-port ${values['edge-port']}: use public, or direct with --edge-runner miniflare`);
  }
  return stack.edgeDirectUrl;
};

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-'));
const stack = await startStack({ stateDir, dbKind: values.db, edgeLogLevel: values['log-level'], edgeRunner: values['edge-runner'], proxyProcess: values['proxy-process'], agentEnv: {}, runner: { steps: 0 } });
let probot = null;
try {
  // Dispatch deliveries name issues 100.. of the demo repository: give them a thread for the status comment.
  for (let i = 0; i < DISPATCHES; i++) {
    stack.github.seedIssue({ repo: stack.repo.fullName, number: 100 + i, labels: ['run:dev'] });
  }
  await seedBenchRepos(stack.db.url, stack.github, stack.githubApp.sender);
  probot = await startProbot(stack, values['log-level']);
  const meters = cpuMeters(stack, probot.pid);
  const loadBefore = os.loadavg();
  const ackStart = Date.now();
  const ack = await ackLatency(stack, probot.url, meters);
  const ackSeconds = (Date.now() - ackStart) / 1000;
  const loadAfter = os.loadavg();
  // Side effects of the ack deliveries: queued 2 per accepted delivery, written at <= 80 per minute.
  const ackGitHub = githubTraffic(stack.github, BENCH.ack.installationId);
  const probotStats = await fetch(`${probot.url}/_bench/stats`).then((r) => r.json());
  const stored = await storedRows(stack.db.url);
  const effects = await githubEffects(stack);
  const dispatch = await dispatchLatency(stack);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavgBeforeAck: loadBefore, loadavgAfterAck: loadAfter },
    cpuMetered: meters.found,
    database: stack.db.kind,
    edgeRunner: stack.edgeRunner,
    edgeLogLevel: values['log-level'],
    edgePort: values['edge-port'],
    proxyProcess: values['proxy-process'],
    requestsPerLevel: REQUESTS,
    probotPoolSize: Number(values['probot-pool']),
    ack,
    ackPhase: { seconds: ackSeconds, github: ackGitHub, stored, probot: probotStats },
    effects,
    dispatch,
    githubViolations: stack.github.violations(),
    // wrangler dev watches the sources: an edit anywhere it bundles from restarts the Worker mid-run.
    edgeReloads: (readFileSync(path.join(stateDir, 'edge.log'), 'utf8').match(/Reloading local server/g) ?? []).length,
    unit: 'ms',
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `ingest-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  const line = (name, c, r) =>
    `| ${name} | ${c} | ${r.client.n} | ${ms(r.client.p50)} / ${ms(r.client.p99)} | ${r.server ? `${ms(r.server.p50)} / ${ms(r.server.p99)}` : '–'} | ${ms(r.floor.p50)} / ${ms(r.floor.p99)} | ${r.throughput.toFixed(0)} req/s | ${Object.entries(r.statuses).map(([s, n]) => `${n}×${s}`).join(' ')} |`;
  const seq = effects.sequential;
  const perDelivery = (g, n) => `${(g.writes / n).toFixed(2)} writes, ${(g.reads / n).toFixed(2)} reads, ${g.tokenMints} token mints, ${g.limited} limited`;
  console.log(`
database: ${stack.db.kind}, edge runner: ${stack.edgeRunner}, edge port: ${values['edge-port']}, ws proxy: ${values['proxy-process'] ? 'own process' : 'in the bench process'}, edge log level: ${values['log-level']}, Probot pg pool: ${values['probot-pool']}
| system | concurrent | n | client p50 / p99 ms | server p50 / p99 ms | /healthz floor p50 / p99 ms | throughput | answers |
|---|---|---|---|---|---|---|---|
${ack.flatMap((r) => [line('edge', r.concurrency, r.edge), line('Probot', r.concurrency, r.probot)]).join('\n')}

| concurrent | edge / Probot throughput | edge / Probot client p99 |
|---|---|---|
${ack.map((r) => `| ${r.concurrency} | ${r.ratio.throughput.toFixed(2)}× | ${r.ratio.p99.toFixed(2)}× |`).join('\n')}

| CPU ms per delivery | concurrent | server process(es) | Postgres (all backends) | bench process (client, fake GitHub${values['proxy-process'] ? '' : ', ws proxy'}) | ws proxy process |
|---|---|---|---|---|---|
${ack.flatMap((r) => [
  `| edge | ${r.concurrency} | ${ms2(r.edge.cpu.perRequestMs.edge)} (workerd runtime ${ms2(r.edge.cpu.perRequestMs.workerd)}${stack.edgeRunner === 'wrangler' ? `, dev proxy workerd ${ms2(r.edge.cpu.perRequestMs.workerdProxy)}` : ''}, ${stack.edgeRunner === 'wrangler' ? "wrangler's" : "serve-edge's"} Node ${ms2(r.edge.cpu.perRequestMs.edgeNode)}) | ${ms2(r.edge.cpu.perRequestMs.postgres)} | ${ms2(r.edge.cpu.perRequestMs.benchProcess)} | ${ms2(r.edge.cpu.perRequestMs.wsProxy)} |`,
  `| Probot | ${r.concurrency} | ${ms2(r.probot.cpu.perRequestMs.probot)} | ${ms2(r.probot.cpu.perRequestMs.postgres)} | ${ms2(r.probot.cpu.perRequestMs.benchProcess)} | ${ms2(r.probot.cpu.perRequestMs.wsProxy)} |`,
]).join('\n')}

stored (ack repository): ${stored.map((s) => `${s.system} ${s.outcome}: ${s.deliveries} deliveries, ${s.runs} runs, ${s.flow_events} with flow event`).join('; ')}
ack phase GitHub traffic (installation ${BENCH.ack.installationId}, ${ackSeconds.toFixed(0)} s): ${ackGitHub.tokenMints} token mints, ${ackGitHub.reads} reads, ${ackGitHub.writesOk}/${ackGitHub.writes} writes ok, ${ackGitHub.limited} limited; Probot permission lookups: ${probotStats.permissionLookups}

| GitHub side effects (edge -> fake) | n | p50 / p99 ms | p95 / max ms | GitHub requests per delivery |
|---|---|---|---|---|
| sequential: 202 -> eyes reaction | ${seq.eyes.n} | ${ms(seq.eyes.p50)} / ${ms(seq.eyes.p99)} | ${ms(seq.eyes.p95)} / ${ms(seq.eyes.max)} | ${perDelivery(seq.github, EFFECTS)} |
| sequential: 202 -> status comment | ${seq.statusComment.n} | ${ms(seq.statusComment.p50)} / ${ms(seq.statusComment.p99)} | ${ms(seq.statusComment.p95)} / ${ms(seq.statusComment.max)} | (missing: ${seq.missing}) |
| burst of ${EFFECTS}: first send -> status comment | ${effects.burst.statusCommentFromFirstSend.n} | ${ms(effects.burst.statusCommentFromFirstSend.p50)} / ${ms(effects.burst.statusCommentFromFirstSend.p99)} | ${ms(effects.burst.statusCommentFromFirstSend.p95)} / ${ms(effects.burst.statusCommentFromFirstSend.max)} | ${perDelivery(effects.burst.github, EFFECTS)}; all acked in ${ms(effects.burst.allAckedMs)} ms |
| dispatch: 202 -> Job ADDED | ${dispatch.n} | ${ms(dispatch.p50)} / ${ms(dispatch.p99)} | ${ms(dispatch.p95)} / ${ms(dispatch.max)} | |
fake GitHub contract violations: ${result.githubViolations.length}; edge reloads during the run (source edits): ${result.edgeReloads}${result.edgeReloads > 0 ? ' — figures disturbed, run again on an unchanging tree' : ''}
results: ${path.relative(ROOT, file)}`);
} finally {
  await probot?.stop();
  await stack.stop();
}
