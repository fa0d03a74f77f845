// The walking skeleton end to end, through real processes: a signed webhook to
// the edge under `wrangler dev`, Postgres behind the Neon proxy, a cluster-agent
// process connected over its outbound WebSocket, the simulated Kubernetes API
// server running the Job, and the console seen over its WebSocket and in chromium.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { signIn, type StaffClient } from '../../tools/staff-session.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';

const run = promisify(execFile);
type RunDto = { id: string; status: string; job_name: string | null; namespace: string | null; version: number };
type ServerMessage = { type: string; id?: number; topic?: string; payload?: { run: RunDto }; last_event_id?: number };

let stack: Stack;
/** A platform admin of the local system (tools/stack.mjs DEMO_STAFF): every project's runs and channel. */
let staff: StaffClient;

/** Console socket that records every run snapshot it receives. */
function watchConsole(edgeUrl: string, lastEventId: number) {
  const seen = new Map<string, string[]>();
  const ws = new WebSocket(`${edgeUrl.replace('http', 'ws')}/api/v1/realtime?last_event_id=${lastEventId}`, { headers: { cookie: staff.cookie() } });
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      if (m.type === 'ready') {
        resolve();
      }
      // Only run.status carries a run; the channel also carries other topics (inbox.changed).
      if (m.type === 'event' && m.topic === 'run.status' && m.payload) {
        const list = seen.get(m.payload.run.id) ?? [];
        list.push(m.payload.run.status);
        seen.set(m.payload.run.id, list);
      }
    });
  });
  const statusesOf = async (runId: string, until: string, timeoutMs = 20_000): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (seen.get(runId)?.includes(until)) {
        return seen.get(runId) ?? [];
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`run ${runId} never reached ${until}; saw ${JSON.stringify(seen.get(runId) ?? [])}`);
  };
  return { ws, ready, statusesOf };
}

async function runsPage(): Promise<{ items: RunDto[]; last_event_id: number }> {
  const res = await staff.fetch('/api/v1/staff/runs');
  return (await res.json()) as { items: RunDto[]; last_event_id: number };
}

async function label(issue: number, extra: { senderType?: string } = {}) {
  const payload = labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName, ...extra });
  return sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
}

beforeAll(async () => {
  stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-')), dbKind: 'auto' });
  staff = await signIn(stack.edgeUrl, 'demo-admin');
});

afterAll(async () => {
  await stack?.stop();
});

describe('a run:dev label, end to end', () => {
  it('becomes a Job that succeeds, seen live on the console socket', async () => {
    const page = await runsPage();
    const console = watchConsole(stack.edgeUrl, page.last_event_id);
    await console.ready;

    const res = await label(7);
    expect(res.status).toBe(202);
    const { runId } = res.body as { runId: string };

    const statuses = await console.statusesOf(runId, 'succeeded');
    expect(statuses[0]).toBe('pending');
    expect(statuses).toContain('running');
    console.ws.close();

    const final = (await runsPage()).items.find((r) => r.id === runId);
    expect(final?.status).toBe('succeeded');
    expect(final?.job_name).toMatch(/^stageline-run-[a-z0-9]+-1$/);
    expect(final?.namespace).toMatch(/^stageline-issue-[a-z0-9]+-i7-r[a-z0-9]+$/);

    // The pod's output reached Postgres through the agent's log frames.
    const logs = (await (await staff.fetch(`/api/v1/staff/runs/${runId}/logs`)).json()) as { tail_lines: string[] };
    expect(logs.tail_lines).toContain('runner finished');
    expect(logs.tail_lines[0]).toBe(`stageline runner: run ${runId} attempt 1`);

    // kubectl sees what the agent created in the (simulated) cluster.
    const kubectl = process.env.KUBECTL ?? 'kubectl';
    const { stdout } = await run(kubectl, ['--kubeconfig', stack.kubeconfig, 'get', 'ns,jobs,pods', '-A']);
    expect(stdout).toContain(final?.namespace ?? 'missing');
    expect(stdout).toContain(final?.job_name ?? 'missing');
  });

  it('closing the issue deletes the namespaces it kept', async () => {
    const before = (await runsPage()).items.filter((r) => r.namespace?.includes('-i7-'));
    expect(before.length).toBeGreaterThan(0);
    const payload = { ...labeledPayload({ issue: 7, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }), action: 'closed' };
    const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
    expect(res).toMatchObject({ status: 200, body: { status: 'accepted', action: 'issue_closed' } });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const list = await fetch(`${stack.kube.url}/api/v1/namespaces?labelSelector=${encodeURIComponent('stageline.dev/issue-number=7')}`, { headers: { authorization: 'Bearer kubesim' } });
      const names = ((await list.json()) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name);
      if (names.length === 0) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`namespaces still there: ${names.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('creates nothing for a label set by a bot', async () => {
    const res = await label(8, { senderType: 'Bot' });
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'sender_type_bot_not_permitted' } });
  });
});

describe('the console in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs a read-only member in with GitHub, then shows a new run and its status changes without a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.edgeUrl}/runs`);
    // Signed out: the console offers GitHub; the fake GitHub lists the demo people; pick the read-only member.
    await page.locator('[data-testid="sign-in"]').click();
    await page.locator('a[data-login="demo-viewer"]').click();
    await page.locator('[data-testid="signed-in-as"]', { hasText: 'demo-viewer' }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe('/runs');
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 15_000 });
    const res = await label(21);
    const { runId } = res.body as { runId: string };
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid="run-row"][data-run-id="${runId}"][data-status="succeeded"]`).waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('run:dev');
    await page.screenshot({ path: path.join(stack.stateDir, 'console.png'), fullPage: true });
    await page.close();
  });
});
