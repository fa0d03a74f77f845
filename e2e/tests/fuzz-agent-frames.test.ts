// Fuzzes the agent protocol on the embedded database of `npm start`. Two
// instances of the cluster, A and B, each claim a real run and report it
// running; then both send mutated frames (e2e/tests/support/fuzz-frames.ts)
// at the same time, over their WebSockets and the HTTP fallback. Properties:
// every frame is answered (ack, reject, error, or its result) and never with
// `internal`; the socket closes only after a version mismatch, with a reason;
// the HTTP fallback never answers 5xx; neither instance hears of the other's
// run; both held runs read the same after every input (status, lease,
// epoch, version); database connections go back to their baseline.
// FUZZ_SEED replays a run, FUZZ_ONLY=<index,…> single inputs, FUZZ_COUNT sizes it.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { POLICY_VERSION } from '@stageline/policy';
import { PROTOCOL_VERSION } from '@stageline/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { AgentSocket, type Incoming } from './support/agent-socket.ts';
import { frameCase, type FrameCase, type FrameContext, type HeldRun, type HttpCase, type Who, type WsCase } from './support/fuzz-frames.ts';
import { fuzzSettings } from './support/fuzz-random.ts';
import { countBy, failureMessage, latencySummary, snippet, writeReport } from './support/fuzz-report.ts';
import { until } from './support/until.ts';

const settings = fuzzSettings(2000);
/** An input not answered within this is a hang. */
const ANSWER_BOUND_MS = 20_000;
/** Answers that end the exchange of one frame (a heartbeat's cancels and claim.result come before its heartbeat.result). */
const TERMINAL = new Set(['ack', 'reject', 'error', 'runs.state', 'heartbeat.result', 'welcome']);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-fuzz-ag-')), dbKind: 'pglite', agents: 0, build: false, githubIssues: 4, edgeLogLevel: 'warn' });
});

afterAll(async () => {
  await stack?.stop();
});

type Frame = Record<string, unknown> & { type?: unknown };

function parse(text: string): Frame | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Frame) : null;
  } catch {
    return null;
  }
}

/** Read until the frame that answers what was just sent. */
async function answerOf(socket: AgentSocket, expectClaimResult: boolean, seen: (f: Frame) => void): Promise<{ terminal: Frame | 'pong' | null; end: Incoming | null; other: string[] }> {
  const other: string[] = [];
  const deadline = Date.now() + ANSWER_BOUND_MS;
  for (;;) {
    const m = await socket.next(Math.max(1, deadline - Date.now()));
    if (m.kind !== 'message') {
      return { terminal: null, end: m, other };
    }
    if (m.text === 'pong') {
      return { terminal: 'pong', end: null, other };
    }
    const f = parse(m.text);
    if (f === null || m.binary) {
      other.push(`unreadable edge message ${snippet(m.text)}`);
      continue;
    }
    seen(f);
    if (TERMINAL.has(String(f.type)) || (expectClaimResult && f.type === 'claim.result')) {
      return { terminal: f, end: null, other };
    }
  }
}

async function hello(socket: AgentSocket, instanceId: string): Promise<void> {
  socket.send(JSON.stringify({ type: 'hello', id: `hello-${instanceId}`, protocolVersion: PROTOCOL_VERSION, policyVersion: POLICY_VERSION, instanceId, agentVersion: 'fuzz', observedJobs: [] }));
  const { terminal } = await answerOf(socket, false, () => undefined);
  if (terminal === null || terminal === 'pong' || terminal.type !== 'welcome') {
    throw new Error(`hello of ${instanceId} answered ${JSON.stringify(terminal)}`);
  }
}

async function request(socket: AgentSocket, frame: Record<string, unknown>, expectClaimResult = false): Promise<Frame> {
  socket.send(JSON.stringify(frame));
  const { terminal } = await answerOf(socket, expectClaimResult, () => undefined);
  if (terminal === null || terminal === 'pong') {
    throw new Error(`${String(frame.type)} got no answer`);
  }
  return terminal;
}

