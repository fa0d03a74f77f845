// `node bench/profile-ingest.mjs`: a V8 CPU profile of accepted deliveries
// inside workerd. It starts the local stack with the edge served by
// tools/serve-edge.mjs (one workerd process through Miniflare, its inspector
// being workerd's own `--inspector-addr`: nothing else holds the session),
// seeds a repository bound to a project without a cluster (the same ack path
// as bench/ingest.mjs) and warms up. Then:
//  1. workerd's CPU per delivery from /proc (user + system, all threads), no
//     inspector attached: N deliveries through the public port (Miniflare's
//     entry worker and the assets router in front, as `npm start` serves),
//     then N straight into the Worker (serve-edge's `--direct-port`, what
//     production runs); the difference exists only locally;
//  2. over the Chrome DevTools protocol `Profiler.start`, N more deliveries
//     straight into the Worker, `Profiler.stop`; it prints the Worker
//     isolate's samples (the Worker and its Durable Objects share the
//     isolate) by invocation (Worker request, WebhookInbox, GitHubOutbox,
//     Channel: in production each is billed and limited on its own), self
//     time by function (top 30) and by bundled module/package, and inclusive
//     time of the project's own functions (edge/, policy/, protocol/, drizzle/).
// Every delivery must be answered 202 with a run id. Samples are wall time on
// the isolate's thread: on a loaded machine they include time it was runnable
// but not running, so the tables are shares; CPU comes from step 1. Module
// names come from the `// <path>` markers esbuild leaves in the unminified
// bundle that wrangler builds. Writes the raw profile next to the stack's
// state (the path is printed) and a summary to
// bench/results/profile-ingest-<timestamp>.json.
//
//   node bench/profile-ingest.mjs [--deliveries 300] [--concurrency 1] [--warmup 50]
//     [--db auto|postgres|pglite] [--log-level info|warn] [--interval-us 200] [--top 30]
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sign } from '@octokit/webhooks-methods';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { labeledPayload } from '../tools/webhook.mjs';
import { findProcess, processCpuMs } from './lib/proc-cpu.mjs';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '50' },
    db: { type: 'string', default: 'auto' },
    'log-level': { type: 'string', default: 'info' },
    'interval-us': { type: 'string', default: '200' },
    top: { type: 'string', default: '30' },
  },
});
const DELIVERIES = Number(values.deliveries);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
const TOP = Number(values.top);
const BODIES = 64;
const BENCH = { repoId: 2000012, repoFullName: 'bench/profile', installationId: 44111 };

/** A minimal Chrome DevTools protocol client over Node's WebSocket. */
async function inspect(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error(`inspector ${wsUrl}: connection failed`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map();
  ws.addEventListener('message', (ev) => {
    const msg = JSON.parse(String(ev.data));
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (waiter !== undefined) {
      pending.delete(msg.id);
      if (msg.error) {
        waiter.reject(new Error(`${waiter.method}: ${msg.error.message}`));
      } else {
        waiter.resolve(msg.result);
      }
    }
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject, method });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The Worker's isolate among workerd's inspector targets (Miniflare names it `core:user:<name>`; the Worker and its Durable Objects share it). */
async function workerTarget(inspectorPort) {
  const targets = await fetch(`http://127.0.0.1:${inspectorPort}/json/list`).then((r) => r.json());
  const target = targets.find((t) => t.id === 'core:user:stageline-edge');
  if (target === undefined) {
    throw new Error(`no core:user:stageline-edge among inspector targets: ${targets.map((t) => t.id).join(', ')}`);
  }
  return target.webSocketDebuggerUrl;
}

async function seed(stack) {
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  const p = await client.query(`INSERT INTO projects (slug, name) VALUES ('bench-profile', 'bench-profile') RETURNING id`);
  const [owner, name] = BENCH.repoFullName.split('/');
  await client.query(`INSERT INTO repositories (project_id, external_id, owner, name, full_name) VALUES ($1, $2, $3, $4, $5)`, [p.rows[0].id, BENCH.repoId, owner, name, BENCH.repoFullName]);
  await client.end();
  stack.github.seedInstallation({ id: BENCH.installationId, account: owner, repositories: [{ id: BENCH.repoId, full_name: BENCH.repoFullName }] });
  stack.github.setPermission({ repo: BENCH.repoFullName, user: stack.githubApp.sender, permission: 'write' });
  for (let n = 1; n <= BODIES; n++) {
    stack.github.seedIssue({ repo: BENCH.repoFullName, number: n, labels: ['run:dev'] });
  }
}

/** Line -> bundled module, from esbuild's `// <path>` markers in the unminified bundle. */
function bundleModules(bundlePath) {
  const marks = [];
  const lines = readFileSync(bundlePath, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:\.\.\/)*(?:[\w@.-]+\/)+[\w@.-]+\.(?:[cm]?[jt]s|tsx?))$/.exec(lines[i]);
    if (m) {
      marks.push({ line: i, module: m[1].replace(/^(\.\.\/)+/, '') });
    }
  }
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].line <= line) {
        found = marks[mid].module;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  };
}

