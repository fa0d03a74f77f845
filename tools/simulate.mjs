// `npm run simulate -- label run:dev --issue 7`: send a correctly signed
// webhook to the local edge started by `npm start`, as the demo sender
// (permitted by the fake GitHub). `npm run simulate -- comments --issue 7`:
// what the edge wrote on that issue in the fake GitHub.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_GITHUB, ROOT } from './stack.mjs';
import { signIn } from './staff-session.mjs';
import { labeledPayload, sendWebhook } from './webhook.mjs';

const USAGE = `usage: npm run simulate -- label <label> [--issue N] [--also <label>]... [--login LOGIN] [--sender User|Bot] [--delivery ID] [--edge URL]
       npm run simulate -- comments [--issue N]
       npm run simulate -- pulls
       npm run simulate -- permission <login> <admin|maintain|write|triage|read|none>
       npm run simulate -- telegram link [--login LOGIN] | messages | press <message id> <button text> | reply <message id> <text>`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    issue: { type: 'string', default: '7' },
    sender: { type: 'string', default: 'User' },
    login: { type: 'string', default: DEMO_GITHUB.sender },
    also: { type: 'string', multiple: true, default: [] },
    delivery: { type: 'string' },
    edge: { type: 'string' },
  },
});
const [command, ...args] = positionals;
const usage = () => {
  console.error(USAGE);
  process.exit(2);
};
if (!['label', 'comments', 'pulls', 'permission', 'telegram'].includes(command ?? '') || (command === 'label' && !args[0]) || (command === 'permission' && args.length !== 2)) {
  usage();
}
const settingsFile = path.join(ROOT, '.devdata', 'dev.json');
if (!existsSync(settingsFile)) {
  console.error('no .devdata/dev.json: start the system first with `npm start`');
  process.exit(2);
}
const dev = JSON.parse(readFileSync(settingsFile, 'utf8'));
const issue = Number(values.issue);
const thread = { repo: dev.repo.fullName, number: issue };

/** One call to the fake GitHub's control surface (`POST /_fake/<method>`). */
async function fake(method, input) {
  if (!dev.githubUrl) {
    throw new Error('.devdata/dev.json names no fake GitHub: restart `npm start`');
  }
  const res = await fetch(`${dev.githubUrl}/_fake/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input ?? null) });
  const body = await res.json();
  return res.ok ? { ok: true, value: body } : { ok: false, error: body.error ?? JSON.stringify(body) };
}

async function must(method, input) {
  const r = await fake(method, input);
  if (!r.ok) {
    throw new Error(`fake GitHub ${method}: ${r.error}`);
  }
  return r.value;
}

if (command === 'pulls') {
  // The pull requests the platform opened for agent runs, with each branch's newest commit.
  const pulls = await must('pulls', { repo: dev.repo.fullName });
  console.log(`${dev.repo.fullName} pull requests in the fake GitHub (${dev.githubUrl}): ${pulls.length}`);
  for (const pr of pulls) {
    const [commit] = await must('commits', { repo: dev.repo.fullName, ref: pr.head });
    console.log(`#${pr.number} ${pr.state}${pr.draft ? ' draft' : ''} ${pr.head} -> ${pr.base}: ${pr.title}`);
    console.log(`  ${pr.body.split('\n')[0]}; last commit ${commit?.sha.slice(0, 7) ?? '?'} by ${commit?.author.name ?? '?'} (${(commit?.files ?? []).join(', ')})`);
  }
  process.exit(0);
}

if (command === 'comments') {
  const labels = await fake('issueLabels', thread);
  if (!labels.ok) {
    console.error(`${thread.repo}#${issue}: ${labels.error}`);
    process.exit(1);
  }
  const reactions = await must('issueReactions', thread);
  const comments = await must('issueComments', thread);
  console.log(`${thread.repo}#${issue} in the fake GitHub (${dev.githubUrl})`);
  console.log(`labels     ${labels.value.length === 0 ? '(none)' : labels.value.join(', ')}`);
  console.log(`reactions  ${reactions.length === 0 ? '(none)' : reactions.map((r) => `${r.content} by ${r.user}`).join(', ')}`);
  console.log(`comments   ${comments.length}`);
  for (const c of comments) {
    const edited = c.updated_at === c.created_at ? '' : `, edited ${c.updated_at}`;
    console.log(`\n--- #${c.id} by ${c.user} at ${c.created_at}${edited}\n${c.body}`);
  }
  process.exit(0);
}

