// Builds and sends a correctly signed GitHub webhook (the replayer used by
// `npm run simulate`, the e2e tests and the benchmarks).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { ROOT } from './stack.mjs';

const FIXTURE = path.join(ROOT, 'edge', 'test', 'fixtures', 'issues.labeled.json');

/** An `issues.labeled` payload (a real GitHub shape) adapted to our repository. */
export function labeledPayload({ label = 'run:dev', issue = 7, repoId, repoFullName, senderType = 'User', senderLogin = 'octocat', installationId = 44001, otherLabels = [], title, body }) {
  const p = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const [owner, name] = repoFullName.split('/');
  p.label.name = label;
  // The issue carries the added label (GitHub sends the labels after the change) and any others.
  p.issue.labels = [label, ...otherLabels].map((n, i) => ({ ...p.label, id: 5001 + i, name: n }));
  p.sender.login = senderLogin;
  p.installation.id = installationId;
  p.issue.number = issue;
  p.issue.html_url = `https://github.com/${repoFullName}/issues/${issue}`;
  p.repository.id = repoId;
  p.repository.full_name = repoFullName;
  p.repository.name = name;
  p.repository.owner.login = owner;
  p.sender.type = senderType;
  if (title !== undefined) {
    p.issue.title = title;
  }
  if (body !== undefined) {
    p.issue.body = body;
  }
  return p;
}

/** @returns {Promise<{ status: number, body: unknown, delivery: string }>} */
export async function sendWebhook({ edgeUrl, secret, event = 'issues', payload, delivery = randomUUID() }) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${edgeUrl}/github/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': await sign(secret, body),
      'user-agent': 'GitHub-Hookshot/stageline-simulator',
    },
    body,
  });
  return { status: res.status, body: await res.json(), delivery };
}
