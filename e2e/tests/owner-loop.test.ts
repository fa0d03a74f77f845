// The owner in the loop, end to end with the real codex CLI (docs/domain.md
// §7): the agent's secret_sync waits for an approval that a person gives on
// Telegram (the fake Bot API, driven as a user would), the cluster-agent
// writes the Secret into the run's namespace on the simulated cluster, and the
// agent's next call sees `applied`; a Deny leaves nothing behind. A question
// with options parks the run; "Own answer" on Telegram wakes it in a new Job
// whose first model request carries the typed answer.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes, webcrypto } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startScriptedModel, steps, type Reply, type ScriptedModel, type TurnContext } from '@stageline/model-fake';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { signIn } from '../../tools/staff-session.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { query } from './support/sql.ts';
import { until } from './support/until.ts';

let stack: Stack;
let model: ScriptedModel;
const TELEGRAM_USER = 424_242;

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => query<T>(stack.db.url, text, values);

const tool = (name: string, args: Record<string, unknown> = {}) => ({ type: 'tool' as const, server: 'stageline', name, args });

async function label(issue: number): Promise<string> {
  const payload = labeledPayload({ issue, label: 'run:dev', repoId: stack.repo.externalId, repoFullName: stack.repo.fullName, title: `Issue ${issue}`, body: 'Needs a database.' });
  const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
  expect(res.status).toBe(202);
  return (res.body as { runId: string }).runId;
}

async function finished(runId: string): Promise<{ status: string; runner_reason: string | null; attempt_no: number }> {
  return until(`run ${runId} to finish`, async () => {
    const [row] = await sql<{ status: string; runner_reason: string | null; attempt_no: number }>('select status, runner_reason, attempt_no from agent_runs where id = $1', [runId]);
    return row !== undefined && ['succeeded', 'failed', 'timed_out', 'canceled'].includes(row.status) ? row : undefined;
  }, 120_000, 250);
}

/** The bot's message in the user's chat that matches, once it arrived. */
const botMessage = (match: (text: string) => boolean) =>
  until('a Telegram message', async () => stack.telegram.messages(TELEGRAM_USER).find((m) => m.from_id === stack.telegram.bot.id && match(m.text)), 20_000, 100);

const buttons = (m: { reply_markup?: unknown }) => ((m.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined)?.inline_keyboard ?? []).flat();

/** A script step that holds the model's answer until `gate` resolves (a person decides meanwhile). */
function gated(gate: Promise<void>, reply: Reply): Promise<Reply> {
  return gate.then(() => reply);
}

async function kubectlSecret(namespace: string, name: string): Promise<Record<string, string> | null> {
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  try {
    const { stdout } = await promisify(execFile)(kubectl, ['--kubeconfig', stack.kubeconfig, 'get', 'secret', name, '-n', namespace, '-o', 'json']);
    const data = (JSON.parse(stdout) as { data?: Record<string, string> }).data ?? {};
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  } catch {
    return null;
  }
}

