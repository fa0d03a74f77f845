// The edge's MCP server at /mcp (edge/src/routes/mcp.ts): stateless Streamable
// HTTP behind the run token, tools filtered by the token's scope, writing
// tools idempotent on (run, tool, key), bad callers refused with 401/4xx.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { flowEvents } from '@stageline/db';
import { env, SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { mintRunToken } from '../../src/auth/run-token.ts';
import { BASE, claimedRun, claimRuns, db, expireInstance, fakeGitHub, onGitHub, readyAgent, runRow } from '../helpers.ts';

const KEY = () => env.STAGELINE_MCP_TOKEN_SIGNING_KEY;

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'mcp-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    fetch: (input, init) => SELF.fetch(input, init),
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** One raw JSON-RPC POST, as a client without the SDK would send it. */
function rpc(token: string | null, body: unknown, extra: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...extra },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The SDK answers a refused call as an error result (`isError`, the JSON-RPC error's text) or rejects: either way, its message. */
async function toolFailure(call: Promise<unknown>): Promise<string> {
  try {
    const result = (await call) as { isError?: unknown; content?: unknown };
    expect(result.isError).toBe(true);
    return JSON.stringify(result.content);
  } catch (error) {
    return String(error);
  }
}

const LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

async function statusReports(correlationId: string): Promise<number> {
  const h = db();
  try {
    const rows = await h.db.select().from(flowEvents).where(eq(flowEvents.correlationId, correlationId));
    return rows.filter((r) => r.eventType === 'agent.status_report').length;
  } finally {
    await h.close();
  }
}

describe('/mcp tools', () => {
  it('lists exactly the run scope\'s tools to a stock SDK client with a bearer header', async () => {
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['run_context', 'issue_comments_read', 'pull_request_get', 'run_status_report', 'labels_transition', 'secret_sync', 'database_lifecycle', 'approval_status', 'user_notify', 'user_decision_request']);
    await client.close();
  });

  it('answers run_context with the issue, stage, write scope and branch', async () => {
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    const result = await client.callTool({ name: 'run_context', arguments: {} });
    expect(result.isError).not.toBe(true);
    expect(result.structuredContent).toMatchObject({
      run_id: run.runId,
      issue: { number: 7 },
      stage: { trigger_label: 'run:dev', write_scope: 'any' },
      write: { commits: true, branch: 'codex/issue-7', allowed_paths: ['**'] },
      earlier_runs: [],
    });
    await client.close();
  });

  it('records a status line once per key and shows the last lines on the run', async () => {
    const { run } = await claimedRun();
    const row = await runRow(run.runId);
    const client = await connect(run.runToken);
    const first = await client.callTool({ name: 'run_status_report', arguments: { text: 'reading the code', key: 'k1' } });
    expect(first.structuredContent).toEqual({ recorded: true, shown_in_comment: true });
    // The same call again (a retry): the stored answer, nothing written twice.
    const again = await client.callTool({ name: 'run_status_report', arguments: { text: 'reading the code', key: 'k1' } });
    expect(again.structuredContent).toEqual(first.structuredContent);
    // A second line within 10 s is kept, but does not edit the comment again.
    const second = await client.callTool({ name: 'run_status_report', arguments: { text: 'writing\nthe fix', key: 'k2' } });
    expect(second.structuredContent).toEqual({ recorded: true, shown_in_comment: false });
    expect(await statusReports(row?.correlationId ?? '')).toBe(2);
    expect((await runRow(run.runId))?.statusLines).toEqual(['reading the code', 'writing the fix']);
    await client.close();
  });

  it('answers an MCP error for a tool outside the list and for oversized or wrong arguments', async () => {
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    expect(await toolFailure(client.callTool({ name: 'sync_secret', arguments: {} }))).toMatch(/-32602.*not found/);
    expect(await toolFailure(client.callTool({ name: 'run_status_report', arguments: { text: 'x'.repeat(501) } }))).toMatch(/Input validation error/);
    expect(await toolFailure(client.callTool({ name: 'labels_transition', arguments: { add: 'state:in-review' } }))).toMatch(/Input validation error/);
    const refused = await client.callTool({ name: 'labels_transition', arguments: { add: ['state:done'] } });
    expect(refused.isError).toBe(true);
    expect(await statusReports((await runRow(run.runId))?.correlationId ?? '')).toBe(0);
    await client.close();
  });

  it('offers a run only the tools its token scope grants', async () => {
    const { run } = await claimedRun();
    const narrow = await mintRunToken(KEY(), { runId: run.runId, epoch: 1, attemptNo: 1, scope: ['get-run'], now: new Date(), ttlSeconds: 300 });
    const res = await rpc(narrow.token, LIST);
    expect(res.status).toBe(200);
    const body = await res.json<{ result: { tools: { name: string }[] } }>();
    expect(body.result.tools.map((t) => t.name)).toEqual(['run_context', 'issue_comments_read', 'pull_request_get']);
    const call = await rpc(narrow.token, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'run_status_report', arguments: { text: 'hi' } } });
    const answer = await call.json<{ error?: { code: number; message: string }; result?: { isError?: boolean } }>();
    // The SDK reports an unknown tool as a JSON-RPC error or as an error result: either way nothing ran.
    expect(answer.error?.message ?? JSON.stringify(answer.result)).toMatch(/not found/);
    expect((await runRow(run.runId))?.statusLines).toEqual([]);
  });
});

