// The Telegram channel (docs/domain.md §7.6) against the fake Bot API: link a
// Telegram user to a GitHub login with a one-time code, get a question with
// option buttons and "Own answer", answer with a reply, get an approval with
// Approve / Deny; every refusal (wrong secret, replayed update, foreign or
// stale button, unbound or unentitled user) changes nothing.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { approvalRequests, interactionRequests, projectMembers, telegramOutbox, telegramUpdates } from '@stageline/db';
import { env, SELF } from 'cloudflare:test';
import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { queueTelegram } from '../../src/db/telegram-repo.ts';
import { createLogger } from '../../src/lib/log.ts';
import { deliverTelegram, readTelegramSettings, telegramApi } from '../../src/telegram/outbox.ts';
import { BASE, claimedRun, runRow, withDb } from '../helpers.ts';
import { signedIn, staffFetch } from '../staff.ts';

const SECRET = 'telegram-webhook-secret_0123';

interface FakeMessage {
  message_id: number;
  text: string;
  reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>>; force_reply?: boolean };
}

async function tg<T>(name: string, arg: unknown): Promise<T> {
  const res = await fetch(`${env.TELEGRAM_API_URL}/_fake/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(arg) });
  return (await res.json()) as T;
}

const post = (update: unknown, secret: string | null = SECRET, body?: string) =>
  SELF.fetch(`${BASE}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) }, body: body ?? JSON.stringify(update) });

/** A user's action, built by the fake and posted to the edge as Telegram would. */
async function sends(userId: number, text: string, replyToMessageId?: number): Promise<Response> {
  const { update } = await tg<{ update: unknown }>('userSends', { userId, text, replyToMessageId, deliver: false });
  return post(update);
}
async function presses(userId: number, messageId: number, data: string): Promise<{ res: Response; callbackQueryId: string; update: unknown }> {
  const { update, callbackQueryId } = await tg<{ update: unknown; callbackQueryId: string }>('userPresses', { userId, messageId, data, deliver: false });
  return { res: await post(update), callbackQueryId, update };
}
const messages = (chatId: number) => tg<FakeMessage[]>('messages', { chatId });
const answerOf = (id: string) => vi.waitFor(async () => {
  const a = await tg<{ text?: string; show_alert?: boolean } | null>('callbackAnswer', { id });
  expect(a).not.toBeNull();
  return a as { text?: string; show_alert?: boolean };
});
const waitMessage = (chatId: number, match: (m: FakeMessage) => boolean) => vi.waitFor(async () => {
  const found = (await messages(chatId)).find(match);
  expect(found).toBeDefined();
  return found as FakeMessage;
}, { timeout: 10_000 });

let nextUser = 880_000 + Math.floor(Math.random() * 100_000);