beforeAll(async () => {
  model = await startScriptedModel({ script: () => steps({ type: 'text', text: 'idle' }) });
  stack = await startStack({
    stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-owner-')),
    dbKind: 'auto',
    build: false,
    githubIssues: 20,
    jobRunner: 'agent',
    jobEnv: { STAGELINE_MODEL_BASE_URL: `${model.url}/v1`, STAGELINE_EVENT_FLUSH_MS: '200', STAGELINE_AGENT_TIMEOUT_SECONDS: '90' },
  });
  await stack.github.seedRepositoryContent({ repo: stack.repo.fullName, files: { 'README.md': '# demo\n', 'src/db.js': 'export const database = null;\n' } });
  // octocat is the project's admin (tools/stack.mjs DEMO_STAFF): signed in to the console, they get a Telegram link code.
  const octocat = await signIn(stack.edgeUrl, 'octocat');
  const issued = await octocat.fetch('/api/v1/staff/telegram/link-codes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const { code } = (await issued.json()) as { code: string };
  stack.telegram.addUser({ id: TELEGRAM_USER, username: 'octocat_tg' });
  expect((await stack.telegram.userSends({ userId: TELEGRAM_USER, text: `/link ${code}` })).status).toBe(200);
  await botMessage((t) => t.startsWith('Linked to GitHub @octocat'));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await model?.close();
});

describe('approvals on Telegram with the real codex CLI', () => {
  it.each([
    ['Approve', 'applied'],
    ['Deny', 'denied'],
  ] as const)('%s → the agent\'s approval_status sees %s', async (press, expected) => {
    const secretName = `db-${expected}`;
    let open: () => void = () => undefined;
    const decided = new Promise<void>((resolve) => (open = resolve));
    model.setScript((turn: TurnContext): Reply | Promise<Reply> => {
      if (turn.step === 0) {
        return steps(tool('secret_sync', { environment: 'dev', kubernetes_secret_name: secretName, justification: 'the service needs its database password' }));
      }
      if (turn.step === 1) {
        // The tool's answer as codex hands it back (its JSON may be nested in the CLI's own wrapping).
        const requestId = /request_id\\?"\s*:\s*\\?"([0-9a-f-]{36})/.exec(turn.outputs[0]?.output ?? '')?.[1] ?? '';
        // The model "thinks" until the person has decided, then asks how it went.
        return gated(decided, steps(tool('approval_status', { request_id: requestId })));
      }
      return steps({ type: 'text', text: `The secret request ended: ${turn.outputs[1]?.output ?? ''}` });
    });
    const before = model.requests.length;
    const runId = await label(expected === 'applied' ? 11 : 12);

    const message = await botMessage((t) => t.includes(`/${secretName}#value`));
    expect(message.text).toContain('🔐 Approval needed (owner): secret_sync apply');
    const [request] = await sql<{ id: string; state: string }>('select id, state from approval_requests where run_id = $1', [runId]);
    expect(request?.state).toBe('requested');
    const [waiting] = await sql<{ status: string; wait_reason: string }>('select status, wait_reason from agent_runs where id = $1', [runId]);
    expect(waiting).toEqual({ status: 'waiting_mcp', wait_reason: 'approval_pending' });
    const button = buttons(message).find((b) => b.text.endsWith(press));
    const pressed = await stack.telegram.userPresses({ userId: TELEGRAM_USER, messageId: message.message_id, data: button?.callback_data ?? '' });
    expect(pressed.status).toBe(200);
    expect(stack.telegram.callbackAnswer(pressed.callbackQueryId)?.text).toBe(press === 'Approve' ? 'Approved.' : 'Denied.');
    await until('the request to settle', async () => {
      const [row] = await sql<{ state: string }>('select state from approval_requests where id = $1', [request?.id]);
      return row?.state === expected ? row : undefined;
    }, 30_000, 100);
    open();

    expect(await finished(runId)).toMatchObject({ status: 'succeeded', runner_reason: null });
    const [ns] = await sql<{ job_namespace: string }>('select job_namespace from agent_runs where id = $1', [runId]);
    const secret = await kubectlSecret(ns?.job_namespace ?? '', secretName);
    // The agent saw the outcome in the same pod, through approval_status.
    const last = model.requests.slice(before).filter((r) => r.purpose === 'turn').at(-1);
    expect(JSON.stringify(last?.body)).toContain(`\\"approval_state\\":\\"${expected}\\"`);
    if (expected === 'applied') {
      expect(Object.keys(secret ?? {})).toEqual(['value']);
      // The derived value is nowhere the platform wrote: audit, requests, runner events, pod logs,
      // console events, the run row, Telegram, GitHub comments, the model's conversation.
      const [corr] = await sql<{ correlation_id: string }>('select correlation_id from agent_runs where id = $1', [runId]);
      const written = [
        await sql('select * from flow_events where correlation_id = $1', [corr?.correlation_id]),
        await sql('select * from approval_requests where run_id = $1', [runId]),
        await sql('select * from run_events where run_id = $1', [runId]),
        await sql('select * from run_log_chunks where run_id = $1', [runId]),
        await sql('select * from realtime_events where run_id = $1', [runId]),
        await sql('select * from agent_runs where id = $1', [runId]),
        await sql('select * from telegram_outbox'),
        stack.telegram.messages(TELEGRAM_USER),
        stack.github.issueComments({ repo: stack.repo.fullName, number: 11 }),
        model.requests.slice(before).map((r) => r.body),
      ].map((x) => JSON.stringify(x ?? null)).join('\n');
      expect(secret?.['value']?.length ?? 0).toBeGreaterThan(20);
      expect(written).not.toContain(secret?.['value'] ?? 'no value');
    } else {
      expect(secret).toBeNull();
    }
    // The message now shows who decided, without buttons.
    await until('the message edit', async () => {
      const edited = stack.telegram.messages(TELEGRAM_USER).find((m) => m.message_id === message.message_id);
      return edited !== undefined && edited.reply_markup === undefined && edited.text.includes('telegram:octocat') ? edited : undefined;
    }, 20_000, 100);
  });
});

describe('a question with options answered on Telegram', () => {
  it('parks the run; "Own answer" wakes it in a new Job whose model request carries the typed answer', async () => {
    const answer = 'SQLite now, PostgreSQL once there are users';
    model.setScript((turn: TurnContext): Reply => {
      const text = JSON.stringify(turn.body);
      if (text.includes('request_status')) {
        // The resumed attempt: act on the answer, then finish.
        return turn.outputs.length === 1
          ? steps({ type: 'shell', command: `printf 'export const database = "sqlite";\\n' > src/db.js` })
          : steps({ type: 'text', text: 'Switched to SQLite as answered.' });
      }
      return turn.step === 0
        ? steps(tool('user_decision_request', { question: 'Which database should the service use?', options: [{ id: 'pg', label: 'PostgreSQL' }, { id: 'sqlite', label: 'SQLite' }, { id: 'none', label: 'None yet' }], allow_free_text: true, ttl_seconds: 600 }))
        : steps({ type: 'text', text: 'Asked the owner; ending my turn until the answer comes.' });
    });
    const runId = await label(13);
    const question = await botMessage((t) => t.startsWith('❓ Which database should the service use?'));
    await until('the run to park', async () => {
      const [row] = await sql<{ status: string; lease_owner: string | null; job_name: string | null }>('select status, lease_owner, job_name from agent_runs where id = $1', [runId]);
      return row?.status === 'waiting_mcp' && row.lease_owner === null && row.job_name === null ? row : undefined;
    }, 60_000, 200);
    const own = buttons(question).find((b) => b.text.includes('Own answer'));
    await stack.telegram.userPresses({ userId: TELEGRAM_USER, messageId: question.message_id, data: own?.callback_data ?? '' });
    const prompt = await botMessage((t) => t.startsWith('Type your answer'));
    const before = model.requests.length;
    expect((await stack.telegram.userSends({ userId: TELEGRAM_USER, text: answer, replyToMessageId: prompt.message_id })).status).toBe(200);

    expect(await finished(runId)).toMatchObject({ status: 'succeeded', attempt_no: 2 });
    const resumed = model.requests.slice(before).find((r) => r.purpose === 'turn');
    const body = JSON.stringify(resumed?.body);
    expect(body).toContain('request_status');
    expect(body).toContain('free_text');
    expect(body).toContain(answer);
    // The resumed codex thread still holds the first attempt's question.
    expect(body).toContain('Which database should the service use?');
    expect(await stack.github.readFile({ repo: stack.repo.fullName, ref: 'codex/issue-13', path: 'src/db.js' })).toBe('export const database = "sqlite";\n');
  });
});

/** Seal a value the way the edge does (edge/src/lib/crypto.ts): AES-256-GCM under SHA-256 of the data key. */
async function seal(keyText: string, plaintext: string): Promise<string> {
  const raw = await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(keyText));
  const key = await webcrypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
  const iv = webcrypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(plaintext)));
  return `v1.${Buffer.from(iv).toString('base64url')}.${Buffer.from(ct).toString('base64url')}`;
}