/** `node_modules/drizzle-orm/pg-core/x.js` -> `drizzle-orm`; own sources keep their path. */
const packageOf = (module) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
  return m ? m[1] : module;
};

function analyse(profile, moduleAt, deliveries) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const frameOf = (node) => {
    const cf = node.callFrame;
    const inBundle = cf.url !== '' && !cf.url.startsWith('node:') && !cf.url.startsWith('cloudflare:') && cf.lineNumber >= 0;
    const module = inBundle ? (moduleAt(cf.lineNumber) ?? cf.url) : cf.url || '(native)';
    const fn = cf.functionName || '(anonymous)';
    return { fn, module, key: `${fn} ${module}${inBundle ? `:${cf.lineNumber + 1}` : ''}` };
  };
  const frames = new Map(profile.nodes.map((n) => [n.id, frameOf(n)]));
  const self = new Map();
  const selfModule = new Map();
  const inclusiveOwn = new Map();
  let total = 0;
  let idle = 0;
  let gc = 0;
  let program = 0;
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  const own = /^(edge|policy|protocol|drizzle)\//;
  // Which invocation a sample belongs to, from the modules on its stack (innermost match wins): in
  // production each is billed, and limited, on its own. The Postgres driver runs in the inbox,
  // the only Postgres client on this path.
  const PARTS = [
    ['GitHubOutbox DO', /^edge\/src\/(do\/github-outbox|github\/(apply-outbox-write|github-app|github-client|rest-transport|installation-token|app-jwt))/],
    ['Channel DO', /^edge\/src\/do\/channel/],
    ['WebhookInbox DO (ingest, Postgres driver, effect pipeline)', /^(edge\/src\/(do\/webhook-inbox|domain|db|composition\/effect-pipeline|github\/(status-comment|permission-port))|policy|protocol|drizzle|@neondatabase|drizzle-orm|zod)/],
    ['Worker request (hono, middleware, route)', /^(edge\/src\/(routes|composition|lib|env|app|index|github\/(read-body|verify-signature))|hono|@octokit)/],
  ];
  const byPart = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const id = profile.samples[i];
    const fn = byId.get(id)?.callFrame.functionName;
    if (fn === '(idle)') {
      idle += dt;
      continue;
    }
    total += dt;
    if (fn === '(garbage collector)') {
      gc += dt;
    } else if (fn === '(program)') {
      program += dt;
    }
    const f = frames.get(id);
    let part = fn === '(garbage collector)' || fn === '(program)' ? fn : 'other (native callbacks, runtime internals)';
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const module = packageOf(frames.get(n).module);
      const hit = PARTS.find(([, re]) => re.test(module));
      if (hit !== undefined) {
        part = hit[0];
        break;
      }
    }
    add(byPart, part, dt);
    add(self, f.key, dt);
    add(selfModule, packageOf(f.module), dt);
    // Inclusive time of the project's own functions: each counted once per sample however deep it recurses.
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const fr = frames.get(n);
      if (own.test(fr.module) && !seen.has(fr.key)) {
        seen.add(fr.key);
        add(inclusiveOwn, fr.key, dt);
      }
    }
  }
  const top = (m, k) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, ms]) => ({ name, ms: Number(ms.toFixed(2)), perDeliveryMs: Number((ms / deliveries).toFixed(3)), share: Number((ms / total).toFixed(4)) }));
  return {
    sampledMs: (profile.endTime - profile.startTime) / 1000,
    activeMs: total,
    idleMs: idle,
    gcMs: gc,
    programMs: program,
    activePerDeliveryMs: total / deliveries,
    byInvocation: top(byPart, 10),
    selfByFunction: top(self, TOP),
    selfByModule: top(selfModule, 25),
    inclusiveOwn: top(inclusiveOwn, 25),
  };
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'stageline-profile-'));
const stack = await startStack({ stateDir, dbKind: values.db, edgeRunner: 'miniflare', edgeLogLevel: values['log-level'], agents: 0, build: !existsSync(path.join(ROOT, 'web', 'dist', 'index.html')) });
try {
  await seed(stack);
  const bodies = await Promise.all(
    Array.from({ length: BODIES }, async (_, i) => {
      const body = JSON.stringify(labeledPayload({ issue: i + 1, ...BENCH, senderLogin: stack.githubApp.sender }));
      return { body, signature: await sign(stack.webhookSecret, body) };
    }),
  );
  const post = async (base, i) => {
    const res = await fetch(`${base}/github/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': `profile-${randomUUID()}`, 'x-hub-signature-256': bodies[i % BODIES].signature },
      body: bodies[i % BODIES].body,
    });
    const answer = await res.json();
    if (res.status !== 202 || answer.runId === undefined) {
      throw new Error(`delivery ${i} answered ${res.status}: ${JSON.stringify(answer)}`);
    }
  };
  const sendAll = async (base, n) => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        await post(base, next++);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  for (let i = 0; i < WARMUP; i++) {
    await post(i % 2 === 0 ? stack.edgeUrl : stack.edgeDirectUrl, i);
  }
  const workerd = findProcess(new RegExp(`workerd .*entry=127\\.0\\.0\\.1:${new URL(stack.edgeUrl).port}\\b`));
  // First without any inspector session (a connected session itself costs CPU, e.g. V8 keeps
  // console messages for it): workerd's CPU per delivery as the benchmarks see it.
  /** workerd's CPU (/proc) and wall time per delivery over one batch sent to `base`. */
  const measure = async (base) => {
    const before = processCpuMs(workerd.pid);
    const t = performance.now();
    await sendAll(base, DELIVERIES);
    return { cpuMs: (processCpuMs(workerd.pid) - before) / DELIVERIES, wallMs: (performance.now() - t) / DELIVERIES };
  };
  const plain = { public: await measure(stack.edgeUrl), direct: await measure(stack.edgeDirectUrl) };
  // The same for an empty `/healthz` straight into the Worker: what any request costs (HTTP,
  // hono, the per-request composition root) before the webhook's own work.
  const healthz = await (async () => {
    const before = processCpuMs(workerd.pid);
    for (let i = 0; i < DELIVERIES; i++) {
      await fetch(`${stack.edgeDirectUrl}/healthz`).then((r) => r.arrayBuffer());
    }
    return { cpuMs: (processCpuMs(workerd.pid) - before) / DELIVERIES };
  })();
  const inspector = await inspect(await workerTarget(stack.edgeInspectorPort));
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: Number(values['interval-us']) });
  const cpuBefore = processCpuMs(workerd.pid);
  const t0 = performance.now();
  await inspector.send('Profiler.start');
  await sendAll(stack.edgeDirectUrl, DELIVERIES);
  const { profile } = await inspector.send('Profiler.stop');
  const wallMs = performance.now() - t0;
  const cpuAfter = processCpuMs(workerd.pid);
  inspector.close();
  const profileFile = path.join(stateDir, 'ingest.cpuprofile');
  writeFileSync(profileFile, JSON.stringify(profile));
  const moduleAt = bundleModules(path.join(stateDir, 'wrangler', 'edge-bundle', 'index.js'));
  const summary = analyse(profile, moduleAt, DELIVERIES);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
    database: stack.db.kind,
    edgeLogLevel: values['log-level'],
    deliveries: DELIVERIES,
    concurrency: CONCURRENCY,
    samplingIntervalUs: Number(values['interval-us']),
    wallMs,
    /**
     * workerd's CPU (/proc: user + system, all its threads) and wall time per delivery, no inspector
     * session attached: through the public port (Miniflare's entry worker and the assets router, as
     * `npm start` serves) and straight into the Worker (what production runs).
     */
    plain,
    healthz,
    /** The same while profiling (the profiler's own sampling included). */
    workerdCpuPerDeliveryProfiledMs: (cpuAfter - cpuBefore) / DELIVERIES,
    isolate: summary,
    profileFile,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `profile-ingest-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  const table = (rows) => rows.map((r) => `| ${r.perDeliveryMs.toFixed(3)} | ${(r.share * 100).toFixed(1)}% | \`${r.name}\` |`).join('\n');
  console.log(`
${DELIVERIES} accepted deliveries at concurrency ${CONCURRENCY}, database ${stack.db.kind}, edge log level ${values['log-level']}, sampling ${values['interval-us']} µs, ${(wallMs / 1000).toFixed(1)} s
workerd CPU per delivery (/proc, no inspector attached): ${plain.public.cpuMs.toFixed(2)} ms through the public port, ${plain.direct.cpuMs.toFixed(2)} ms straight into the Worker (wall ${plain.public.wallMs.toFixed(1)} / ${plain.direct.wallMs.toFixed(1)} ms per delivery); an empty /healthz straight in: ${healthz.cpuMs.toFixed(2)} ms
while profiling (straight into the Worker): workerd CPU ${result.workerdCpuPerDeliveryProfiledMs.toFixed(2)} ms; the isolate's non-idle samples ${summary.activePerDeliveryMs.toFixed(2)} ms (GC ${(summary.gcMs / DELIVERIES).toFixed(2)}, (program) ${(summary.programMs / DELIVERIES).toFixed(2)})
(samples are wall time on the isolate's thread: on a loaded machine they include time the thread was runnable but not running, so read the tables as shares)

By invocation (from the modules on each sample's stack):
| ms / delivery | share | part |
|---|---|---|
${table(summary.byInvocation)}

Self time by function (top ${TOP}):
| ms / delivery | share | function module:line |
|---|---|---|
${table(summary.selfByFunction)}

Self time by module / package:
| ms / delivery | share | module |
|---|---|---|
${table(summary.selfByModule)}

Inclusive time of the project's own functions:
| ms / delivery | share | function module:line |
|---|---|---|
${table(summary.inclusiveOwn)}

profile: ${profileFile}
results: ${path.relative(ROOT, file)}`);
} finally {
  await stack.stop();
}
