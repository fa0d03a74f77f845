import { decodeAgentFrame, MAX_FRAME_BYTES, type EdgeFrame } from '@stageline/protocol';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { hashAgentToken, isValidInstanceId, readBearer } from '../auth/agent-token.ts';
import { createDb } from '../db/client.ts';
import { findClusterByTokenHash } from '../db/cluster-repo.ts';
import { enqueueGitHub } from '../domain/enqueue-github.ts';
import { handleAgentFrame, type AgentSession } from '../domain/handle-agent-frame.ts';
import { publishEvents } from '../domain/publish-events.ts';
import { readSettings, type AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

/** At most this many frames per HTTP fallback batch. */
const MAX_BATCH_FRAMES = 200;

type Authed = { clusterId: string; instanceId: string } | Response;

/** Bearer cluster token -> cluster id; 401 without detail on any mismatch. */
async function authenticate(c: Context<AppEnv>): Promise<Authed> {
  const token = readBearer(c.req.header('authorization'));
  const instanceId = c.req.header('x-stageline-instance-id');
  if (token === null) {
    return c.json(errorBody('unauthorized', 'missing or malformed cluster token'), 401, { 'WWW-Authenticate': 'Bearer' });
  }
  if (!isValidInstanceId(instanceId)) {
    return c.json(errorBody('invalid_argument', 'missing or malformed X-Stageline-Instance-Id', 'x-stageline-instance-id'), 400);
  }
  const handle = createDb(c.env);
  try {
    const cluster = await findClusterByTokenHash(handle.db, await hashAgentToken(token));
    if (cluster === null) {
      return c.json(errorBody('unauthorized', 'unknown cluster token'), 401, { 'WWW-Authenticate': 'Bearer' });
    }
    return { clusterId: cluster.id, instanceId };
  } finally {
    c.executionCtx.waitUntil(handle.close());
  }
}

/**
 * Cluster-agent entry points: the outbound WebSocket (routed to the cluster's
 * AgentHub) and the HTTP fallback used while the socket is down.
 */
export const agentConnect = new Hono<AppEnv>()
  .get('/agent/connect', async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) {
      return auth;
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.json(errorBody('invalid_argument', 'expected a WebSocket upgrade'), 426);
    }
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-stageline-cluster-id', auth.clusterId);
    headers.set('x-stageline-instance-id', auth.instanceId);
    const hub = c.env.AGENT_HUB.get(c.env.AGENT_HUB.idFromName(auth.clusterId));
    return hub.fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  })
  .post('/agent/v1/frames', async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) {
      return auth;
    }
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
    return c.json({ frames: await handleBatch(c, auth, frames) });
  });

async function handleBatch(c: Context<AppEnv>, auth: { clusterId: string; instanceId: string }, frames: unknown[]): Promise<EdgeFrame[]> {
  const settings = readSettings(c.env);
  const handle = createDb(c.env);
  let session: AgentSession = { ...auth, helloDone: false };
  const replies: EdgeFrame[] = [];
  try {
    for (const frame of frames) {
      const decoded = decodeAgentFrame(JSON.stringify(frame));
      if (!decoded.ok) {
        replies.push({ type: 'error', code: decoded.error.code, message: decoded.error.message, ...(decoded.error.ref ? { ref: decoded.error.ref } : {}) });
        continue;
      }
      const result = await handleAgentFrame(decoded.value, session, { ...settings, leaseTtlSeconds: settings.runLeaseTtlSeconds, db: handle.db, now: new Date() });
      session = result.session;
      replies.push(...result.replies);
      c.executionCtx.waitUntil(publishEvents(c.env, result.events));
      if (result.github !== undefined && result.github.length > 0) {
        c.executionCtx.waitUntil(enqueueGitHub(c.env, result.github, c.var.log));
      }
      if (result.close) {
        break;
      }
    }
    return replies;
  } finally {
    c.executionCtx.waitUntil(handle.close());
  }
}
