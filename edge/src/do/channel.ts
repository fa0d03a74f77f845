import { DurableObject } from 'cloudflare:workers';
import { createEdgeRoot } from '../composition/root.ts';
import { eventsAfter, latestEventId, oldestEventId, type RealtimeEvent } from '../db/realtime-repo.ts';
import { ACCESS_ENDED_CLOSE_CODE, CATCH_UP_DELAY_MS, MAX_REPLAY, ownerTag, parseCatchUp, parseLastEventId, parseScope, planReplay, toEventMessage, type ServerMessage, type SocketOwner } from './channel-state.ts';
import { closeInReply } from '../lib/ws-close.ts';

/**
 * Console fan-out, one per scope (a project, or `all` for platform admins;
 * routes/realtime.ts checks who may join). Holds hibernatable WebSockets; a
 * new socket first gets the scope's events it missed from Postgres, then
 * live ones.
 */
export class Channel extends DurableObject<Env> {
  private readonly root = createEdgeRoot(this.env, { component: 'channel' });
  private readonly log = this.root.log;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  override async fetch(req: Request): Promise<Response> {
    const params = new URL(req.url).searchParams;
    const lastEventId = parseLastEventId(params.get('last_event_id'));
    const scope = parseScope(params.get('scope'));
    if (lastEventId === null || scope === null) {
      return Response.json({ error: { code: 'invalid_argument', message: 'last_event_id must be a non-negative integer and scope a channel' } }, { status: 400 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    // The route names the owner (never the client: it sets these after the caller's own query).
    const login = params.get('login');
    const sessionId = params.get('session');
    const owners = [...(login ? [ownerTag({ login })] : []), ...(sessionId ? [ownerTag({ sessionId })] : [])];
    this.ctx.acceptWebSocket(server, ['console', ...owners]);
    const latest = await this.replay(server, scope, lastEventId);
    if (latest !== null) {
      // Publishers that saw no console may still skip events committed before this socket counted: replay once more later.
      server.serializeAttachment({ scope, afterId: latest, at: Date.now() + CATCH_UP_DELAY_MS });
      if ((await this.ctx.storage.getAlarm()) === null) {
        await this.ctx.storage.setAlarm(Date.now() + CATCH_UP_DELAY_MS);
      }
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The catch-up of sockets that connected a moment ago (see `fetch`). Clients drop ids they have seen. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const due: { ws: WebSocket; scope: string; afterId: number }[] = [];
    let next: number | null = null;
    for (const ws of this.ctx.getWebSockets('console')) {
      const pending = parseCatchUp(ws.deserializeAttachment());
      if (pending === null) {
        continue;
      }
      if (pending.at <= now) {
        due.push({ ws, scope: pending.scope, afterId: pending.afterId });
        ws.serializeAttachment(null);
      } else {
        next = Math.min(next ?? pending.at, pending.at);
      }
    }
    if (next !== null) {
      await this.ctx.storage.setAlarm(next);
    }
    if (due.length === 0) {
      return;
    }
    const handle = this.root.openDb();
    try {
      // One object serves one scope, so every socket here shares it.
      const scope = due[0]?.scope ?? '';
      const events = await eventsAfter(handle.db, scope, Math.min(...due.map((d) => d.afterId)), MAX_REPLAY);
      for (const { ws, afterId } of due) {
        for (const event of events) {
          if (event.id > afterId) {
            this.send(ws, JSON.stringify(toEventMessage(event)));
          }
        }
      }
    } catch (error) {
      // The sockets stay; their consoles resume from their cursor on the next reconnect.
      this.log.error('catch-up failed', { error });
    } finally {
      this.ctx.waitUntil(handle.close());
    }
  }

  /** Called by the edge after a commit, with the committed events. */
  async publish(events: RealtimeEvent[]): Promise<number> {
    const sockets = this.ctx.getWebSockets('console');
    for (const event of events) {
      const text = JSON.stringify(toEventMessage(event));
      for (const ws of sockets) {
        this.send(ws, text);
      }
    }
    return sockets.length;
  }

  /** Close the sockets of an owner whose access to this scope ended; answers how many. */
  async closeSockets(owner: SocketOwner, reason: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(ownerTag(owner));
    for (const ws of sockets) {
      try {
        ws.close(ACCESS_ENDED_CLOSE_CODE, reason.slice(0, 120));
      } catch (error) {
        this.log.debug('close of a closed socket', { error });
      }
    }
    return sockets.length;
  }

  /** Sends what the socket missed; answers the latest event id it covered (null: it did not replay). */
  private async replay(ws: WebSocket, scope: string, lastEventId: number): Promise<number | null> {
    const handle = this.root.openDb();
    try {
      const [latest, oldest] = await Promise.all([latestEventId(handle.db), oldestEventId(handle.db)]);
      const plan = planReplay(lastEventId, { latestId: latest, oldestId: oldest });
      if (plan.kind === 'reset') {
        this.send(ws, JSON.stringify({ type: 'reset' } satisfies ServerMessage));
        return null;
      }
      const missed = await eventsAfter(handle.db, scope, plan.afterId, MAX_REPLAY + 100);
      for (const event of missed) {
        this.send(ws, JSON.stringify(toEventMessage(event)));
      }
      this.send(ws, JSON.stringify({ type: 'ready', last_event_id: latest } satisfies ServerMessage));
      return latest;
    } catch (error) {
      this.log.error('replay failed', { error });
      ws.close(1011, 'replay failed');
      return null;
    } finally {
      this.ctx.waitUntil(handle.close());
    }
  }

  private send(ws: WebSocket, text: string): void {
    try {
      ws.send(text);
    } catch (error) {
      // A socket that closed between getWebSockets() and send(): nothing to deliver.
      this.log.debug('send to closed socket', { error });
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Clients only ping (answered by the auto-response); anything else is ignored.
    if (typeof message !== 'string' || message.length > 1024) {
      ws.close(1003, 'unsupported message');
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeInReply(ws, code, reason);
  }
}
