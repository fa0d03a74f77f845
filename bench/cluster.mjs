// `npm run bench:cluster`: the cluster runtime on the local stack.
//  1. dispatch latency (202 -> Job ADDED) with runs pushed over the agent's
//     WebSocket, side by side with the same agent polling every 1 s (the
//     interval Buildkite's agent-stack-k8s uses; STAGELINE_EDGE_TRANSPORT=poll);
//  2. agent RSS while it watches 500 running Jobs (each a `sleep`);
//  3. reconnect time after an edge restart: edge ready again -> agent's hello
//     recorded, over several restarts.
// Prints a markdown table and writes bench/results/cluster-<timestamp>.json.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../tools/webhook.mjs';
import { watchJobs } from './lib/job-watch.mjs';

const { values } = parseArgs({
  options: {
    dispatches: { type: 'string', default: '40' },
    watched: { type: 'string', default: '500' },
    restarts: { type: 'string', default: '10' },
    only: { type: 'string', default: 'dispatch,rss,reconnect' },
    // rss: also write the agent's memory breakdown (bench/lib/agent-probe.mjs) to this file; `snapshot` adds a heap snapshot.
    probe: { type: 'string' },
    snapshot: { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
    // rss: seconds to wait after all runs are running before sampling (GC and the allocator give memory back over time).
    settle: { type: 'string', default: '5' },
  },
});
const ONLY = new Set(values.only.split(','));

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] };
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function query(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function dispatchLatency(transport) {
  const stack = await startStack({ stateDir: tmp(), dbKind: 'auto', build: false, agentEnv: { STAGELINE_EDGE_TRANSPORT: transport, STAGELINE_RECONCILE_INTERVAL: '1s' }, runner: { steps: 0 } });
  try {
    await sleep(1500);
    const watch = watchJobs(stack.kube.url);
    await sleep(300);
    const latencies = [];
    for (let i = 0; i < Number(values.dispatches); i++) {
      const payload = labeledPayload({ issue: 500 + i, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName });
      const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
      if (res.status !== 202 || typeof res.body?.runId !== 'string') {
        throw new Error(`webhook for issue ${500 + i} not accepted (${transport}): ${res.status} ${JSON.stringify(res.body)}; see ${stack.stateDir}/edge.log`);
      }
      const acceptedAt = performance.now();
      const deadline = Date.now() + 15_000;
      while (!watch.added.has(res.body.runId) && Date.now() < deadline) {
        await sleep(1);
      }
      if (!watch.added.has(res.body.runId)) {
        throw new Error(`no Job for ${res.body.runId} (${transport})`);
      }
      latencies.push(watch.added.get(res.body.runId) - acceptedAt);
      // Spread the sends over the poll interval so polling is measured fairly.
      await sleep(137 + Math.random() * 500);
    }
    watch.stop();
    return summary(latencies);
  } finally {
    await stack.stop();
  }
}

/** User + system CPU time of a process (USER_HZ = 100). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The agent's largest mappings by resident size (MiB): malloc arenas show as big anonymous ranges. */
function largestMappings(pid) {
  const maps = [];
  let current;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = { range: `${head[1]}-${head[2]}`, sizeMiB: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 2 ** 20, name: head[3] || '[anon]', rssMiB: 0 };
      maps.push(current);
    } else if (current && line.startsWith('Rss:')) {
      current.rssMiB = Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
    }
  }
  const byName = {};
  for (const m of maps) {
    byName[m.name] = Math.round(((byName[m.name] ?? 0) + m.rssMiB) * 10) / 10;
  }
  return { byName, top: maps.sort((a, b) => b.rssMiB - a.rssMiB).slice(0, 15) };
}

