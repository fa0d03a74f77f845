import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { notifyIngested } from '../do/webhook-inbox-notify.ts';
import { MAX_WEBHOOK_BYTES, readBodyCapped } from '../github/read-body.ts';
import { isValidSignature } from '../github/verify-signature.ts';
import { errorBody } from '../lib/http-error.ts';

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;

/**
 * GitHub App webhook ingress (domain.md §2.5). Order matters: size, then the
 * signature over the raw bytes, then headers and JSON; nothing is stored
 * before all of them pass, and the answer comes after the commit — in Postgres,
 * or, while Postgres is unreachable, in the repository's WebhookInbox storage
 * (202 `queued`, applied later in order; see do/webhook-inbox.ts).
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
      if (outcome.github !== null || outcome.labelBootstrap !== undefined || outcome.rebound !== undefined) {
        // A refusal explains itself on the thread (and may ask with need:input); a new installation gets its labels.
        c.executionCtx.waitUntil(notifyIngested(c.env, outcome, log));
      }
      return c.json({ status: 'ignored', reason: outcome.reason }, 200);
    case 'runs_canceled':
      log.info('runs canceled', { reason: outcome.reason, canceled: outcome.canceled.map((r) => r.runId) });
      c.executionCtx.waitUntil(notifyIngested(c.env, outcome, log));
      return c.json({ status: 'accepted', action: outcome.reason, canceled: outcome.canceled.map((r) => r.runId) }, 200);
    case 'accepted': {
      log.info('run created', { runId: outcome.runId, clusterId: outcome.clusterId, reasons: outcome.reasons });
      // Dispatch after the answer: the run is committed, pushing it is best effort
      // (agents also claim on connect and on their reconcile tick).
      c.executionCtx.waitUntil(notifyIngested(c.env, outcome, log));
      return c.json({ status: 'accepted', runId: outcome.runId }, 202);
    }
    case 'issue_closed': {
      log.info('issue closed', { issueNumber: outcome.issueNumber, canceled: outcome.canceled.map((r) => r.runId) });
      c.executionCtx.waitUntil(notifyIngested(c.env, outcome, log));
      return c.json({ status: 'accepted', action: 'issue_closed', canceled: outcome.canceled.map((r) => r.runId) }, 200);
    }
    case 'queued':
      // Postgres was unreachable (or earlier deliveries of this repository wait):
      // the delivery is durable in the inbox and will be applied in order, exactly
      // once. Body: { status: "queued", correlationId: <X-GitHub-Delivery>,
      // sequence: <its place in the repository's inbox> }; the run created later
      // carries the same correlation id.
      log.info('webhook queued', { correlationId: outcome.deliveryId, sequence: outcome.sequence, backlog: outcome.backlog });
      return c.json({ status: 'queued', correlationId: outcome.deliveryId, sequence: outcome.sequence }, 202);
    case 'inbox_full':
      // Postgres is unreachable and this repository's inbox is at its bound
      // (INBOX_LIMITS). GitHub does not retry on its own, but a non-2xx marks the
      // delivery failed, and the reconciler redelivers failed deliveries later;
      // Retry-After tells other senders when to try again.
      log.warn('webhook refused: inbox full', { backlog: outcome.backlog });
      c.header('Retry-After', String(outcome.retryAfterSeconds));
      return c.json(errorBody('unavailable', 'database unavailable and the delivery queue is full; redeliver later'), 503);
  }
});

/** The WebhookInbox of a payload's repository (the reconciler's synthetic deliveries use the same one). */
export function inboxName(payload: object): string {
  const repository = 'repository' in payload ? payload.repository : undefined;
  const id = typeof repository === 'object' && repository !== null && 'id' in repository ? repository.id : undefined;
  return typeof id === 'number' ? `repo:${id}` : 'repo:none';
}
