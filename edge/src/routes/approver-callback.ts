/**
 * `POST /api/v1/approvals/callback`: an HTTP approver decides a request it
 * was pushed (docs/domain.md §7.1). Proof is two-fold: the push's one-time
 * callback token (which request, which endpoint) and an HMAC signature with
 * the endpoint's secret over timestamp, nonce and body. A stale timestamp, a
 * seen nonce, a forged or missing proof are refused before anything is
 * read; an approver may decide only `delegated` requests of its own project.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { verifyCallbackToken } from '../approvers/callback-token.ts';
import { checkCallbackSignature, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../approvers/signature.ts';
import { claimNonce, findEndpoint } from '../db/approver-repo.ts';
import { decideApproval } from '../domain/approvals.ts';
import type { AppEnv } from '../env.ts';
import { unseal } from '../lib/crypto.ts';
import { errorBody } from '../lib/http-error.ts';

const MAX_BODY = 8 * 1024;

const callbackSchema = z.object({
  decision: z.enum(['approved', 'denied', 'applied']),
  reason: z.string().max(500).optional(),
  actor_id: z
    .string()
    .regex(/^[A-Za-z0-9._@:-]{1,100}$/)
    .optional(),
});

const unauthorized = (message: string) => Response.json(errorBody('unauthorized', message), { status: 401, headers: { 'www-authenticate': 'Bearer realm="stageline-approver"' } });

export const approverCallback = new Hono<AppEnv>().post('/api/v1/approvals/callback', async (c) => {
  const { settings, effects } = c.var.root;
  const now = new Date();
  const declared = Number(c.req.header('content-length') ?? '0');
  const bytes = declared > MAX_BODY ? null : new Uint8Array(await c.req.arrayBuffer());
  if (bytes === null || bytes.byteLength > MAX_BODY) {
    return c.json(errorBody('payload_too_large', `body is limited to ${MAX_BODY} bytes`), 413);
  }
  const auth = c.req.header('authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  const claims = token === undefined ? null : await verifyCallbackToken(settings.runTokenKey, token, now);
  if (claims === null) {
    return unauthorized('a valid callback token is required');
  }
  const endpoint = await findEndpoint(c.var.db, claims.endpointId);
  const secret = endpoint === null || !endpoint.enabled ? null : await unseal(settings.dataKey, endpoint.signingSecretEncrypted);
  if (endpoint === null || secret === null) {
    return unauthorized('the approver endpoint is unknown or disabled');
  }
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return c.json(errorBody('invalid_argument', 'body is not valid UTF-8'), 400);
  }
  const nonce = c.req.header(NONCE_HEADER);
  const proof = await checkCallbackSignature(secret, { signature: c.req.header(SIGNATURE_HEADER), timestamp: c.req.header(TIMESTAMP_HEADER), nonce }, body, now);
  if (!proof.ok) {
    c.var.log.warn('approver callback refused', { endpointId: endpoint.id, reason: proof.reason });
    return unauthorized(proof.reason === 'stale' ? 'timestamp outside the 5-minute window' : 'signature, timestamp and nonce headers are required and must match');
  }
  let parsed;
  try {
    parsed = callbackSchema.safeParse(JSON.parse(body));
  } catch {
    return c.json(errorBody('invalid_argument', 'body is not JSON'), 400);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return c.json(errorBody('invalid_argument', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`), 400);
  }
  // The nonce is spent once the proof holds: a byte-for-byte replay is refused even if the first answer was lost.
  if (nonce === undefined || !(await claimNonce(c.var.db, { nonce, endpointId: endpoint.id, now }))) {
    return c.json(errorBody('conflict', 'this callback was already received (nonce seen)'), 409);
  }
  const { decision, reason, actor_id: actorId } = parsed.data;
  const actor = `approver:${endpoint.id}:${actorId ?? 'approver'}`;
  const event = decision === 'applied' ? { kind: 'executor_applied' as const, actor, channel: 'http_approver' as const, reason: reason ?? null } : { kind: 'decide' as const, decision, actor, channel: 'http_approver' as const, reason: reason ?? null };
  const result = await decideApproval(c.var.db, { requestId: claims.requestId, event, role: 'http_approver', projectId: endpoint.projectId }, { dataKey: settings.dataKey, ttlSeconds: settings.approvalTtlSeconds }, now);
  if (!result.ok) {
    switch (result.error.kind) {
      case 'not_found':
        return c.json(errorBody('not_found', 'no such request for this approver'), 404);
      case 'forbidden':
        return c.json(errorBody('forbidden', `this request needs the project's owner (mode ${result.error.mode})`), 403);
      case 'expired':
        return c.json({ ...errorBody('failed_precondition', 'the request expired before this decision'), approval_state: 'expired' }, 410);
      case 'already_decided':
        return c.json({ ...errorBody('conflict', 'already decided'), approval_state: result.error.request.state, decided_by: result.error.request.decidedBy }, 409);
    }
  }
  c.executionCtx.waitUntil(effects.run(result.effects, c.var.log));
  c.var.log.info('approval decided', { requestId: result.request.id, state: result.request.state, channel: 'http_approver', endpointId: endpoint.id });
  return c.json({ approval_request_id: result.request.id, approval_state: result.request.state, decided_by: result.request.decidedBy });
});

