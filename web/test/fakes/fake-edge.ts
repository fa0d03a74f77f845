/**
 * A stateful stand-in for the edge Worker, enough for the console:
 *
 *   GET  /api/v1/staff/runs?limit=N     { items: Run[] newest first, last_event_id }
 *   WS   /api/v1/realtime?last_event_id  replay of events with a greater id, then
 *                                        { type: 'ready', last_event_id }; `reset` when the
 *                                        cursor is older than the retained log; `ping` → `pong`
 *   GET  anything else                   the built console from `distDir` (SPA fallback)
 *
 * Every change to a run bumps its `version`, appends a `run.status` event to the
 * log and broadcasts it to connected sockets, like the edge's event log + Channel
 * Durable Object (docs/domain.md §8.4). Tests can drop sockets, refuse new
 * ones (an outage) and prune the log (retention) to exercise the client rules.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Run } from '../../src/lib/run.ts';

type LoggedEvent = { id: number; topic: string; payload: { run: Run } };

export type FakeEdge = {
  readonly url: string;
  /** The `last_event_id` of every realtime connection attempt, in order (including refused ones). */
  readonly realtimeCursors: readonly string[];
  readonly connectedSockets: () => number;
  readonly headEventId: () => number;
  /** Inserts or changes a run: version + 1, new `updated_at`, one event, broadcast. */
  upsertRun(run: Omit<Run, 'version' | 'updated_at'> & Partial<Pick<Run, 'version' | 'updated_at'>>): Run;
  updateRun(id: string, changes: Partial<Run>): Run;
  /** Sends an arbitrary event frame to every socket without logging it (duplicates, stale versions). */
  broadcastRaw(frame: unknown): void;
  /** Terminates every socket abruptly (no close frame), like an edge deploy. */
  killSockets(): void;
  /** While refusing, upgrade requests are destroyed before the handshake. */
  refuseSockets(refuse: boolean): void;
  /** Forgets events up to and including `id`; older cursors get `reset`. */
  pruneEventsThrough(id: number): void;
  close(): Promise<void>;
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export async function startFakeEdge(options: { distDir: string; runs?: Run[]; firstEventId?: number }): Promise<FakeEdge> {
  const runs = new Map<string, Run>();
  const events: LoggedEvent[] = [];
  const cursors: string[] = [];
  let head = options.firstEventId ?? 100;
  let retainedAfter = 0;
  let refusing = false;

  for (const run of options.runs ?? []) {
    runs.set(run.id, run);
  }

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: String(error) } }));
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-edge');
    if (url.pathname === '/api/v1/staff/runs') {
      const limit = Number(url.searchParams.get('limit') ?? '20');
      const items = [...runs.values()]
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .slice(0, limit);
      sendJson(res, 200, { items, last_event_id: head });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      sendJson(res, 404, { error: { code: 'not_found', message: `No route ${url.pathname}` } });
      return;
    }
    await serveStatic(url.pathname, res);
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    const file = join(options.distDir, relative === '' ? 'index.html' : relative);
    if (!file.startsWith(options.distDir + sep) && file !== options.distDir) {
      res.writeHead(403).end();
      return;
    }
    const found = await readFile(file).catch(() => null);
    const body = found ?? (await readFile(join(options.distDir, 'index.html')));
    const type = found === null ? CONTENT_TYPES['.html'] : CONTENT_TYPES[extname(file)];
    res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' });
    res.end(body);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake-edge');
    if (url.pathname !== '/api/v1/realtime') {
      socket.destroy();
      return;
    }
    cursors.push(url.searchParams.get('last_event_id') ?? '');
    if (refusing) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, Number(url.searchParams.get('last_event_id'))));
  });

  function onConnection(ws: WebSocket, cursor: number): void {
    ws.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'ping') {
        ws.send('pong');
      }
    });
    if (!Number.isInteger(cursor) || cursor < retainedAfter) {
      ws.send(JSON.stringify({ type: 'reset' }));
      return;
    }
    for (const event of events) {
      if (event.id > cursor) {
        ws.send(JSON.stringify({ type: 'event', ...event }));
      }
    }
    ws.send(JSON.stringify({ type: 'ready', last_event_id: head }));
  }

  function broadcast(frame: unknown): void {
    const text = JSON.stringify(frame);
    for (const client of wss.clients) {
      if (client.readyState === client.OPEN) {
        client.send(text);
      }
    }
  }

  function record(run: Run): Run {
    runs.set(run.id, run);
    head += 1;
    const event: LoggedEvent = { id: head, topic: 'run.status', payload: { run } };
    events.push(event);
    broadcast({ type: 'event', ...event });
    return run;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    realtimeCursors: cursors,
    connectedSockets: () => wss.clients.size,
    headEventId: () => head,
    upsertRun(input) {
      const held = runs.get(input.id);
      return record({
        ...input,
        version: input.version ?? (held?.version ?? 0) + 1,
        updated_at: input.updated_at ?? new Date().toISOString(),
      });
    },
    updateRun(id, changes) {
      const held = runs.get(id);
      if (held === undefined) {
        throw new Error(`fake edge: no run ${id}`);
      }
      return record({ ...held, ...changes, version: held.version + 1, updated_at: new Date().toISOString() });
    },
    broadcastRaw: broadcast,
    killSockets() {
      for (const client of wss.clients) {
        client.terminate();
      }
    },
    refuseSockets(refuse) {
      refusing = refuse;
    },
    pruneEventsThrough(id) {
      retainedAfter = id;
      events.splice(0, events.length, ...events.filter((event) => event.id > id));
    },
    async close() {
      for (const client of wss.clients) {
        client.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
