// `npm run bench:agent`: the agent at work on the local stack, with the real
// codex CLI in each Job against the scripted model server (model-fake/).
// N runs one after another (default 20), each a `run:dev` label on its own issue;
// for each run, measured from the moment the webhook was sent:
//   runner started   first runner event stored at the edge (the `spec` phase),
//   first model call the scripted model's first request for the run,
//   PR opened        the PR appears in the fake GitHub,
// and the model's own time (from each request's arrival to its answer's end,
// summed) shown apart: here the model is scripted, so nearly all of the time is
// the platform's and the CLI's. The runner's peak RSS comes from its `finished`
// event. Prints a markdown table and writes bench/results/agent-<timestamp>.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sequenceScript, startScriptedModel, steps, textReply } from '@stageline/model-fake';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../tools/webhook.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const script = sequenceScript([
  steps({ type: 'tool', server: 'stageline', name: 'run_status_report', args: { text: 'bench run' } }),
  steps({ type: 'shell', command: "printf 'bench\\n' >> CHANGELOG.md" }),
  textReply('Appended a line.'),
]);
const model = await startScriptedModel({ script });
const stack = await startStack({
  stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-agent-')),
  dbKind: 'auto',
  build: false,
  jobRunner: 'agent',
  githubIssues: RUNS + 5,
  jobEnv: { STAGELINE_MODEL_BASE_URL: `${model.url}/v1`, STAGELINE_EVENT_FLUSH_MS: '200' },
});
const db = new pg.Client({ connectionString: stack.db.url });
try {
  await db.connect();
  await stack.github.seedRepositoryContent({ repo: stack.repo.fullName, files: { 'README.md': '# bench\n', 'CHANGELOG.md': '# Changelog\n' } });
  const rows = [];
  for (let i = 1; i <= RUNS; i += 1) {
    const issue = i;
    const firstRequest = model.requests.length;
    const sent = Date.now();
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }) });
    const { runId } = res.body;
    let prAt = null;
    const deadline = Date.now() + 120_000;
    while (prAt === null && Date.now() < deadline) {
      if (stack.github.pulls({ repo: stack.repo.fullName }).some((p) => p.head === `codex/issue-${issue}`)) {
        prAt = Date.now();
      } else {
        await sleep(20);
      }
    }
    if (prAt === null) {
      const row = (await db.query('select status, status_reason, runner_reason, runner_phase from agent_runs where id = $1', [runId])).rows[0];
      const logs = (await db.query('select lines from run_log_chunks where run_id = $1 order by epoch, seq', [runId])).rows.flatMap((c) => c.lines);
      throw new Error(`run ${runId} opened no PR: ${JSON.stringify(row)}\n${logs.slice(-20).join('\n')}`);
    }
    // The run's status flips after the Job ends; wait for it so runs do not overlap.
    for (let status = ''; status !== 'succeeded' && Date.now() < deadline; await sleep(50)) {
      status = (await db.query('select status from agent_runs where id = $1', [runId])).rows[0]?.status ?? '';
    }
    const events = (await db.query('select kind, payload, created_at from run_events where run_id = $1 order by seq', [runId])).rows;
    const started = events[0]?.created_at.getTime();
    const finished = events.find((e) => e.kind === 'finished');
    const turns = model.requests.slice(firstRequest).filter((r) => r.purpose === 'turn');
    const modelMs = turns.reduce((sum, r) => sum + ((r.doneAt ?? r.time) - r.time), 0);
    rows.push({
      runId,
      runnerStartedMs: started - sent,
      firstModelRequestMs: (turns[0]?.time ?? Number.NaN) - sent,
      prOpenedMs: prAt - sent,
      modelMs,
      platformMs: prAt - sent - modelMs,
      runnerRssMb: finished?.payload.rss_peak_mb ?? null,
    });
    process.stdout.write(`run ${i}/${RUNS}: PR after ${prAt - sent} ms\n`);
  }
  const result = {
    at: new Date().toISOString(),
    runs: RUNS,
    machine: `${os.cpus().length} cpu ${os.cpus()[0]?.model ?? ''}`,
    runnerStartedMs: summary(rows.map((r) => r.runnerStartedMs)),
    firstModelRequestMs: summary(rows.map((r) => r.firstModelRequestMs)),
    prOpenedMs: summary(rows.map((r) => r.prOpenedMs)),
    modelMs: summary(rows.map((r) => r.modelMs)),
    platformMs: summary(rows.map((r) => r.platformMs)),
    runnerRssMb: summary(rows.map((r) => r.runnerRssMb).filter((x) => x !== null)),
    rows,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `agent-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log('\n| label → | p50 ms | p99 ms | max ms |\n|---|---|---|---|');
  for (const [name, s] of [['runner started', result.runnerStartedMs], ['first model request', result.firstModelRequestMs], ['PR opened', result.prOpenedMs], ['of which model', result.modelMs], ['of which platform + CLI', result.platformMs]]) {
    console.log(`| ${name} | ${s.p50} | ${s.p99} | ${s.max} |`);
  }
  console.log(`\nrunner peak RSS: p50 ${result.runnerRssMb.p50} MiB, max ${result.runnerRssMb.max} MiB\nwritten to ${path.relative(ROOT, file)}`);
} finally {
  await db.end().catch(() => undefined);
  await stack.stop();
  await model.close();
}