describe('an HTTP approver', () => {
  it('gets a signed push for a delegated request and approves through its signed callback; the agent sees applied', async () => {
    const approverSecret = randomBytes(24).toString('hex');
    const pushes: Array<{ verified: boolean; body: Record<string, unknown> }> = [];
    const callbacks: number[] = [];
    // The approver: checks the push's signature, then answers "approved" on the callback it carries.
    const approver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        const ts = String(req.headers['x-stageline-timestamp']);
        const verified = req.headers['x-stageline-signature-256'] === `sha256=${createHmac('sha256', approverSecret).update(`${ts}.${raw}`).digest('hex')}`;
        const body = JSON.parse(raw) as Record<string, unknown> & { callback: { url: string; token: string } };
        pushes.push({ verified, body });
        res.writeHead(202).end();
        void (async () => {
          const answer = JSON.stringify({ decision: 'approved', reason: 'policy bot: dev secrets are fine', actor_id: 'policy-bot' });
          const now = String(Math.floor(Date.now() / 1000));
          const nonce = randomBytes(16).toString('hex');
          const signature = `sha256=${createHmac('sha256', approverSecret).update(`${now}.${nonce}.${answer}`).digest('hex')}`;
          const back = await fetch(body.callback.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${body.callback.token}`, 'x-stageline-timestamp': now, 'x-stageline-nonce': nonce, 'x-stageline-signature-256': signature }, body: answer });
          callbacks.push(back.status);
        })();
      });
    });
    await new Promise<void>((r) => approver.listen(0, '127.0.0.1', r));
    try {
      await sql(`update projects set approval_overrides = '[{"tool": "secret_sync", "mode": "delegated"}]' where slug = 'demo'`);
      await sql(`insert into approval_endpoints (project_id, url, signing_secret_encrypted) select id, $1, $2 from projects where slug = 'demo'`, [`http://127.0.0.1:${(approver.address() as AddressInfo).port}/hook`, await seal(stack.dataKey, approverSecret)]);
      let open: () => void = () => undefined;
      const applied = new Promise<void>((resolve) => (open = resolve));
      model.setScript((turn: TurnContext): Reply | Promise<Reply> => {
        if (turn.step === 0) {
          return steps(tool('secret_sync', { environment: 'dev', kubernetes_secret_name: 'approver-made' }));
        }
        if (turn.step === 1) {
          const requestId = /request_id\\?"\s*:\s*\\?"([0-9a-f-]{36})/.exec(turn.outputs[0]?.output ?? '')?.[1] ?? '';
          return gated(applied, steps(tool('approval_status', { request_id: requestId })));
        }
        return steps({ type: 'text', text: 'done' });
      });
      const before = model.requests.length;
      const runId = await label(14);
      const request = await until('the approver\'s decision to be applied', async () => {
        const [row] = await sql<{ id: string; state: string; decided_by: string; decision_channel: string }>('select id, state, decided_by, decision_channel from approval_requests where run_id = $1', [runId]);
        return row?.state === 'applied' ? row : undefined;
      }, 60_000, 100);
      open();
      expect(await finished(runId)).toMatchObject({ status: 'succeeded' });
      expect(pushes).toHaveLength(1);
      expect(pushes[0]).toMatchObject({ verified: true, body: { schema_version: 'stageline-approval-v1', approval_request_id: request.id, approval_mode: 'delegated', tool_name: 'secret_sync' } });
      expect(callbacks).toEqual([200]);
      expect(request).toMatchObject({ decision_channel: 'http_approver', decided_by: expect.stringMatching(/^approver:[0-9a-f-]{36}:policy-bot$/) });
      const last = model.requests.slice(before).filter((r) => r.purpose === 'turn').at(-1);
      expect(JSON.stringify(last?.body)).toContain('\\"approval_state\\":\\"applied\\"');
    } finally {
      await sql(`update projects set approval_overrides = '[]' where slug = 'demo'`);
      await new Promise<void>((r) => approver.close(() => r()));
    }
  });
});

describe('the console inbox', () => {
  it('lists the request for a project member; a read-only member may not decide it; the project admin approves and the agent sees applied', async () => {
    let open: () => void = () => undefined;
    const applied = new Promise<void>((resolve) => (open = resolve));
    model.setScript((turn: TurnContext): Reply | Promise<Reply> => {
      if (turn.step === 0) {
        return steps(tool('secret_sync', { environment: 'dev', kubernetes_secret_name: 'console-made' }));
      }
      if (turn.step === 1) {
        const requestId = /request_id\\?"\s*:\s*\\?"([0-9a-f-]{36})/.exec(turn.outputs[0]?.output ?? '')?.[1] ?? '';
        return gated(applied, steps(tool('approval_status', { request_id: requestId })));
      }
      return steps({ type: 'text', text: 'done' });
    });
    const before = model.requests.length;
    const runId = await label(15);
    const viewer = await signIn(stack.edgeUrl, 'demo-viewer');
    const admin = await signIn(stack.edgeUrl, 'demo-maintainer');
    type Inbox = { approvals: { request_id: string; run: { id: string }; may_decide: boolean }[] };
    const item = await until('the request in the viewer\'s inbox', async () => {
      const inbox = (await (await viewer.fetch('/api/v1/staff/inbox')).json()) as Inbox;
      return inbox.approvals.find((a) => a.run.id === runId);
    }, 60_000, 100);
    expect(item.may_decide).toBe(false);
    const decide = (who: typeof viewer) => who.fetch(`/api/v1/staff/approvals/${item.request_id}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve', reason: 'dev secret' }) });
    expect((await decide(viewer)).status).toBe(403);
    expect((await decide(admin)).status).toBe(200);
    // A second decision, even the same one, comes too late.
    expect((await decide(admin)).status).toBe(409);
    const request = await until('the console decision to be applied', async () => {
      const [row] = await sql<{ state: string; decided_by: string; decision_channel: string }>('select state, decided_by, decision_channel from approval_requests where id = $1', [item.request_id]);
      return row?.state === 'applied' ? row : undefined;
    }, 60_000, 100);
    open();
    expect(await finished(runId)).toMatchObject({ status: 'succeeded' });
    expect(request).toMatchObject({ decision_channel: 'console' });
    const [ns] = await sql<{ job_namespace: string }>('select job_namespace from agent_runs where id = $1', [runId]);
    expect(Object.keys((await kubectlSecret(ns?.job_namespace ?? '', 'console-made')) ?? {})).toEqual(['value']);
    const last = model.requests.slice(before).filter((r) => r.purpose === 'turn').at(-1);
    expect(JSON.stringify(last?.body)).toContain('\\"approval_state\\":\\"applied\\"');
  });
});