/** A Telegram user bound to `login` through a code from the staff API. */
async function linkedUser(login: string): Promise<number> {
  const userId = nextUser++;
  await tg('addUser', { id: userId, username: `${login}_tg` });
  // The person signs in to the console and asks for a code for themself.
  const issued = await staffFetch(await signedIn({ login }), '/api/v1/staff/telegram/link-codes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(issued.status).toBe(201);
  const { code } = await issued.json<{ code: string }>();
  expect((await sends(userId, `/link ${code}`)).status).toBe(200);
  await waitMessage(userId, (m) => m.text.startsWith(`Linked to GitHub @${login}`));
  // The code is spent.
  const other = nextUser++;
  await tg('addUser', { id: other, username: 'thief' });
  await sends(other, `/link ${code}`);
  await waitMessage(other, (m) => m.text.startsWith('This code is not valid'));
  return userId;
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'telegram-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { fetch: (input, init) => SELF.fetch(input, init), requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as { structuredContent?: Record<string, unknown> };
  return result.structuredContent ?? {};
}

describe('Telegram: questions', () => {
  it('sends the question with one button per option and "Own answer"; a reply to the prompt answers; a later press is told who answered', async () => {
    const octocat = await linkedUser('octocat');
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    const asked = await call(client, 'user_decision_request', { question: 'Which database?', options: [{ id: 'pg', label: 'PostgreSQL' }, { id: 'sqlite', label: 'SQLite' }, { id: 'none', label: 'None yet' }], allow_free_text: true });
    const requestId = String(asked.request_id);
    const question = await waitMessage(octocat, (m) => m.text.startsWith('❓ Which database?'));
    const buttons = question.reply_markup?.inline_keyboard?.flat() ?? [];
    expect(buttons.map((b) => b.text)).toEqual(['PostgreSQL', 'SQLite', 'None yet', '✍️ Own answer']);
    expect(buttons.every((b) => new TextEncoder().encode(b.callback_data ?? '').length <= 64)).toBe(true);

    const own = await presses(octocat, question.message_id, buttons[3]?.callback_data ?? '');
    expect(own.res.status).toBe(200);
    expect(await answerOf(own.callbackQueryId)).toEqual({ callback_query_id: own.callbackQueryId, text: 'Type your answer as a reply.' });
    const prompt = await waitMessage(octocat, (m) => m.reply_markup?.force_reply === true);
    expect((await sends(octocat, 'SQLite now, PostgreSQL once we have users', prompt.message_id)).status).toBe(200);
    await waitMessage(octocat, (m) => m.text.startsWith('Received; the agent continues'));
    const [stored] = await withDb((d) => d.select().from(interactionRequests).where(eq(interactionRequests.id, requestId)));
    expect(stored).toMatchObject({ state: 'answered', respondedBy: 'octocat', channel: 'telegram', response: { kind: 'free_text', text: 'SQLite now, PostgreSQL once we have users' } });
    // The question's buttons are replaced by the answer.
    await vi.waitFor(async () => {
      const edited = (await messages(octocat)).find((m) => m.message_id === question.message_id);
      expect(edited?.text).toContain('✍️ SQLite now, PostgreSQL once we have users — octocat');
      expect(edited?.reply_markup).toBeUndefined();
    }, { timeout: 10_000 });
    // The Job is alive here, so the run simply goes on.
    expect((await runRow(run.runId))?.status).toBe('running');
    const late = await presses(octocat, question.message_id, buttons[0]?.callback_data ?? '');
    expect(await answerOf(late.callbackQueryId)).toMatchObject({ text: 'Already answered by @octocat.', show_alert: true });
  });

  it('refuses a press by an unbound user, by someone else, and a button it never made; nothing is answered', async () => {
    const octocat = await linkedUser('octocat');
    const mallory = await linkedUser('mallory');
    const stranger = nextUser++;
    await tg('addUser', { id: stranger, username: 'stranger' });
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    const requestId = String((await call(client, 'user_decision_request', { question: 'Ship it?', options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }] })).request_id);
    const question = await waitMessage(octocat, (m) => m.text.startsWith('❓ Ship it?'));
    const yes = question.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data ?? '';
    const pending = async () => (await withDb((d) => d.select().from(interactionRequests).where(eq(interactionRequests.id, requestId))))[0];
    const results = [];
    for (const [who, data] of [[stranger, yes], [mallory, yes], [octocat, 'd:not-a-real-id:yes']] as const) {
      // The same message pressed by another presser (or with data the bot never made).
      const { update } = await tg<{ update: { callback_query: Record<string, unknown> } }>('userPresses', { userId: octocat, messageId: question.message_id, data, deliver: false });
      update.callback_query['from'] = { id: who, is_bot: false, first_name: 'x' };
      expect((await post(update)).status).toBe(200);
      results.push((await answerOf(String(update.callback_query['id']))).text);
    }
    expect(results).toEqual(['Link your Telegram account in the Stageline console first (/link <code>).', 'This question is for @octocat.', 'This button is not valid.']);
    expect(await pending()).toMatchObject({ state: 'pending', respondedBy: null });
    const own = await presses(octocat, question.message_id, yes);
    expect((await answerOf(own.callbackQueryId)).text).toBe('Received.');
    expect(await pending()).toMatchObject({ state: 'answered', respondedBy: 'octocat', response: { kind: 'option', option_id: 'yes' } });
  });
});

