#!/usr/bin/env node
// Runs the fuzz suites (e2e/tests/fuzz-webhooks.test.ts, fuzz-agent-frames.test.ts)
// at a chosen size and writes their summaries to bench/results/fuzz-<timestamp>.json.
//
//   node bench/fuzz.mjs                                  # 5,000 webhooks + 5,000 frames, random seed
//   node bench/fuzz.mjs --webhooks 10000 --frames 0 --seed 7
//
// Each suite starts its own stack (tools/stack.mjs, embedded PGlite), one after the other.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../tools/stack.mjs';

const { values } = parseArgs({
  options: {
    webhooks: { type: 'string', default: '5000' },
    frames: { type: 'string', default: '5000' },
    seed: { type: 'string', default: String((Math.random() * 2 ** 32) >>> 0) },
  },
});

const suites = [
  { name: 'webhooks', file: 'tests/fuzz-webhooks.test.ts', count: Number(values.webhooks) },
  { name: 'agent-frames', file: 'tests/fuzz-agent-frames.test.ts', count: Number(values.frames) },
].filter((s) => s.count > 0);

const report = path.join(os.tmpdir(), `stageline-fuzz-${process.pid}.jsonl`);
rmSync(report, { force: true });
const runs = [];
for (const suite of suites) {
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', suite.file, '--reporter=dot'], {
      cwd: path.join(ROOT, 'e2e'),
      stdio: 'inherit',
      env: { ...process.env, FUZZ_SEED: values.seed, FUZZ_COUNT: String(suite.count), FUZZ_REPORT: report, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    });
    child.once('exit', resolve);
  });
  runs.push({ suite: suite.name, count: suite.count, exitCode: code, wallSeconds: (Date.now() - started) / 1000 });
}

let summaries = [];
try {
  summaries = readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // A suite that failed before its summary wrote none; its exit code says so.
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = path.join(ROOT, 'bench', 'results', `fuzz-${stamp}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ seed: Number(values.seed), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), runs, summaries }, null, 2)}\n`);
console.log(`wrote ${path.relative(ROOT, out)}`);
for (const s of summaries) {
  console.log(`${s.suite}: ${s.inputs} inputs in ${s.sendSeconds}s (${s.perSecond}/s), p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms, failures ${s.failures}`);
}
process.exitCode = runs.some((r) => r.exitCode !== 0) ? 1 : 0;
