import { decodeAgentFrame, type EdgeFrame } from '@stageline/protocol';
import { DurableObject } from 'cloudflare:workers';
import { createEdgeRoot } from '../composition/root.ts';
import { handleAgentFrame } from '../domain/handle-agent-frame.ts';
import { storableFrame as storable } from '../db/jsonb.ts';
import { announceTargets, isGracefulShutdown, parseAgentSession } from './agent-hub-state.ts';
import { markInstanceStopped } from '../db/cluster-repo.ts';
import { closeInReply } from '../lib/ws-close.ts';

/**
 * One per cluster: holds the outbound WebSockets of that cluster's agents
 * (Hibernation API) and moves frames between them and the domain.
 */
export class AgentHub extends DurableObject<Env> {
  private readonly root = createEdgeRoot(this.env, { component: 'agent-hub' });
  private readonly log = this.root.log;
  /** Frames arrive all the time (logs, heartbeats): keep the connection warm. */
  private readonly pool = this.root.warmPool();
  /** Frames of one socket are handled in arrival order. */
  private readonly chains = new WeakMap<WebSocket, Promise<void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** The route authenticated the agent and passes its identity in headers. */
  override async fetch(req: Request): Promise<Response> {
    const clusterId = req.headers.get('x-stageline-cluster-id') ?? '';
    const instanceId = req.headers.get('x-stageline-instance-id') ?? '';
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, ['agent', `instance:${instanceId}`]);
    server.serializeAttachment({ clusterId, instanceId, helloDone: false });
    this.log.info('agent connected', { clusterId, instanceId });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Tell every ready agent that runs are claimable; returns how many heard it. */
  async announce(runIds: string[]): Promise<number> {
    const sockets = this.ctx.getWebSockets('agent').map((socket) => ({ socket, session: parseAgentSession(socket.deserializeAttachment()) }));
    const targets = announceTargets(sockets);
    const text = JSON.stringify({ type: 'run.available', runIds } satisfies EdgeFrame);
    for (const ws of targets) {
      this.trySend(ws, text);
    }
    return targets.length;
  }

  /** A run was canceled: every agent of the cluster hears it (the holder deletes the Job). */
  async cancel(frame: Extract<EdgeFrame, { type: 'run.cancel' }>): Promise<number> {
    return this.broadcast(frame);
  }

  /** Send one frame to every ready agent of the cluster (cancel, issue cleanup). */
  async broadcast(frame: Extract<EdgeFrame, { type: 'run.cancel' | 'issue.cleanup' }>): Promise<number> {
    const sockets = this.ctx.getWebSockets('agent').map((socket) => ({ socket, session: parseAgentSession(socket.deserializeAttachment()) }));
    const targets = announceTargets(sockets);
    const text = JSON.stringify(frame);
    for (const ws of targets) {
      this.trySend(ws, text);
    }
    return targets.length;
  }

  /**
   * One frame for one agent: `preferred` (a run's lease holder) when it is
   * ready here, else the first ready agent; 0 when none is connected (the
   * sender's sweep tries again).
   */
  async sendOne(preferred: string | null, frame: Extract<EdgeFrame, { type: 'secret.apply' | 'database.apply' }>): Promise<number> {
    const sockets = this.ctx.getWebSockets('agent').map((socket) => ({ socket, session: parseAgentSession(socket.deserializeAttachment()) }));
    const ready = announceTargets(sockets);
    const chosen = ready.find((ws) => parseAgentSession(ws.deserializeAttachment())?.instanceId === preferred) ?? ready[0];
    if (chosen === undefined) {
      return 0;
    }
    this.trySend(chosen, JSON.stringify(frame));
    return 1;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const previous = this.chains.get(ws) ?? Promise.resolve();
    const next = previous.then(() => this.handle(ws, message));
    this.chains.set(ws, next);
    await next;
  }

  private async handle(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const session = parseAgentSession(ws.deserializeAttachment());
    if (session === null) {
      ws.close(1011, 'lost session');
      return;
    }
    if (typeof message !== 'string') {
      this.reply(ws, [{ type: 'error', code: 'malformed_frame', message: 'frames are JSON text' }]);
      return;
    }
    const decoded = decodeAgentFrame(message);
    if (!decoded.ok) {
      this.log.warn('bad agent frame', { clusterId: session.clusterId, instanceId: session.instanceId, code: decoded.error.code });
      this.reply(ws, [{ type: 'error', code: decoded.error.code, message: decoded.error.message, ...(decoded.error.ref ? { ref: decoded.error.ref } : {}) }]);
      return;
    }
    const { settings } = this.root;
    try {
      // Frame strings (log lines, versions) may hold NUL or lone surrogates, which Postgres refuses.
      const result = await handleAgentFrame(storable(decoded.value), session, { ...settings, leaseTtlSeconds: settings.runLeaseTtlSeconds, db: this.pool.db(), now: new Date() });
      ws.serializeAttachment(result.session);
      this.reply(ws, result.replies);
      if (result.effects.length > 0) {
        this.ctx.waitUntil(this.root.effects.run(result.effects));
      }
      if (result.close) {
        ws.close(result.close.code, result.close.reason);
      }
    } catch (error) {
      this.log.error('agent frame failed', { clusterId: session.clusterId, frame: decoded.value.type, error });
      this.reply(ws, [{ type: 'error', ref: decoded.value.id, code: 'internal', message: 'frame could not be applied; re-send later' }]);
      this.ctx.waitUntil(this.pool.reset());
    }
  }

  private reply(ws: WebSocket, frames: EdgeFrame[]): void {
    for (const frame of frames) {
      this.trySend(ws, JSON.stringify(frame));
    }
  }

  private trySend(ws: WebSocket, text: string): void {
    try {
      ws.send(text);
    } catch (error) {
      // The agent went away; it re-sends unacknowledged frames when it is back.
      this.log.debug('send to closed agent socket', { error });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const session = parseAgentSession(ws.deserializeAttachment());
    this.log.info('agent disconnected', { clusterId: session?.clusterId, instanceId: session?.instanceId, code });
    closeInReply(ws, code, reason);
    if (session !== null && isGracefulShutdown(code)) {
      // The agent said it is going away (pod stop): its runs may be taken over now,
      // not after the instance TTL. Jobs keep running and are adopted.
      await markInstanceStopped(this.pool.db(), session.instanceId).catch((error: unknown) => {
        // Without the mark the instance still expires after its TTL; only the takeover is slower.
        this.log.warn('could not mark instance stopped', { instanceId: session.instanceId, error });
        this.ctx.waitUntil(this.pool.reset());
      });
    }
  }
}