describe('Telegram: approvals', () => {
  it('sends Approve / Deny to the project admins; a press approves, the cluster gets secret.apply, the message shows who decided', async () => {
    const octocat = await linkedUser('octocat');
    const { seeded, a, run } = await claimedRun();
    await withDb((d) => d.insert(projectMembers).values({ projectId: seeded.projectId, githubLogin: 'octocat', role: 'admin' }));
    a.send({ type: 'run.status', id: 'tg-s1', runId: run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace: `ns-${run.runId.slice(0, 8)}` });
    await a.next((m) => m.ref === 'tg-s1');
    const client = await connect(run.runToken);
    const requestId = String((await call(client, 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'api-token', justification: 'calls the billing API' })).request_id);
    const message = await waitMessage(octocat, (m) => m.text.startsWith('🔐 Approval needed (owner): secret_sync apply'));
    expect(message.text).toContain('Why: calls the billing API');
    const [approve, deny] = message.reply_markup?.inline_keyboard?.[0] ?? [];
    expect([approve?.text, deny?.text]).toEqual(['✅ Approve', '⛔ Deny']);
    const press = await presses(octocat, message.message_id, approve?.callback_data ?? '');
    expect(await answerOf(press.callbackQueryId)).toMatchObject({ text: 'Approved.' });
    expect(await a.next((m) => m.type === 'secret.apply')).toMatchObject({ requestId, name: 'api-token', key: 'value' });
    await vi.waitFor(async () => {
      const edited = (await messages(octocat)).find((m) => m.message_id === message.message_id);
      expect(edited?.text).toMatch(/✅ Approved — telegram:octocat, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
      expect(edited?.reply_markup).toBeUndefined();
    }, { timeout: 10_000 });
    // A second press (Deny) is told the first decision stands.
    const again = await presses(octocat, message.message_id, deny?.callback_data ?? '');
    expect(await answerOf(again.callbackQueryId)).toMatchObject({ text: 'Already decided by telegram:octocat (approved).', show_alert: true });
    expect((await withDb((d) => d.select().from(approvalRequests).where(eq(approvalRequests.id, requestId))))[0]?.state).toBe('approved');
  });

  it('a bound user who is no project admin cannot decide; the request stays open', async () => {
    const octocat = await linkedUser('octocat');
    const reader = await linkedUser('reader');
    const { seeded, a, run } = await claimedRun();
    await withDb((d) => d.insert(projectMembers).values([{ projectId: seeded.projectId, githubLogin: 'octocat', role: 'admin' }, { projectId: seeded.projectId, githubLogin: 'reader', role: 'read' }]));
    a.send({ type: 'run.status', id: 'tg-s2', runId: run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace: `ns-${run.runId.slice(0, 8)}` });
    await a.next((m) => m.ref === 'tg-s2');
    const client = await connect(run.runToken);
    const requestId = String((await call(client, 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'other-token' })).request_id);
    const message = await waitMessage(octocat, (m) => m.text.includes('Target: ') && m.text.includes('other-token'));
    // Only admins got it.
    expect((await messages(reader)).some((m) => m.text.includes('other-token'))).toBe(false);
    const { update } = await tg<{ update: { callback_query: Record<string, unknown> } }>('userPresses', { userId: octocat, messageId: message.message_id, data: message.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data, deliver: false });
    update.callback_query['from'] = { id: reader, is_bot: false, first_name: 'reader' };
    await post(update);
    expect((await answerOf(String(update.callback_query['id']))).text).toBe('You may not decide this request.');
    expect((await withDb((d) => d.select().from(approvalRequests).where(eq(approvalRequests.id, requestId))))[0]?.state).toBe('requested');
  });
});

