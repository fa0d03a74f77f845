// The agent at work, end to end with the real coding agent: a label on an
// issue → the cluster-agent's Job runs the runner (runner/src/main.ts) on the
// simulated cluster → the runner clones from the fake GitHub through the
// credential broker, drives the real `codex` CLI (pinned in runner/package.json)
// against the scripted model server (model-fake/), whose script calls our MCP
// tools and edits a file with codex's own shell → the runner checks the write
// scope, pushes the run's branch, the edge opens the draft PR and the status
// comment follows. Nothing here imitates the agent: codex, its MCP client and
// git are real.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sequenceScript, startScriptedModel, steps, textReply, type Reply, type ScriptedModel } from '@stageline/model-fake';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { query } from './support/sql.ts';
import { until } from './support/until.ts';

let stack: Stack;
let model: ScriptedModel;

const DEMO_FILES = {
  'README.md': '# demo app\n',
  'src/greeting.js': 'export const greeting = "hello";\n',
  'test/greeting.test.js': 'import assert from "node:assert";\nimport { greeting } from "../src/greeting.js";\nassert.ok(greeting.startsWith("hello"));\n',
  'AGENTS.md': 'Keep changes small. Run `node test/greeting.test.js` before you finish.\n',
};

type RunRow = { status: string; status_reason: string | null; runner_reason: string | null; runner_phase: string | null; pull_request_url: string | null; branch_name: string | null; status_lines: string[] };

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => query<T>(stack.db.url, text, values);

async function runRow(runId: string): Promise<RunRow> {
  const [row] = await sql<RunRow>('select status, status_reason, runner_reason, runner_phase, pull_request_url, branch_name, status_lines from agent_runs where id = $1', [runId]);
  if (row === undefined) {
    throw new Error(`no run ${runId}`);
  }
  return row;
}

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'canceled'];

async function finished(runId: string, timeoutMs = 90_000): Promise<RunRow> {
  const row = await until(`run ${runId} to finish`, async () => {
    const current = await runRow(runId);
    return TERMINAL.includes(current.status) ? current : undefined;
  }, timeoutMs, 250);
  if (row.status !== 'succeeded') {
    // The pod's log (shipped by the cluster-agent) says why, when a test did not expect the failure.
    const logs = await until('the pod log', async () => {
      const chunks = await sql<{ lines: string[] }>('select lines from run_log_chunks where run_id = $1 order by epoch, seq', [runId]);
      return chunks.length === 0 ? undefined : chunks.flatMap((c) => c.lines);
    }, 10_000).catch(() => ['(no pod log)']);
    process.stdout.write(`run ${runId} ${row.status}:\n${logs.slice(-30).join('\n')}\n`);
  }
  return row;
}

async function label(issue: number, name: string): Promise<string> {
  const payload = labeledPayload({ issue, label: name, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName, title: `Issue ${issue}: make the greeting friendlier`, body: 'The greeting should mention Stageline.' });
  const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
  expect(res.status).toBe(202);
  return (res.body as { runId: string }).runId;
}

const thread = (number: number) => ({ repo: stack.repo.fullName, number });
const tool = (name: string, args: Record<string, unknown> = {}) => ({ type: 'tool' as const, server: 'stageline', name, args });
const shell = (command: string) => ({ type: 'shell' as const, command });

beforeAll(async () => {
  model = await startScriptedModel({ script: sequenceScript([]) });
  stack = await startStack({
    stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-agent-')),
    dbKind: 'auto',
    build: false,
    githubIssues: 20,
    jobRunner: 'agent',
    // A failing model fails a run in seconds here, not after production's patient retries.
    jobEnv: { STAGELINE_MODEL_BASE_URL: `${model.url}/v1`, STAGELINE_MODEL_IDLE_TIMEOUT_MS: '3000', STAGELINE_EVENT_FLUSH_MS: '200', STAGELINE_AGENT_TIMEOUT_SECONDS: '60' },
  });
  await stack.github.seedRepositoryContent({ repo: stack.repo.fullName, files: DEMO_FILES });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await model?.close();
});