describe('agent frames under fuzzing', () => {
  it(`answers every mutated frame, never lets one change a held run or reveal another instance's run, and releases its connections (seed ${settings.seed})`, { timeout: 120_000 + settings.count * 100 }, async () => {
    // Two runs, each claimed by one instance and reported running.
    const instance: Record<Who, string> = { A: `${stack.clusterId}/fuzz-a`, B: `${stack.clusterId}/fuzz-b` };
    for (const issue of [1, 2]) {
      const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }) });
      expect(res.status).toBe(202);
    }
    const sockets = {} as Record<Who, AgentSocket>;
    const held = {} as Record<Who, HeldRun>;
    for (const who of ['A', 'B'] as const) {
      sockets[who] = await AgentSocket.open(stack.edgeUrl, stack.clusterToken, instance[who]);
      await hello(sockets[who], instance[who]);
      const claimed = await request(sockets[who], { type: 'claim', id: `setup-claim-${who}`, limit: 1 }, true);
      const run = (claimed.runs as { runId: string; epoch: number }[] | undefined)?.[0];
      if (run === undefined) {
        throw new Error(`${who} claimed nothing: ${JSON.stringify(claimed)}`);
      }
      held[who] = { runId: run.runId, epoch: run.epoch, jobName: `fuzz-job-${who.toLowerCase()}`, namespace: `stageline-fuzz-${who.toLowerCase()}` };
      const started = await request(sockets[who], { type: 'run.status', id: `setup-running-${who}`, runId: run.runId, epoch: run.epoch, status: 'running', jobName: held[who].jobName, namespace: held[who].namespace });
      expect(started).toMatchObject({ type: 'ack', result: 'applied' });
    }
    const ctx: FrameContext = { instance, held, clusterToken: stack.clusterToken, protocolVersion: PROTOCOL_VERSION, policyVersion: POLICY_VERSION };

    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    const snapshot = async (): Promise<string> => {
      const rows = await client.query(
        'SELECT id, status, status_reason, lease_owner, lease_epoch, lease_until, version, attempt_no, job_name, job_namespace, finished_at FROM agent_runs WHERE id = ANY($1::uuid[]) ORDER BY id',
        [[held.A.runId, held.B.runId]],
      );
      return JSON.stringify(rows.rows);
    };
    let expected = await snapshot();
    // Measured with our own sockets and this client open; compared in the same state.
    const baseline = stack.db.connections();

    const failures: string[] = [];
    const records: { index: number; who: Who; via: string; ms: number; answer: string; frames: number }[] = [];
    const inFlight: Record<Who, number | null> = { A: null, B: null };
    const line = (c: FrameCase, what: string) => `seed=${settings.seed} index=${c.index} ${c.who} ${c.via} [${c.mutations.join('; ')}] ${what}`;

    /** Neither instance may hear about the other's run: not claimed, not welcomed back, no token, no status. */
    const leakCheck = (who: Who, c: FrameCase, f: Frame) => {
      const foreign = held[who === 'A' ? 'B' : 'A'].runId;
      const runsOf = (v: unknown) => (Array.isArray(v) ? (v as { runId?: unknown; status?: unknown }[]) : []);
      if ((f.type === 'claim.result' && runsOf(f.runs).some((r) => r.runId === foreign)) || (f.type === 'welcome' && runsOf(f.heldRuns).some((r) => r.runId === foreign))) {
        failures.push(line(c, `handed the other instance's run ${foreign} in ${String(f.type)}`));
      }
      if (f.type === 'heartbeat.result' && runsOf(f.tokens).some((t) => t.runId === foreign)) {
        failures.push(line(c, `got a run token for the other instance's run ${foreign}`));
      }
      if (f.type === 'runs.state' && runsOf(f.runs).some((r) => r.runId === foreign && r.status !== 'unknown')) {
        failures.push(line(c, `learned the status of the other instance's run ${foreign}: ${snippet(JSON.stringify(f))}`));
      }
      if (f.type === 'run.cancel' && (f.runId === held.A.runId || f.runId === held.B.runId)) {
        failures.push(line(c, `a held run was canceled: ${snippet(JSON.stringify(f))}`));
      }
      if (f.type === 'error' && f.code === 'internal') {
        failures.push(line(c, `answered internal: ${snippet(JSON.stringify(f))}`));
      }
    };

    async function runWs(c: WsCase): Promise<string> {
      let socket = sockets[c.who];
      socket.send(c.message);
      const { terminal, end, other } = await answerOf(socket, c.sentType === 'claim', (f) => leakCheck(c.who, c, f));
      for (const o of other) {failures.push(line(c, o));}
      let answer: string;
      if (terminal === 'pong') {
        answer = 'pong';
        if (!c.ping) {failures.push(line(c, 'answered pong'));}
      } else if (terminal === null) {
        answer = end?.kind === 'close' ? `close ${end.code}` : 'hang';
        failures.push(line(c, end?.kind === 'close' ? `socket closed (${end.code} ${snippet(end.reason)}) instead of answering` : `no answer within ${ANSWER_BOUND_MS} ms`));
      } else {
        answer = terminal.type === 'error' || terminal.type === 'reject' ? `${String(terminal.type)} ${String(terminal.code)}` : String(terminal.type);
        if (c.ping) {failures.push(line(c, `ping answered ${answer}`));}
        if (c.expectError !== null && (terminal.type !== 'error' || terminal.code !== c.expectError)) {
          failures.push(line(c, `expected error ${c.expectError}, got ${snippet(JSON.stringify(terminal))}`));
        }
        if (typeof terminal.ref === 'string' && c.id !== undefined && terminal.ref !== c.id) {
          failures.push(line(c, `answer for ${terminal.ref}, not for ${c.id}: ${snippet(JSON.stringify(terminal))}`));
        }
        if (terminal.type === 'error' && terminal.code === 'version_mismatch') {
          // The one close the hub may make: after telling why, with a code and a reason.
          const closed = await socket.next(ANSWER_BOUND_MS);
          if (closed.kind !== 'close' || closed.code !== 4400 || closed.reason === '') {
            failures.push(line(c, `version mismatch not followed by close 4400 with a reason: ${JSON.stringify(closed)}`));
          }
        }
      }
      if (socket.closed !== null || terminal === null) {
        await socket.close().catch(() => undefined);
        socket = await AgentSocket.open(stack.edgeUrl, stack.clusterToken, instance[c.who]);
        await hello(socket, instance[c.who]);
        sockets[c.who] = socket;
      }
      return answer;
    }

    async function runHttp(c: HttpCase): Promise<string> {
      let status: number | string;
      let text = '';
      try {
        const res = await fetch(`${stack.edgeUrl}/agent/v1/frames`, { method: 'POST', headers: c.headers, body: c.body, signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
        status = res.status;
        text = await res.text();
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'hang' : 'network_error';
      }
      if (typeof status !== 'number' || status >= 500 || !c.allowed.includes(status)) {
        failures.push(line(c, `answered ${status} ${snippet(text)} (allowed ${c.allowed.join('/')})`));
      } else if (status === 200) {
        const frames = (parse(text)?.frames ?? null) as Frame[] | null;
        if (!Array.isArray(frames)) {
          failures.push(line(c, `200 without frames: ${snippet(text)}`));
        } else {
          for (const f of frames) {leakCheck(c.who, c, f);}
        }
      }
      return `http ${status}`;
    }

    const indexes = Array.from({ length: settings.count }, (_, i) => i).filter((i) => settings.only === null || settings.only.has(i));
    const started = performance.now();
    await Promise.all(
      (['A', 'B'] as const).map(async (who) => {
        for (const index of indexes.filter((i) => (i % 2 === 0 ? 'A' : 'B') === who)) {
          const c = frameCase(settings.seed, index, ctx);
          inFlight[who] = index;
          const t0 = performance.now();
          const answer = c.via === 'ws' ? await runWs(c) : await runHttp(c);
          const ms = performance.now() - t0;
          inFlight[who] = null;
          records.push({ index, who, via: c.via, ms, answer, frames: c.via === 'ws' ? 1 : c.mutations.length - 1 });
          const now = await snapshot();
          if (now !== expected) {
            const otherWho = who === 'A' ? 'B' : 'A';
            failures.push(line(c, `changed a held run (concurrent: ${otherWho} index ${inFlight[otherWho] ?? 'none'}): before ${expected} after ${now}`));
            expected = now;
          }
        }
      }),
    );
    const sendMs = performance.now() - started;

    const connections = await until(`connections back to ${baseline}`, () => (stack.db.connections() <= baseline ? stack.db.connections() : undefined), 15_000).catch(() => stack.db.connections());
    if (connections > baseline) {
      failures.push(`seed=${settings.seed} database connections ${connections} after the run, baseline ${baseline}`);
    }
    await client.end();
    for (const who of ['A', 'B'] as const) {await sockets[who].close();}

    const summary = {
      suite: 'agent-frames',
      seed: settings.seed,
      inputs: records.length,
      framesSent: records.reduce((s, r) => s + r.frames, 0),
      viaHttp: records.filter((r) => r.via === 'http').length,
      concurrency: 2,
      sendSeconds: Math.round(sendMs / 100) / 10,
      perSecond: Math.round((records.length / sendMs) * 10_000) / 10,
      latencyMs: latencySummary(records.map((r) => r.ms)),
      answers: countBy(records, (r) => r.answer),
      connections: { baseline, after: connections },
      failures: failures.length,
      failureLines: failures.slice(0, 200),
    };
    writeReport(summary);
    console.log(JSON.stringify({ ...summary, failureLines: undefined }));
    expect(failures, failureMessage('agent frame', settings.seed, failures)).toEqual([]);
  });
});