describe('Telegram: a run that ends', () => {
  it('takes the buttons off its requests: a staff cancel withdraws the approval, a failed Job cancels the question; a press is refused', async () => {
    const octocat = await linkedUser('octocat');
    const gone = (messageId: number, outcome: string) =>
      vi.waitFor(async () => {
        const edited = (await messages(octocat)).find((m) => m.message_id === messageId);
        expect(edited?.text).toContain(outcome);
        expect(edited?.reply_markup).toBeUndefined();
      }, { timeout: 10_000 });

    // An approval, withdrawn when staff cancel its run.
    const first = await claimedRun();
    await withDb((d) => d.insert(projectMembers).values({ projectId: first.seeded.projectId, githubLogin: 'octocat', role: 'admin' }));
    first.a.send({ type: 'run.status', id: 'tg-e1', runId: first.run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace: `ns-${first.run.runId.slice(0, 8)}` });
    await first.a.next((m) => m.ref === 'tg-e1');
    const approvalId = String((await call(await connect(first.run.runToken), 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'ended-token' })).request_id);
    const approval = await waitMessage(octocat, (m) => m.text.includes('ended-token'));
    expect(approval.reply_markup?.inline_keyboard?.[0]?.length).toBe(2);
    const admin = await signedIn({ roles: { [first.seeded.projectId]: 'admin' } });
    const canceled = await staffFetch(admin, `/api/v1/staff/runs/${first.run.runId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong issue' }) });
    expect(canceled.status).toBe(200);
    await gone(approval.message_id, '↩️ Withdrawn: run canceled: wrong issue');
    const late = await presses(octocat, approval.message_id, approval.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data ?? '');
    expect(await answerOf(late.callbackQueryId)).toMatchObject({ text: 'This request was withdrawn: its run ended.', show_alert: true });
    expect((await withDb((d) => d.select().from(approvalRequests).where(eq(approvalRequests.id, approvalId))))[0]?.state).toBe('withdrawn');

    // A question, cancelled when the cluster reports its Job failed.
    const second = await claimedRun();
    const questionId = String((await call(await connect(second.run.runToken), 'user_decision_request', { question: 'Which queue?', options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }] })).request_id);
    const question = await waitMessage(octocat, (m) => m.text.startsWith('❓ Which queue?'));
    second.a.send({ type: 'run.status', id: 'tg-e2', runId: second.run.runId, epoch: 1, status: 'failed', reason: 'job_failed' });
    await second.a.next((m) => m.ref === 'tg-e2');
    await gone(question.message_id, '↩️ Cancelled: run failed: job_failed');
    expect((await withDb((d) => d.select().from(interactionRequests).where(eq(interactionRequests.id, questionId))))[0]?.state).toBe('cancelled');
  });
});

describe('/telegram/webhook refuses bad input', () => {
  it('401 without or with a wrong secret, 400 for a body that is not JSON, 413 when oversized; a replayed update is handled once', async () => {
    const userId = nextUser++;
    await tg('addUser', { id: userId, username: 'replayer' });
    const { update } = await tg<{ update: { update_id: number } }>('userSends', { userId, text: 'hello', deliver: false });
    expect((await post(update, null)).status).toBe(401);
    expect((await post(update, 'wrong-secret')).status).toBe(401);
    expect(await withDb((d) => d.select().from(telegramUpdates).where(eq(telegramUpdates.updateId, update.update_id)))).toEqual([]);
    expect((await post(null, SECRET, '{"update_id":')).status).toBe(400);
    expect((await post(null, SECRET, JSON.stringify({ update_id: 1, pad: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200);
    await waitMessage(userId, (m) => m.text.startsWith('To answer a question'));
    // The replay made no second reply: the next reply to a new update is the second message.
    await sends(userId, 'hello again');
    await vi.waitFor(async () => expect((await messages(userId)).filter((m) => m.text.startsWith('To answer a question'))).toHaveLength(2), { timeout: 10_000 });
    expect((await messages(userId)).map((m) => m.text)).toEqual(['hello', 'To answer a question, press one of its buttons, or "Own answer" and reply to the prompt.', 'hello again', 'To answer a question, press one of its buttons, or "Own answer" and reply to the prompt.']);
  });
});

describe('the Telegram outbox', () => {
  it('waits exactly the retry_after of a 429, then sends; a call Telegram refuses for good fails', async () => {
    const userId = nextUser++;
    await tg('addUser', { id: userId, username: 'ratelimited' });
    const ids = await withDb((d) => queueTelegram(d, [{ method: 'sendMessage', chatId: userId, payload: { text: 'hello after a wait' }, kind: 'notice', refId: null }, { method: 'sendMessage', chatId: 999_999_999, payload: { text: 'nobody' }, kind: 'notice', refId: null }], new Date()));
    await tg('injectRateLimit', { method: 'sendMessage', count: 1, retryAfter: 5 });
    let clock = Date.now();
    const settings = readTelegramSettings(env);
    if (settings === null) {
      throw new Error('the edge tests configure Telegram');
    }
    const run = () => withDb((d) => deliverTelegram({ db: d, api: telegramApi(settings), now: () => new Date(clock), log: createLogger({}, 'error') }, { ids }));
    expect(await run()).toEqual({ sent: 0, retry: 1, failed: 1, skipped: 0 });
    expect(await run()).toEqual({ sent: 0, retry: 0, failed: 0, skipped: 0 });
    clock += 5_000;
    expect(await run()).toEqual({ sent: 1, retry: 0, failed: 0, skipped: 0 });
    expect((await messages(userId)).map((m) => m.text)).toEqual(['hello after a wait']);
    const rows = await withDb((d) => d.select().from(telegramOutbox).where(inArray(telegramOutbox.id, ids)));
    expect(rows.map((r) => [r.chatId, r.state, r.lastError]).sort()).toEqual([
      [999_999_999, 'failed', 'HTTP 400: Bad Request: chat not found'],
      [userId, 'sent', null],
    ].sort());
  });
});

describe('the Telegram outbox and settled requests', () => {
  it('skips a queued approval message whose request was settled before the call was made; an open one is sent', async () => {
    const userId = nextUser++;
    await tg('addUser', { id: userId, username: 'late_reader' });
    const { seeded, a, run } = await claimedRun();
    a.send({ type: 'run.status', id: 'tg-k1', runId: run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace: `ns-${run.runId.slice(0, 8)}` });
    await a.next((m) => m.ref === 'tg-k1');
    const approvalId = String((await call(await connect(run.runToken), 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'late-token' })).request_id);
    const settings = readTelegramSettings(env);
    if (settings === null) {
      throw new Error('the edge tests configure Telegram');
    }
    // The messages as the outbox holds them while Telegram is unreachable: queued, not yet sent.
    const queue = (text: string) => withDb((d) => queueTelegram(d, [{ method: 'sendMessage', chatId: userId, payload: { text }, kind: 'approval', refId: approvalId }], new Date()));
    const deliver = (ids: string[]) => withDb((d) => deliverTelegram({ db: d, api: telegramApi(settings), now: () => new Date(), log: createLogger({}, 'error') }, { ids }));
    expect(await deliver(await queue('🔐 while open'))).toEqual({ sent: 1, retry: 0, failed: 0, skipped: 0 });

    const waiting = await queue('🔐 after the run ended');
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    expect((await staffFetch(admin, `/api/v1/staff/runs/${run.runId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'stop' }) })).status).toBe(200);
    expect(await deliver(waiting)).toEqual({ sent: 0, retry: 0, failed: 0, skipped: 1 });
    // Only the message sent while the request was open arrived; the withdrawal edited it.
    await vi.waitFor(async () => expect((await messages(userId)).map((m) => m.text)).toEqual([expect.stringContaining('↩️ Withdrawn: run canceled: stop')]), { timeout: 10_000 });
    const [row] = await withDb((d) => d.select().from(telegramOutbox).where(inArray(telegramOutbox.id, waiting)));
    expect(row?.state).toBe('skipped');
  });
});

