// `npm run simulate -- label run:dev --issue 7`: send a correctly signed
// webhook to the local edge started by `npm start`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './stack.mjs';
import { labeledPayload, sendWebhook } from './webhook.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    issue: { type: 'string', default: '7' },
    sender: { type: 'string', default: 'User' },
    delivery: { type: 'string' },
    edge: { type: 'string' },
  },
});
const [command, label] = positionals;
if (command !== 'label' || !label) {
  console.error('usage: npm run simulate -- label <label> [--issue N] [--sender User|Bot] [--delivery ID] [--edge URL]');
  process.exit(2);
}
const settingsFile = path.join(ROOT, '.devdata', 'dev.json');
if (!existsSync(settingsFile)) {
  console.error('no .devdata/dev.json: start the system first with `npm start`');
  process.exit(2);
}
const dev = JSON.parse(readFileSync(settingsFile, 'utf8'));
const payload = labeledPayload({ label, issue: Number(values.issue), repoId: dev.repo.externalId, repoFullName: dev.repo.fullName, senderType: values.sender });
const result = await sendWebhook({ edgeUrl: values.edge ?? dev.edgeUrl, secret: dev.webhookSecret, payload, delivery: values.delivery });
console.log(`${result.status} ${JSON.stringify(result.body)} (delivery ${result.delivery})`);
process.exit(result.status < 300 ? 0 : 1);