describe('a run:dev label with the real codex CLI', () => {
  it('edits the code, pushes codex/issue-7, opens a draft PR that closes the issue, and the status comment follows to the PR', async () => {
    model.setScript(
      sequenceScript([
        steps(tool('run_context')),
        steps(tool('run_status_report', { text: 'making the greeting friendlier' })),
        steps(shell(`printf 'export const greeting = "hello from stageline";\\n' > src/greeting.js && node test/greeting.test.js`)),
        steps({ type: 'text' as const, text: 'The greeting now mentions Stageline; the test passes.' }),
      ]),
    );
    const before = model.requests.length;
    const runId = await label(7, 'run:dev');
    const row = await finished(runId);
    expect(row).toMatchObject({ status: 'succeeded', runner_reason: null, branch_name: 'codex/issue-7', status_lines: ['making the greeting friendlier'] });

    // The agent's own request carried our MCP tools, and its calls reached them.
    const turns = model.requests.slice(before).filter((r) => r.purpose === 'turn');
    expect(JSON.stringify(turns[0]?.body)).toContain('run_status_report');
    expect(JSON.stringify(turns[1]?.body)).toContain(runId);

    // The branch on the fake GitHub: the change, committed by the App's bot.
    expect(Object.keys(await stack.github.branches({ repo: stack.repo.fullName }))).toContain('codex/issue-7');
    expect((await stack.github.readFile({ repo: stack.repo.fullName, ref: 'codex/issue-7', path: 'src/greeting.js' }))).toBe('export const greeting = "hello from stageline";\n');
    const [commit] = (await stack.github.commits({ repo: stack.repo.fullName, ref: 'codex/issue-7' }));
    expect(commit?.files).toEqual(['src/greeting.js']);
    expect(commit?.author.name).toBe('stageline[bot]');
    expect((await stack.github.readFile({ repo: stack.repo.fullName, ref: 'main', path: 'src/greeting.js' }))).toBe(DEMO_FILES['src/greeting.js']);

    // One draft PR, opened by the platform, closing the issue.
    const pulls = stack.github.pulls({ repo: stack.repo.fullName });
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: 'codex/issue-7', base: 'main', draft: true, state: 'open' });
    expect(pulls[0]?.body).toMatch(/^Closes #7\n/);
    expect(row.pull_request_url).toBe(pulls[0]?.html_url);

    // The ONE status comment ends finished, with the PR link and the agent's line.
    const body = await until('the finished status comment', () => {
      const comments = stack.github.issueComments(thread(7)).filter((c) => c.body.includes(`stageline:run:${runId}`));
      return comments.length === 1 && comments[0]?.body.includes('Agent finished') ? comments[0].body : undefined;
    });
    expect(body).toContain(`[#${pulls[0]?.number}](${pulls[0]?.html_url})`);
    expect(body).toContain('> making the greeting friendlier');
    expect(body).toContain('`codex/issue-7`');

    // The codex thread is stored for a revise.
    const sessions = await sql<{ engine: string; version: number }>('select engine, version from run_sessions where issue_number = 7');
    expect(sessions).toEqual([{ engine: 'codex', version: 1 }]);
    expect(stack.github.violations()).toEqual([]);
  });

  it('run:dev:revise resumes the same codex thread and pushes a second commit to the same PR', async () => {
    // The resumed conversation already holds the first run's three tool outputs: this run's turns start at step 3.
    model.setScript((turn) =>
      turn.step === 3 ? steps(shell(`printf '// revised after review\\n' >> src/greeting.js`)) : textReply('Added the note the reviewer asked for.'),
    );
    const before = model.requests.length;
    const runId = await label(7, 'run:dev:revise');
    const row = await finished(runId);
    expect(row).toMatchObject({ status: 'succeeded', branch_name: 'codex/issue-7' });
    // The resumed conversation: the first model request of this run carries the first run's turns.
    const first = model.requests.slice(before).find((r) => r.purpose === 'turn');
    expect(JSON.stringify(first?.body)).toContain('The greeting now mentions Stageline');
    const commits = (await stack.github.commits({ repo: stack.repo.fullName, ref: 'codex/issue-7' }));
    expect(commits.map((c) => c.files)).toEqual([['src/greeting.js'], ['src/greeting.js'], expect.any(Array)]);
    expect((await stack.github.readFile({ repo: stack.repo.fullName, ref: 'codex/issue-7', path: 'src/greeting.js' }))).toContain('// revised after review');
    expect(stack.github.pulls({ repo: stack.repo.fullName })).toHaveLength(1);
    const sessions = await sql<{ version: number }>('select version from run_sessions where issue_number = 7');
    expect(sessions).toEqual([{ version: 2 }]);
  });
});

describe('failures the runner reports', () => {
  it('a run:plan run that edits source code fails with scope_violation and pushes nothing', async () => {
    model.setScript(
      sequenceScript([steps(shell(`printf 'plan\\n' > PLAN.md && printf 'x\\n' >> src/greeting.js`)), steps({ type: 'text' as const, text: 'Planned.' })]),
    );
    const runId = await label(8, 'run:plan');
    const row = await finished(runId);
    expect(row.status).toBe('failed');
    expect(row.runner_reason).toBe('scope_violation: src/greeting.js');
    expect(Object.keys(await stack.github.branches({ repo: stack.repo.fullName }))).not.toContain('codex/issue-8');
    expect(stack.github.pulls({ repo: stack.repo.fullName }).filter((p) => p.head === 'codex/issue-8')).toEqual([]);
    const body = await until('the failed status comment', () => stack.github.issueComments(thread(8)).find((c) => c.body.includes(`stageline:run:${runId}`) && c.body.includes('Agent failed'))?.body);
    expect(body).toContain('scope_violation: src/greeting.js');
  });

  it.each([
    ['an HTTP 500', { kind: 'http_error', status: 500, body: '{"error":{"message":"upstream exploded"}}' } as Reply, 9],
    ['a malformed event stream', { kind: 'malformed_sse' } as Reply, 10],
    ['a stream that hangs past the idle timeout', { kind: 'hang' } as Reply, 11],
  ])('a model answering with %s fails the run with a model_error reason', async (_name, fault, issue) => {
    model.setScript(() => fault);
    const runId = await label(issue, 'run:dev');
    const row = await finished(runId);
    expect(row.status).toBe('failed');
    expect(row.runner_reason).toMatch(/^model_error: ./);
    expect(Object.keys(await stack.github.branches({ repo: stack.repo.fullName }))).not.toContain(`codex/issue-${issue}`);
  });
});