describe('POST /api/v1/staff/telegram/link-codes refuses bad input', () => {
  it('codes for the caller only: 403 for another login, 400 for a bad login, unknown field or non-JSON, 413 oversized; a fresh code each time', async () => {
    const me = await signedIn({ login: 'octocat' });
    const issue = (body: string) => staffFetch(me, '/api/v1/staff/telegram/link-codes', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await issue(JSON.stringify({ github_login: 'someone-else' }))).status).toBe(403);
    expect((await issue(JSON.stringify({ github_login: 'bad login!' }))).status).toBe(400);
    expect((await issue(JSON.stringify({ other: 1 }))).status).toBe(400);
    expect((await issue('{"github_login":')).status).toBe(400);
    expect((await issue(JSON.stringify({ github_login: 'octocat', pad: 'x'.repeat(2000) }))).status).toBe(413);
    const signedOut = await SELF.fetch(`${BASE}/api/v1/staff/telegram/link-codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(signedOut.status).toBe(401);
    const first = await (await issue(JSON.stringify({ github_login: 'OctoCat' }))).json<{ code: string; command: string }>();
    const second = await (await issue('{}')).json<{ code: string }>();
    expect(first.code).not.toBe(second.code);
    expect(first.command).toBe(`/link ${first.code}`);
  });
});