describe('labels_transition', () => {
  it('sets state:in-review, removes the trigger label on GitHub, records a run:* label as a request, and does it once', async () => {
    const { seeded, run } = await claimedRun();
    const gh = onGitHub(seeded.repoExternalId);
    await fakeGitHub('seedIssue', { repo: gh.fullName, number: 7, labels: ['run:dev', 'bug'] });
    const client = await connect(run.runToken);
    const args = { add: ['state:in-review', 'run:qa'], remove_trigger: true };
    const first = await client.callTool({ name: 'labels_transition', arguments: args });
    expect(first.structuredContent).toEqual({ added: ['state:in-review'], removed: ['run:dev'], requested_for_owner: ['run:qa'] });
    const again = await client.callTool({ name: 'labels_transition', arguments: args });
    expect(again.structuredContent).toEqual(first.structuredContent);
    await vi.waitFor(async () => expect((await fakeGitHub<string[]>('issueLabels', { repo: gh.fullName, number: 7 })).sort()).toEqual(['bug', 'state:in-review']), { timeout: 10_000, interval: 100 });
    const h = db();
    try {
      const events = (await h.db.select().from(flowEvents).where(eq(flowEvents.correlationId, (await runRow(run.runId))?.correlationId ?? ''))).filter((e) => e.eventType === 'agent.labels_transition');
      expect(events.map((e) => e.payload)).toEqual([{ run_id: run.runId, add: ['state:in-review'], removed_trigger: true, requested_stages: ['run:qa'] }]);
    } finally {
      await h.close();
    }
    await client.close();
  });
});

describe('/mcp refuses bad callers', () => {
  it.each([
    ['no token', null],
    ['a malformed token', 'not-a-jwt'],
  ])('%s → 401', async (_name, token) => {
    const res = await rpc(token, LIST);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('an expired token, an old epoch and a finished run → 401, nothing written', async () => {
    const { seeded, a, run } = await claimedRun();
    const expired = await mintRunToken(KEY(), { runId: run.runId, epoch: 1, attemptNo: 1, scope: ['report-status'], now: new Date(Date.now() - 3600_000), ttlSeconds: 900 });
    expect((await rpc(expired.token, LIST)).status).toBe(401);
    // A takeover moves the lease to epoch 2: the first holder's token no longer works.
    const b = await readyAgent(seeded.token, `${seeded.clusterId}/b`);
    await expireInstance(`${seeded.clusterId}/a`);
    const [taken] = await claimRuns<{ runId: string; epoch: number; runToken: string }>(b);
    expect(taken?.epoch).toBe(2);
    const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'run_status_report', arguments: { text: 'stale' } } };
    expect((await rpc(run.runToken, call)).status).toBe(401);
    // The new holder finishes the run: its token stops working too.
    b.send({ type: 'run.status', id: 'done', runId: run.runId, epoch: 2, status: 'succeeded' });
    await b.next((m) => m.type === 'ack' && m.ref === 'done');
    expect((await rpc(taken?.runToken ?? '', call)).status).toBe(401);
    expect((await runRow(run.runId))?.statusLines).toEqual([]);
    a.ws.close();
  });

  it('another run\'s token acts only on that run', async () => {
    const first = await claimedRun();
    const second = await claimedRun();
    const res = await rpc(second.run.runToken, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'run_status_report', arguments: { text: 'mine' } } });
    expect(res.status).toBe(200);
    expect((await runRow(second.run.runId))?.statusLines).toEqual(['mine']);
    expect((await runRow(first.run.runId))?.statusLines).toEqual([]);
  });

  it('answers 413 for a body over the limit, 400 for one that is not JSON-RPC, 405 for GET', async () => {
    const { run } = await claimedRun();
    const big = await rpc(run.runToken, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'run_status_report', arguments: { text: 'x'.repeat(70_000) } } });
    expect(big.status).toBe(413);
    const garbage = await rpc(run.runToken, '{"jsonrpc":');
    expect(garbage.status).toBe(400);
    const get = await SELF.fetch(`${BASE}/mcp`, { headers: { authorization: `Bearer ${run.runToken}` } });
    expect(get.status).toBe(405);
    expect((await runRow(run.runId))?.statusLines).toEqual([]);
  });
});
