// `npm run bench:owner`: the owner in the loop on the local stack, with the
// real codex CLI in each Job against the scripted model and the fake Telegram.
// N approvals and N questions (default 10 each), one after another:
//   decision → agent sees it   a Telegram Approve press, until the model's first
//                              request whose last tool output says `applied`
//                              (the agent polls approval_status every 200 ms, in
//                              the same pod; the Secret is written in between);
//   decision → run resumed     the press, until the run is `running` again;
//   answer → resumed Job       a reply to "Own answer", until the new attempt's
//                              runner reports its first event (a new Job, after
//                              the run parked);
//   answer → model has it      the reply, until the resumed attempt's first model request.
// Prints a markdown table and writes bench/results/owner-<timestamp>.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startScriptedModel, steps } from '@stageline/model-fake';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { signIn } from '../tools/staff-session.mjs';
import { labeledPayload, sendWebhook } from '../tools/webhook.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
const USER = 515_151;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = 60_000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`);
    }
    await sleep(everyMs);
  }
}
const tool = (name, args) => ({ type: 'tool', server: 'stageline', name, args });

let mode = 'approval';
let seenAt = null;
const script = async (turn) => {
  const text = JSON.stringify(turn.body);
  if (mode === 'approval') {
    if (turn.step === 0) {
      return steps(tool('secret_sync', { environment: 'dev', kubernetes_secret_name: `bench-${Date.now()}` }));
    }
    const last = turn.outputs.at(-1)?.output ?? '';
    if (/approval_state\\?"\s*:\s*\\?"(applied|denied|failed|expired)/.test(last)) {
      seenAt ??= Date.now();
      return steps({ type: 'text', text: 'done' });
    }
    const id = /request_id\\?"\s*:\s*\\?"([0-9a-f-]{36})/.exec(turn.outputs[0]?.output ?? '')?.[1] ?? '';
    await sleep(200);
    return steps(tool('approval_status', { request_id: id }));
  }
  if (text.includes('request_status')) {
    return steps({ type: 'text', text: 'continued with the answer' });
  }
  return turn.step === 0 ? steps(tool('user_decision_request', { question: 'Which one?', options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], allow_free_text: true })) : steps({ type: 'text', text: 'waiting for the answer' });
};

const model = await startScriptedModel({ script });
const stack = await startStack({
  stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-owner-')),
  dbKind: 'auto',
  build: false,
  jobRunner: 'agent',
  githubIssues: 2 * RUNS + 5,
  jobEnv: { STAGELINE_MODEL_BASE_URL: `${model.url}/v1`, STAGELINE_EVENT_FLUSH_MS: '200' },
});
const db = new pg.Client({ connectionString: stack.db.url });
const tg = stack.telegram;
const botMessages = () => tg.messages(USER).filter((m) => m.from_id === tg.bot.id);
const runStatus = async (runId) => (await db.query('select status, attempt_no from agent_runs where id = $1', [runId])).rows[0];
try {
  await db.connect();
  await stack.github.seedRepositoryContent({ repo: stack.repo.fullName, files: { 'README.md': '# bench\n' } });
  // octocat, the demo project's admin (tools/stack.mjs DEMO_STAFF), signs in and asks for a link code.
  const octocat = await signIn(stack.edgeUrl, 'octocat');
  const { code } = await (await octocat.fetch('/api/v1/staff/telegram/link-codes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
  tg.addUser({ id: USER, username: 'octocat_tg' });
  await tg.userSends({ userId: USER, text: `/link ${code}` });
  await until('linked', () => botMessages().some((m) => m.text.startsWith('Linked')));
  const approvals = [];
  const answers = [];
  let issue = 0;
  for (let i = 1; i <= RUNS; i += 1) {
    mode = 'approval';
    seenAt = null;
    issue += 1;
    const known = botMessages().length;
    const { runId } = (await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }) })).body;
    const message = await until('approval message', () => botMessages().slice(known).find((m) => m.text.startsWith('🔐')));
    await until('run waiting', async () => (await runStatus(runId))?.status === 'waiting_mcp');
    const button = message.reply_markup.inline_keyboard.flat().find((b) => b.text.endsWith('Approve'));
    const pressedAt = Date.now();
    await tg.userPresses({ userId: USER, messageId: message.message_id, data: button.callback_data });
    await until('run resumed', async () => (await runStatus(runId))?.status !== 'waiting_mcp', 60_000, 5);
    const resumedAt = Date.now();
    await until('agent saw the outcome', () => seenAt !== null);
    await until('run finished', async () => (await runStatus(runId))?.status === 'succeeded');
    approvals.push({ runId, seenMs: seenAt - pressedAt, resumedMs: resumedAt - pressedAt });
    process.stdout.write(`approval ${i}/${RUNS}: agent saw it after ${seenAt - pressedAt} ms\n`);
  }
  for (let i = 1; i <= RUNS; i += 1) {
    mode = 'question';
    issue += 1;
    const known = botMessages().length;
    const { runId } = (await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }) })).body;
    const question = await until('question', () => botMessages().slice(known).find((m) => m.text.startsWith('❓')));
    await until('run parked', async () => (await db.query('select 1 from agent_runs where id = $1 and status = $2 and lease_owner is null and job_name is null', [runId, 'waiting_mcp'])).rowCount === 1);
    await tg.userPresses({ userId: USER, messageId: question.message_id, data: question.reply_markup.inline_keyboard.flat().find((b) => b.text.includes('Own answer')).callback_data });
    const prompt = await until('prompt', () => botMessages().slice(known).find((m) => m.text.startsWith('Type your answer')));
    const requestsBefore = model.requests.length;
    const answeredAt = Date.now();
    await tg.userSends({ userId: USER, text: 'B, please', replyToMessageId: prompt.message_id });
    const startedAt = await until('resumed runner', async () => (await db.query('select created_at from run_events where run_id = $1 and attempt_no = 2 order by seq limit 1', [runId])).rows[0]?.created_at.getTime());
    const firstRequest = await until('resumed model request', () => model.requests.slice(requestsBefore).find((r) => r.purpose === 'turn'));
    await until('run finished', async () => (await runStatus(runId))?.status === 'succeeded');
    answers.push({ runId, jobStartedMs: startedAt - answeredAt, modelMs: firstRequest.time - answeredAt });
    process.stdout.write(`answer ${i}/${RUNS}: resumed runner after ${startedAt - answeredAt} ms\n`);
  }
  const result = {
    at: new Date().toISOString(),
    runs: RUNS,
    machine: `${os.cpus().length} cpu ${os.cpus()[0]?.model ?? ''}`,
    decisionToAgentMs: summary(approvals.map((r) => r.seenMs)),
    decisionToResumedMs: summary(approvals.map((r) => r.resumedMs)),
    answerToResumedJobMs: summary(answers.map((r) => r.jobStartedMs)),
    answerToModelMs: summary(answers.map((r) => r.modelMs)),
    approvals,
    answers,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(ROOT, 'bench', 'results', `owner-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log('\n| measured | p50 ms | p99 ms | max ms |\n|---|---|---|---|');
  for (const [name, s] of [['decision → agent sees it (same pod)', result.decisionToAgentMs], ['decision → run resumed', result.decisionToResumedMs], ['answer → resumed Job\'s runner started', result.answerToResumedJobMs], ['answer → resumed model request', result.answerToModelMs]]) {
    console.log(`| ${name} | ${s.p50} | ${s.p99} | ${s.max} |`);
  }
  console.log(`\nwritten to ${path.relative(ROOT, file)}`);
} finally {
  await db.end().catch(() => undefined);
  await stack.stop();
  await model.close();
}
