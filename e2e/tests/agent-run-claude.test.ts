// The same first flow as agent-run.test.ts with the `claude` adapter: the real
// Claude Code CLI (pinned in runner/package.json) in the Job, against the
// scripted model server speaking the Anthropic Messages API, calling our MCP
// tools through the runner's loopback MCP proxy. The engine and the branch
// prefix are the project's settings (projects.agent_settings); the cluster's
// default stays codex.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sequenceScript, startScriptedModel, steps, type ScriptedModel } from '@stageline/model-fake';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { until } from './support/until.ts';

let stack: Stack;
let model: ScriptedModel;

beforeAll(async () => {
  model = await startScriptedModel({ script: sequenceScript([]) });
  stack = await startStack({
    stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-claude-')),
    dbKind: 'auto',
    build: false,
    githubIssues: 10,
    jobRunner: 'agent',
    jobEnv: { STAGELINE_MODEL_BASE_URL: model.url, STAGELINE_EVENT_FLUSH_MS: '200', STAGELINE_AGENT_TIMEOUT_SECONDS: '90' },
  });
  await stack.github.seedRepositoryContent({ repo: stack.repo.fullName, files: { 'README.md': '# demo\n', 'src/greeting.js': 'export const greeting = "hello";\n' } });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await model?.close();
});

describe('a run:dev label with the real Claude Code CLI', () => {
  it('calls our MCP tools, edits the file, and the run ends with a draft PR that closes the issue', async () => {
    model.setScript(
      sequenceScript([
        steps({ type: 'tool', server: 'stageline', name: 'run_status_report', args: { text: 'claude at work' } }),
        steps({ type: 'shell', command: `printf 'export const greeting = "hello from claude";\\n' > src/greeting.js` }),
        steps({ type: 'text', text: 'Updated the greeting.' }),
      ]),
    );
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    await client.query(`update projects set agent_settings = '{"engine":"claude","branch_prefix":"claude/issue-"}'`);
    const payload = labeledPayload({ issue: 3, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName });
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
    expect(res.status).toBe(202);
    const { runId } = res.body as { runId: string };
    try {
      const row = await until('the run to finish', async () => {
        const r = (await client.query<{ status: string; runner_reason: string | null; status_lines: string[] }>('select status, runner_reason, status_lines from agent_runs where id = $1', [runId])).rows[0];
        return r !== undefined && ['succeeded', 'failed', 'timed_out', 'canceled'].includes(r.status) ? r : undefined;
      }, 120_000, 250);
      const logs = (await client.query<{ lines: string[] }>('select lines from run_log_chunks where run_id = $1 order by epoch, seq', [runId])).rows.flatMap((c) => c.lines);
      expect({ status: row.status, reason: row.runner_reason, log: row.status === 'succeeded' ? [] : logs.slice(-15) }).toEqual({ status: 'succeeded', reason: null, log: [] });
      expect(row.status_lines).toEqual(['claude at work']);
      const sessions = (await client.query<{ engine: string }>('select engine from run_sessions where issue_number = 3')).rows;
      expect(sessions).toEqual([{ engine: 'claude' }]);
    } finally {
      await client.end();
    }
    expect(model.requests.some((r) => r.provider === 'anthropic' && r.purpose === 'turn')).toBe(true);
    expect(await stack.github.readFile({ repo: stack.repo.fullName, ref: 'claude/issue-3', path: 'src/greeting.js' })).toBe('export const greeting = "hello from claude";\n');
    const [pr] = stack.github.pulls({ repo: stack.repo.fullName });
    expect(pr).toMatchObject({ head: 'claude/issue-3', draft: true });
    expect(pr?.body).toMatch(/^Closes #3\n/);
  });
});
