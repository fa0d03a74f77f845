import { Hono } from 'hono';
import { repositoryIdOf, webhookInboxOf } from '../composition/durable-objects.ts';
import type { AppEnv } from '../env.ts';
import { jsonbSafeText } from '../db/jsonb.ts';
import { MAX_WEBHOOK_BYTES, readBodyCapped } from '../github/read-body.ts';
import { isValidSignature } from '../github/verify-signature.ts';
import { errorBody } from '../lib/http-error.ts';
import { jsonDepthExceeds } from '../lib/json-depth.ts';

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
/** GitHub's payloads nest about a dozen levels; far deeper is not a webhook. */
const MAX_JSON_DEPTH = 100;
const EVENT_NAME = /^[a-z_]{1,64}$/;

/**
 * GitHub App webhook ingress (docs/domain.md §2.5). Order matters: size, then the
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
  const secret = c.env.GITHUB_WEBHOOK_SECRET;
  if (secret === undefined || secret === '') {
    // Between creating the App (/setup) and storing its secret nothing can be verified; GitHub marks
    // the delivery failed and the reconciler asks for it again once the secret is set.
    c.var.log.warn('webhook refused: GITHUB_WEBHOOK_SECRET is not set');
    return c.json(errorBody('unavailable', 'the webhook secret is not configured yet'), 503, { 'retry-after': '60' });
  }
  const signature = c.req.header('x-hub-signature-256');
  if (!(await isValidSignature(secret, body.bytes, signature))) {
    return c.json(errorBody('unauthorized', 'invalid or missing signature'), 401);
  }
  // Signed by the holder of the secret but unreadable (not UTF-8, empty): a bad request, not a forgery.
  if (body.kind === 'not_utf8') {
    return c.json(errorBody('invalid_argument', 'body is not UTF-8 text'), 400);
  }
  const deliveryId = c.req.header('x-github-delivery');
  const event = c.req.header('x-github-event');
  if (deliveryId === undefined || !DELIVERY_ID.test(deliveryId)) {
    return c.json(errorBody('invalid_argument', 'missing or malformed X-GitHub-Delivery', 'x-github-delivery'), 400);
  }
  if (event === undefined || !EVENT_NAME.test(event)) {
    return c.json(errorBody('invalid_argument', 'missing or malformed X-GitHub-Event', 'x-github-event'), 400);
  }
  if (jsonDepthExceeds(body.text, MAX_JSON_DEPTH)) {
    return c.json(errorBody('invalid_argument', `body nests deeper than ${MAX_JSON_DEPTH} levels`), 400);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return c.json(errorBody('invalid_argument', 'body is not valid JSON'), 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return c.json(errorBody('invalid_argument', 'body must be a JSON object'), 400);
  }
  // JSON may hold "\u0000" and lone surrogates ("\ud800"), which GitHub content can
  // carry and Postgres refuses (in jsonb and text): such a text is decided and stored
  // as a copy where they read U+FFFD, so it is handled like any other; a clean text
  // goes on as received (db/jsonb.ts).
  const payloadText = jsonbSafeText(body.text, parsed);
  const log = c.var.log.with({ deliveryId, event });
  // Deliveries of one repository go through one inbox, in order (see do/webhook-inbox.ts).
  const inbox = webhookInboxOf(c.env, repositoryIdOf(parsed));
  const outcome = await inbox.ingest({ deliveryId, event, payloadText, receivedAt: new Date() });
  // Server-side handling time (workerd advances its clock on I/O, which is what this spends).
  c.header('Server-Timing', `ingest;dur=${(performance.now() - started).toFixed(1)}`);
  switch (outcome.kind) {
    case 'duplicate':
      log.info('webhook duplicate');
      return c.json({ status: 'duplicate' }, 200);
    case 'ignored':
      // A refusal's explanation, a new installation's labels: the inbox ran the effects after its commit.
      log.info('webhook ignored', { reason: outcome.reason });
      return c.json({ status: 'ignored', reason: outcome.reason }, 200);
    case 'runs_canceled':
      // issue_closed, pull_request_closed or discussion_ended; the agents and GitHub hear it from the inbox's effects.
      log.info('runs canceled', { action: outcome.action, canceled: outcome.canceled });
      return c.json({ status: 'accepted', action: outcome.action, canceled: outcome.canceled }, 200);
    case 'accepted':
      log.info('run created', { runId: outcome.runId, clusterId: outcome.clusterId, reasons: outcome.reasons });
      return c.json({ status: 'accepted', runId: outcome.runId }, 202);
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
    case 'failed':
      // Nothing was committed; a non-2xx marks the delivery failed, and a redelivery applies it again.
      log.error('webhook ingest failed', { reason: outcome.reason });
      return c.json(errorBody('internal', 'the delivery could not be applied; redeliver it'), 500);
  }
});
