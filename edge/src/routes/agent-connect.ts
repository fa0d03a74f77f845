import { decodeAgentFrame, MAX_FRAME_BYTES, type EdgeFrame } from '@stageline/protocol';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { agentHubOf } from '../composition/durable-objects.ts';
import { storableFrame as storable } from '../db/jsonb.ts';
import type { Effect } from '../domain/effects.ts';
import { handleAgentFrame, type AgentSession } from '../domain/handle-agent-frame.ts';
import type { AgentIdentity, AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

/** At most this many frames per HTTP fallback batch. */
const MAX_BATCH_FRAMES = 200;

/**
 * Cluster-agent entry points: the outbound WebSocket (routed to the cluster's
 * AgentHub) and the HTTP fallback used while the socket is down. The caller
 * is authenticated by `withAgent` (composition/middleware.ts).
 */
export const agentConnect = new Hono<AppEnv>()
  .get('/agent/connect', async (c) => {
    const auth = c.var.agent;
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.json(errorBody('invalid_argument', 'expected a WebSocket upgrade'), 426);
    }
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-stageline-cluster-id', auth.clusterId);
    headers.set('x-stageline-instance-id', auth.instanceId);
    return agentHubOf(c.env, auth.clusterId).fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  })
  .post('/agent/v1/frames', async (c) => {
    const text = await c.req.text();
    if (text.length > MAX_FRAME_BYTES * 4) {
      return c.json(errorBody('payload_too_large', 'frame batch too large'), 413);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return c.json(errorBody('invalid_argument', 'body is not valid JSON'), 400);
    }
    const frames = typeof raw === 'object' && raw !== null && 'frames' in raw ? raw.frames : undefined;
    if (!Array.isArray(frames) || frames.length > MAX_BATCH_FRAMES) {
      return c.json(errorBody('invalid_argument', `body must be { frames: [...] } with at most ${MAX_BATCH_FRAMES} frames`, 'frames'), 400);
    }
    return c.json({ frames: await handleBatch(c, c.var.agent, frames) });
  });

async function handleBatch(c: Context<AppEnv>, auth: AgentIdentity, frames: unknown[]): Promise<EdgeFrame[]> {
  const { settings, effects } = c.var.root;
  let session: AgentSession = { ...auth, helloDone: false };
  const replies: EdgeFrame[] = [];
  const after: Effect[] = [];
  for (const frame of frames) {
    const decoded = decodeAgentFrame(JSON.stringify(frame));
    if (!decoded.ok) {
      replies.push({ type: 'error', code: decoded.error.code, message: decoded.error.message, ...(decoded.error.ref ? { ref: decoded.error.ref } : {}) });
      continue;
    }
    let result: Awaited<ReturnType<typeof handleAgentFrame>>;
    try {
      // Frame strings (log lines, versions) may hold NUL or lone surrogates, which Postgres refuses.
      result = await handleAgentFrame(storable(decoded.value), session, { ...settings, leaseTtlSeconds: settings.runLeaseTtlSeconds, db: c.var.db, now: new Date() });
    } catch (error) {
      // As on the socket: this frame is answered `internal` and may be re-sent; the rest of the batch goes on.
      c.var.log.error('agent frame failed', { clusterId: auth.clusterId, frame: decoded.value.type, error });
      replies.push({ type: 'error', ref: decoded.value.id, code: 'internal', message: 'frame could not be applied; re-send later' });
      continue;
    }
    session = result.session;
    replies.push(...result.replies);
    after.push(...result.effects);
    if (result.close) {
      break;
    }
  }
  c.executionCtx.waitUntil(effects.run(after, c.var.log));
  return replies;
}