async function rssWith(watched) {
  // The agent as shipped: the esbuild bundle (the sources load ~70 MiB more at start).
  await buildAgentBundle();
  const probeFile = values.probe ? path.resolve(values.probe) : undefined;
  const probeEnv = probeFile
    ? { NODE_OPTIONS: `${values['node-options']} --import=${path.join(ROOT, 'bench', 'lib', 'agent-probe.mjs')}`.trim(), STAGELINE_PROBE_FILE: probeFile, STAGELINE_PROBE_SNAPSHOT: values.snapshot ? '1' : '0' }
    : values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {};
  const stack = await startStack({
    stateDir: tmp(),
    dbKind: 'auto',
    build: false,
    agentEntry: 'bundle',
    edgeLogLevel: 'warn',
    agentEnv: { STAGELINE_JOB_COMMAND: JSON.stringify(['sleep', '900']), STAGELINE_CLAIM_LIMIT: '50', STAGELINE_MAX_RUNS: String(watched), STAGELINE_RECONCILE_INTERVAL: '1s', STAGELINE_LOG_LEVEL: 'warn', ...probeEnv },
  });
  try {
    await query(stack.db.url, 'UPDATE projects SET slots = $1', [watched + 10]);
    const agentPid = stack.agents[0].pid;
    await sleep(2000);
    const idle = rssMiB(agentPid);
    const idleMappings = probeFile ? largestMappings(agentPid).byName : undefined;
    for (let i = 0; i < watched; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, watched - i) }, (_, k) =>
          sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: labeledPayload({ issue: 1000 + i + k, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }) }),
        ),
      );
    }
    const deadline = Date.now() + 240_000;
    let running = 0;
    while (Date.now() < deadline) {
      running = Number((await query(stack.db.url, `SELECT count(*)::int AS n FROM agent_runs WHERE status = 'running' AND job_name IS NOT NULL`))[0].n);
      if (running >= watched) {
        break;
      }
      await sleep(1000);
    }
    const cpuFrom = { ms: cpuMs(agentPid), at: Date.now() };
    await sleep(Number(values.settle) * 1000);
    const samples = [];
    for (let i = 0; i < 10; i++) {
      samples.push(rssMiB(agentPid));
      await sleep(500);
    }
    // Agent CPU while it only supervises (watches, log streams, lease renewals, sweeps), in % of one core.
    const cpuPercent = (100 * (cpuMs(agentPid) - cpuFrom.ms)) / (Date.now() - cpuFrom.at);
    const sorted = [...samples].sort((a, b) => a - b);
    const rss = { watched: running, idleMiB: idle, rssMiB: Math.max(...samples), rssMedianMiB: sorted[Math.floor(sorted.length / 2)], samplesMiB: samples, cpuPercent };
    if (probeFile) {
      // Before the probe: a heap snapshot's own native memory would show in the mappings.
      const smaps = readFileSync(`/proc/${agentPid}/smaps_rollup`, 'utf8');
      const mappings = largestMappings(agentPid);
      const fds = readdirSync(`/proc/${agentPid}/fd`).map((fd) => { try { return readlinkSync(`/proc/${agentPid}/fd/${fd}`); } catch { return 'gone'; } });
      process.kill(agentPid, 'SIGUSR2');
      await sleep(values.snapshot ? 20_000 : 1000);
      const probe = JSON.parse(readFileSync(probeFile, 'utf8'));
      probe.sockets = fds.filter((l) => l.startsWith('socket:')).length;
      probe.smaps = smaps;
      probe.largestMappings = mappings;
      probe.idleMappings = idleMappings;
      writeFileSync(probeFile, JSON.stringify(probe, null, 2));
      rss.probe = probe;
    }
    return rss;
  } finally {
    await stack.stop();
  }
}

async function reconnectTimes(restarts) {
  const stack = await startStack({ stateDir: tmp(), dbKind: 'auto', build: false });
  try {
    await sleep(1500);
    const times = [];
    for (let i = 0; i < restarts; i++) {
      await stack.restartEdge();
      const readyAt = Date.now();
      const deadline = readyAt + 60_000;
      for (;;) {
        const rows = await query(stack.db.url, `SELECT connected_at FROM cluster_agent_instances WHERE instance_id = $1`, [`${stack.clusterId}/agent-0`]);
        const connectedAt = rows[0] ? new Date(rows[0].connected_at).getTime() : 0;
        if (connectedAt >= readyAt - 50) {
          times.push(Math.max(0, connectedAt - readyAt));
          break;
        }
        if (Date.now() > deadline) {
          throw new Error('agent did not reconnect');
        }
        await sleep(20);
      }
    }
    return summary(times);
  } finally {
    await stack.stop();
  }
}

async function buildAgentBundle() {
  const { execFileSync } = await import('node:child_process');
  execFileSync('npm', ['run', 'build', '-w', '@stageline/cluster-agent', '--silent'], { cwd: ROOT, stdio: 'ignore' });
}

const none = { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
const pushed = ONLY.has('dispatch') ? await dispatchLatency('websocket') : none;
const polled = ONLY.has('dispatch') ? await dispatchLatency('poll') : none;
const rss = ONLY.has('rss') ? await rssWith(Number(values.watched)) : { watched: 0, idleMiB: NaN, rssMiB: NaN };
const reconnect = ONLY.has('reconnect') ? await reconnectTimes(Number(values.restarts)) : none;
const result = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version }, pushed, polled, rss, reconnect, unit: 'ms' };
mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const file = path.join(ROOT, 'bench', 'results', `cluster-${result.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(result, null, 2));
const f = (x) => x.toFixed(1);
console.log(`
| measure | n | p50 | p95 | p99 | max |
|---|---|---|---|---|---|
| dispatch, pushed over the socket (ms) | ${pushed.n} | ${f(pushed.p50)} | ${f(pushed.p95)} | ${f(pushed.p99)} | ${f(pushed.max)} |
| dispatch, polling every 1 s (ms) | ${polled.n} | ${f(polled.p50)} | ${f(polled.p95)} | ${f(polled.p99)} | ${f(polled.max)} |
| reconnect after edge restart (ms) | ${reconnect.n} | ${f(reconnect.p50)} | ${f(reconnect.p95)} | ${f(reconnect.p99)} | ${f(reconnect.max)} |

agent RSS: ${f(rss.rssMiB)} MiB (median ${f(rss.rssMedianMiB ?? NaN)}) while watching ${rss.watched} running Jobs (idle ${f(rss.idleMiB)} MiB), agent CPU ${f(rss.cpuPercent ?? NaN)} %
results: ${path.relative(ROOT, file)}`);
