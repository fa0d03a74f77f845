import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import type { IngestOutcome } from '../domain/ingest-webhook.ts';
import { announceRuns, publishEvents } from '../domain/publish-events.ts';
import { MAX_WEBHOOK_BYTES, readBodyCapped } from '../github/read-body.ts';
import { isValidSignature } from '../github/verify-signature.ts';
import { errorBody } from '../lib/http-error.ts';

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;

/**
 * GitHub App webhook ingress (domain.md §2.5). Order matters: size, then the
 * signature over the raw bytes, then headers and JSON; nothing is stored
 * before all of them pass, and the answer comes after the commit.
 */
export const githubWebhooks = new Hono<AppEnv>().post('/github/webhook', async (c) => {
  const started = performance.now();
  const body = await readBodyCapped(c.req.raw, MAX_WEBHOOK_BYTES);
  if (body.kind === 'too_large') {
    return c.json(errorBody('payload_too_large', `webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`), 413);
  }
  const signature = c.req.header('x-hub-signature-256');
  if (body.kind === 'not_utf8' || !(await isValidSignature(c.env.GITHUB_WEBHOOK_SECRET, body.text, signature))) {
    return c.json(errorBody('unauthorized', 'invalid or missing signature'), 401);
  }
  const deliveryId = c.req.header('x-github-delivery');
  const event = c.req.header('x-github-event');
  if (deliveryId === undefined || !DELIVERY_ID.test(deliveryId)) {
    return c.json(errorBody('invalid_argument', 'missing or malformed X-GitHub-Delivery', 'x-github-delivery'), 400);
  }
  if (event === undefined || !EVENT_NAME.test(event)) {
    return c.json(errorBody('invalid_argument', 'missing or malformed X-GitHub-Event', 'x-github-event'), 400);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.text);
  } catch {
    return c.json(errorBody('invalid_argument', 'body is not valid JSON'), 400);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return c.json(errorBody('invalid_argument', 'body must be a JSON object'), 400);
  }
  const log = c.var.log.with({ deliveryId, event });
  // Deliveries of one repository go through one inbox, in order (see do/webhook-inbox.ts).
  const inbox = c.env.WEBHOOK_INBOX.get(c.env.WEBHOOK_INBOX.idFromName(inboxName(payload)));
  const outcome = await inbox.ingest({ deliveryId, event, payload, receivedAt: new Date() });
  // Server-side handling time (workerd advances its clock on I/O, which is what this spends).
  c.header('Server-Timing', `ingest;dur=${(performance.now() - started).toFixed(1)}`);
  switch (outcome.kind) {
    case 'duplicate':
      log.info('webhook duplicate');
      return c.json({ status: 'duplicate' }, 200);
    case 'ignored':
      log.info('webhook ignored', { reason: outcome.reason });
      return c.json({ status: 'ignored', reason: outcome.reason }, 200);
    case 'accepted': {
      log.info('run created', { runId: outcome.runId, clusterId: outcome.clusterId, reasons: outcome.reasons });
      // Dispatch after the answer: the run is committed, pushing it is best effort
      // (agents also claim on connect and on their reconcile tick).
      c.executionCtx.waitUntil(notify(c.env, outcome, log));
      return c.json({ status: 'accepted', runId: outcome.runId }, 202);
    }
    case 'issue_closed': {
      log.info('issue closed', { issueNumber: outcome.issueNumber, canceled: outcome.canceled.map((r) => r.runId) });
      c.executionCtx.waitUntil(notifyClose(c.env, outcome, log));
      return c.json({ status: 'accepted', action: 'issue_closed', canceled: outcome.canceled.map((r) => r.runId) }, 200);
    }
  }
});

/**
 * After an issue close: console events, `run.cancel` for canceled runs an agent
 * held, then `issue.cleanup` so the cluster deletes the issue's namespaces.
 */
async function notifyClose(env: Env, outcome: Extract<IngestOutcome, { kind: 'issue_closed' }>, log: AppEnv['Variables']['log']): Promise<void> {
  const tasks: Promise<unknown>[] = [publishEvents(env, outcome.events)];
  if (outcome.clusterId !== null) {
    const hub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(outcome.clusterId));
    for (const run of outcome.canceled.filter((r) => r.previousStatus !== 'pending')) {
      tasks.push(hub.cancel({ type: 'run.cancel', runId: run.runId, epoch: run.epoch, jobName: run.jobName, namespace: run.namespace, reason: 'issue_closed' }));
    }
    tasks.push(hub.broadcast({ type: 'issue.cleanup', projectId: outcome.projectId, issueNumber: outcome.issueNumber, reason: 'issue_closed' }));
  }
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === 'rejected') {
      log.warn('post-close notify failed', { issueNumber: outcome.issueNumber, error: result.reason });
    }
  }
}

function inboxName(payload: object): string {
  const repository = 'repository' in payload ? payload.repository : undefined;
  const id = typeof repository === 'object' && repository !== null && 'id' in repository ? repository.id : undefined;
  return typeof id === 'number' ? `repo:${id}` : 'repo:none';
}

async function notify(
  env: Env,
  outcome: { runId: string; clusterId: string | null; events: Parameters<typeof publishEvents>[1] },
  log: AppEnv['Variables']['log'],
): Promise<void> {
  const tasks = [publishEvents(env, outcome.events)];
  if (outcome.clusterId !== null) {
    tasks.push(announceRuns(env, outcome.clusterId, [outcome.runId]));
  }
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === 'rejected') {
      log.warn('post-commit notify failed', { runId: outcome.runId, error: result.reason });
    }
  }
}