if (command === 'telegram') {
  // A Telegram user of the fake Bot API, played from the command line; one per login (a stable id from its name).
  const login = values.login ?? 'octocat';
  const userId = 700_000 + [...login].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 100_000, 7);
  const tg = async (method, input) => {
    const res = await fetch(`${dev.telegramUrl}/_fake/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    return res.json();
  };
  const [sub, ...rest] = args;
  await tg('addUser', { id: userId, username: `${login}_tg` });
  if (sub === 'link') {
    // The person signs in to the console (the fake GitHub knows the demo staff) and asks for their own code.
    const staff = await signIn(dev.edgeUrl, login);
    const issued = await staff.fetch('/api/v1/staff/telegram/link-codes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { code } = await issued.json();
    const sent = await tg('userSends', { userId, text: `/link ${code}` });
    console.log(`sent /link to the bot as Telegram user ${userId}: webhook answered ${sent.status}; see: npm run simulate -- telegram messages`);
  } else if (sub === 'messages') {
    for (const m of await tg('messages', { chatId: userId })) {
      const buttons = (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => `[${b.text}]`).join(' ');
      console.log(`#${m.message_id} ${m.from_id === userId ? 'you' : 'bot'}: ${m.text.replaceAll('\n', ' | ')}${buttons === '' ? '' : `  ${buttons}`}`);
    }
  } else if (sub === 'press' || sub === 'reply') {
    const messageId = Number(rest[0]);
    if (sub === 'reply') {
      const sent = await tg('userSends', { userId, text: rest.slice(1).join(' '), replyToMessageId: messageId });
      console.log(`replied: webhook answered ${sent.status}`);
    } else {
      const message = (await tg('messages', { chatId: userId })).find((m) => m.message_id === messageId);
      const button = (message?.reply_markup?.inline_keyboard ?? []).flat().find((b) => b.text.includes(rest.slice(1).join(' ')));
      if (button === undefined) {
        console.error(`no button "${rest.slice(1).join(' ')}" on message #${messageId}`);
        process.exit(1);
      }
      const pressed = await tg('userPresses', { userId, messageId, data: button.callback_data });
      const answer = await tg('callbackAnswer', { id: pressed.callbackQueryId });
      console.log(`pressed [${button.text}]: ${answer?.text ?? '(no answer yet)'}`);
    }
  } else {
    usage();
  }
  process.exit(0);
}

if (command === 'permission') {
  const [login, permission] = args;
  await must('setPermission', { repo: dev.repo.fullName, user: login, permission });
  console.log(`${login} now has ${permission} on ${dev.repo.fullName} (the edge caches permissions for up to 60 s)`);
  process.exit(0);
}

// label: the fake needs the issue for the edge's writes; issues past the seeded ones are created here.
const known = await fake('issueLabels', thread);
if (!known.ok) {
  await must('seedIssue', thread);
}
const payload = labeledPayload({
  label: args[0],
  issue,
  repoId: dev.repo.externalId,
  repoFullName: dev.repo.fullName,
  senderType: values.sender,
  senderLogin: values.login,
  otherLabels: values.also,
});
const result = await sendWebhook({ edgeUrl: values.edge ?? dev.edgeUrl, secret: dev.webhookSecret, payload, delivery: values.delivery });
console.log(`${result.status} ${JSON.stringify(result.body)} (delivery ${result.delivery})`);
console.log(`the thread: npm run simulate -- comments --issue ${issue}`);
process.exit(result.status < 300 ? 0 : 1);
