import { DurableObject } from 'cloudflare:workers';
import { createEdgeRoot } from '../composition/root.ts';
import { eventsAfter, latestEventId, oldestEventId, type RealtimeEvent } from '../db/realtime-repo.ts';
import { MAX_REPLAY, parseLastEventId, planReplay, toEventMessage, type ServerMessage } from './channel-state.ts';

/**
 * Console fan-out (one per scope). Holds hibernatable WebSockets; a new
 * socket first gets the events it missed from Postgres, then live ones.
 */
export class Channel extends DurableObject<Env> {
  private readonly root = createEdgeRoot(this.env, { component: 'channel' });
  private readonly log = this.root.log;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  override async fetch(req: Request): Promise<Response> {
    const lastEventId = parseLastEventId(new URL(req.url).searchParams.get('last_event_id'));
    if (lastEventId === null) {
      return Response.json({ error: { code: 'invalid_argument', message: 'last_event_id must be a non-negative integer', field: 'last_event_id' } }, { status: 400 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, ['console']);
    await this.replay(server, lastEventId);
    return new Response(null, { status: 101, webSocket: client });
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

  private async replay(ws: WebSocket, lastEventId: number): Promise<void> {
    const handle = this.root.openDb();
    try {
      const [latest, oldest] = await Promise.all([latestEventId(handle.db), oldestEventId(handle.db)]);
      const plan = planReplay(lastEventId, { latestId: latest, oldestId: oldest });
      if (plan.kind === 'reset') {
        this.send(ws, JSON.stringify({ type: 'reset' } satisfies ServerMessage));
        return;
      }
      const missed = await eventsAfter(handle.db, plan.afterId, MAX_REPLAY + 100);
      for (const event of missed) {
        this.send(ws, JSON.stringify(toEventMessage(event)));
      }
      this.send(ws, JSON.stringify({ type: 'ready', last_event_id: latest } satisfies ServerMessage));
    } catch (error) {
      this.log.error('replay failed', { error });
      ws.close(1011, 'replay failed');
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
    ws.close(code, reason);
  }
}
