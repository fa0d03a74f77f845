/**
 * A stateful stand-in for the edge Worker, enough for the console:
 *
 *   GET  /auth/github/login?return_to   the edge + GitHub round trip in one step: starts a
 *                                        session (cookies) and redirects to `return_to`; or,
 *                                        while `denySignIn(true)`, to `/?signin_error=access_denied`
 *   POST /auth/refresh                   a new session cookie (X-CSRF-Token required)
 *   POST /auth/logout                    revokes the session, clears the cookies, 204
 *   GET  /api/v1/staff/me                the configured person and projects
 *   GET  /api/v1/staff/runs?limit=N      { items: Run[] newest first, last_event_id } of the caller's projects
 *   GET  /api/v1/staff/inbox             open approvals and questions of the caller's projects
 *   POST /api/v1/staff/approvals/:id/decision, /api/v1/staff/questions/:id/answer
 *   WS   /api/v1/realtime?last_event_id&project
 *                                        replay of the project's events with a greater id, then
 *                                        { type: 'ready', last_event_id }; `reset` when the
 *                                        cursor is older than the retained log; `ping` → `pong`
 *   GET  anything else                   the built console from `distDir` (SPA fallback)
 *
 * Like the edge's `withStaff`, every `/api/v1/staff/*` call and the socket need
 * the `stageline_session` cookie (401 `unauthorized` without a live session,
 * 401 `session_expired` once `expireSessions()` ran), and every POST needs
 * `X-CSRF-Token` equal to the session's `stageline_csrf` cookie (403 otherwise).
 * Platform admins may open the socket without `project`; members must name a
 * project of theirs.
 *
 * Every change to a run bumps its `version`, appends a `run.status` event to the
 * log and broadcasts it to the sockets of the run's project (and the admins'),
 * like the edge's event log + Channel Durable Objects (docs/domain.md §8.4).
 * Tests can drop sockets, refuse new ones (an outage) and prune the log
 * (retention) to exercise the client rules.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApprovalView, InboxApproval, InboxQuestion } from '../../src/lib/inbox-api.ts';
import type { Run } from '../../src/lib/run.ts';
import type { Me } from '../../src/lib/staff-me.ts';

type LoggedEvent = { id: number; topic: string; payload: { run: Run } };

/** The project of `makeRun()` and `makeApproval()` rows. */
export const DEFAULT_PROJECT_ID = 'b9d6e1c2-0000-4000-8000-000000000001';

export const DEFAULT_USER: Me = {
  login: 'octocat',
  name: 'The Octocat',
  avatar_url: null,
  platform_admin: false,
  projects: [{ id: DEFAULT_PROJECT_ID, slug: 'acme', name: 'Acme', role: 'read_write' }],
};

export const SESSION_COOKIE = 'stageline_session';
export const CSRF_COOKIE = 'stageline_csrf';
export const REFRESH_COOKIE = 'stageline_refresh';

/** One call the fake answered under `/api/` or `/auth/`, with what it answered. */
export type ApiCall = { method: string; path: string; status: number; code: string | null };

/** A state-changing call as the fake received it, with the CSRF header it carried. */
export type RecordedPost = { path: string; body: unknown; csrf: string | null };

export type FakeEdge = {
  readonly url: string;
  /** The `last_event_id` of every realtime connection attempt, in order (including refused ones). */
  readonly realtimeCursors: readonly string[];
  /** Every realtime attempt: its cursor and `project` (null without one), and how it was answered. */
  readonly realtimeRequests: readonly { lastEventId: string; project: string | null; status: number }[];
  readonly apiCalls: readonly ApiCall[];
  /** `return_to` of every sign-in that went through. */
  readonly signIns: readonly string[];
  readonly refreshes: readonly RecordedPost[];
  readonly logouts: readonly RecordedPost[];
  readonly decisions: readonly RecordedPost[];
  readonly answers: readonly RecordedPost[];
  readonly connectedSockets: () => number;
  readonly headEventId: () => number;
  /** The CSRF token of the newest session (what the page's cookie holds). */
  readonly csrfToken: () => string | null;
  setUser(user: Me): void;
  /** While denying, sign-in comes back as a cancel on GitHub. */
  denySignIn(deny: boolean): void;
  /** Every session JWT issued so far runs out: the next staff call gets 401 `session_expired`. */
  expireSessions(): void;
  /** Ends every session on the server side: refresh answers 401. */
  revokeSessions(): void;
  addApproval(item: InboxApproval): void;
  addQuestion(item: InboxQuestion): void;
  /** Someone else (another tab, Telegram) decides first. */
  decideElsewhere(requestId: string, by: string, state?: 'approved' | 'denied'): void;
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

export type FakeEdgeOptions = {
  distDir: string;
  runs?: Run[];
  firstEventId?: number;
  user?: Me;
  approvals?: InboxApproval[];
  questions?: InboxQuestion[];
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

type Session = { id: string; csrf: string; refresh: string; revoked: boolean };
type Token = { sessionId: string; expired: boolean };
type Caller = { session: Session; user: Me };
type Refusal = { status: number; code: string; message: string };

export async function startFakeEdge(options: FakeEdgeOptions): Promise<FakeEdge> {
  const runs = new Map<string, Run>();
  const events: LoggedEvent[] = [];
  const cursors: string[] = [];
  const realtimeRequests: { lastEventId: string; project: string | null; status: number }[] = [];
  const apiCalls: ApiCall[] = [];
  const signIns: string[] = [];
  const refreshes: RecordedPost[] = [];
  const logouts: RecordedPost[] = [];
  const decisions: RecordedPost[] = [];
  const answers: RecordedPost[] = [];
  const sessions = new Map<string, Session>();
  const tokens = new Map<string, Token>();
  const approvals = new Map<string, InboxApproval>();
  const questions = new Map<string, InboxQuestion & { answered_by?: string }>();
  /** The project each socket follows; `null` for a platform admin's socket of every project. */
  const socketProjects = new Map<WebSocket, string | null>();
  let user = options.user ?? DEFAULT_USER;
  let head = options.firstEventId ?? 100;
  let retainedAfter = 0;
  let refusing = false;
  let denying = false;
  let newestCsrf: string | null = null;

  for (const run of options.runs ?? []) {
    runs.set(run.id, run);
  }
  for (const item of options.approvals ?? []) {
    approvals.set(item.request_id, item);
  }
  for (const item of options.questions ?? []) {
    questions.set(item.interaction_id, item);
  }

  const canRead = (projectId: string): boolean => user.platform_admin || user.projects.some((project) => project.id === projectId);

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: String(error) } }));
    });
  });

  /** `withStaff`: the caller behind the session cookie, or why not. */
  function authenticate(req: IncomingMessage): Caller | Refusal {
    const token = readCookies(req)[SESSION_COOKIE];
    const held = token === undefined ? undefined : tokens.get(token);
    const session = held === undefined ? undefined : sessions.get(held.sessionId);
    if (held === undefined || session === undefined) {
      return { status: 401, code: 'unauthorized', message: 'sign in first' };
    }
    // Like the edge: the JWT's expiry is checked before the session row.
    if (held.expired) {
      return { status: 401, code: 'session_expired', message: 'the session expired; refresh it' };
    }
    if (session.revoked) {
      return { status: 401, code: 'unauthorized', message: 'the session has ended; sign in again' };
    }
    if (req.method !== 'GET' && req.headers['x-csrf-token'] !== session.csrf) {
      return { status: 403, code: 'forbidden', message: 'missing or wrong X-CSRF-Token' };
    }
    return { session, user };
  }

  function startSession(res: ServerResponse): Session {
    const session: Session = { id: randomUUID(), csrf: secret(), refresh: secret(), revoked: false };
    sessions.set(session.id, session);
    newestCsrf = session.csrf;
    issueCookies(res, session, true);
    return session;
  }

  function issueCookies(res: ServerResponse, session: Session, withRefresh: boolean): void {
    const token = secret();
    tokens.set(token, { sessionId: session.id, expired: false });
    const cookies = [`${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`, `${CSRF_COOKIE}=${session.csrf}; Path=/; SameSite=Strict`];
    if (withRefresh) {
      cookies.push(`${REFRESH_COOKIE}=${session.id}.${session.refresh}; Path=/auth; HttpOnly; SameSite=Strict`);
    }
    res.setHeader('set-cookie', cookies);
  }

  function clearCookies(res: ServerResponse): void {
    res.setHeader('set-cookie', [
      `${SESSION_COOKIE}=; Path=/; Max-Age=0`,
      `${CSRF_COOKIE}=; Path=/; Max-Age=0`,
      `${REFRESH_COOKIE}=; Path=/auth; Max-Age=0`,
    ]);
  }

  /** The session named by the refresh cookie (sent to `/auth/*` only). */
  function sessionOfRefresh(req: IncomingMessage): Session | null {
    const [id, refresh] = (readCookies(req)[REFRESH_COOKIE] ?? '').split('.');
    const session = id === undefined ? undefined : sessions.get(id);
    return session !== undefined && session.refresh === refresh ? session : null;
  }

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-edge');
    const path = url.pathname;
    const send = (status: number, body: unknown): void => {
      const code = isErrorBody(body) ? body.error.code : null;
      apiCalls.push({ method: req.method ?? 'GET', path, status, code });
      sendJson(res, status, body);
    };
    const refuse = (status: number, code: string, message: string): void => send(status, { error: { code, message } });

    if (path === '/auth/github/login' && req.method === 'GET') {
      if (denying) {
        res.writeHead(302, { location: '/?signin_error=access_denied' }).end();
        return;
      }
      const returnTo = toSafeReturnPath(url.searchParams.get('return_to'));
      signIns.push(returnTo);
      startSession(res);
      res.writeHead(302, { location: returnTo, 'cache-control': 'no-store' }).end();
      return;
    }
    if (path === '/auth/refresh' && req.method === 'POST') {
      const session = sessionOfRefresh(req);
      const csrf = headerOf(req, 'x-csrf-token');
      refreshes.push({ path, body: null, csrf });
      if (session === null || session.revoked) {
        clearCookies(res);
        refuse(401, 'unauthorized', 'the session has ended; sign in again');
        return;
      }
      if (csrf !== session.csrf) {
        refuse(403, 'forbidden', 'missing or wrong X-CSRF-Token');
        return;
      }
      issueCookies(res, session, false);
      send(200, { expires_at: new Date(Date.now() + 900_000).toISOString() });
      return;
    }
    if (path === '/auth/logout' && req.method === 'POST') {
      const session = sessionOfRefresh(req);
      const csrf = headerOf(req, 'x-csrf-token');
      logouts.push({ path, body: null, csrf });
      if (session !== null && csrf !== session.csrf) {
        refuse(403, 'forbidden', 'missing or wrong X-CSRF-Token');
        return;
      }
      if (session !== null) {
        session.revoked = true;
      }
      clearCookies(res);
      apiCalls.push({ method: 'POST', path, status: 204, code: null });
      res.writeHead(204).end();
      return;
    }
    if (path.startsWith('/auth/')) {
      refuse(404, 'not_found', `No route ${path}`);
      return;
    }
    if (path.startsWith('/api/v1/staff/')) {
      const caller = authenticate(req);
      if ('code' in caller) {
        refuse(caller.status, caller.code, caller.message);
        return;
      }
      await handleStaff(req, url, caller, send, refuse);
      return;
    }
    if (path.startsWith('/api/')) {
      refuse(404, 'not_found', `No route ${path}`);
      return;
    }
    await serveStatic(path, res);
  }

  async function handleStaff(
    req: IncomingMessage,
    url: URL,
    caller: Caller,
    send: (status: number, body: unknown) => void,
    refuse: (status: number, code: string, message: string) => void,
  ): Promise<void> {
    const path = url.pathname;
    if (path === '/api/v1/staff/me' && req.method === 'GET') {
      send(200, caller.user);
      return;
    }
    if (path === '/api/v1/staff/runs' && req.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? '20');
      const items = [...runs.values()]
        .filter((run) => canRead(run.project_id))
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .slice(0, limit);
      send(200, { items, last_event_id: head });
      return;
    }
    if (path === '/api/v1/staff/inbox' && req.method === 'GET') {
      send(200, {
        approvals: [...approvals.values()].filter((item) => item.approval_state === 'pending' && canRead(item.run.project_id)),
        questions: [...questions.values()]
          .filter((item) => item.answered_by === undefined && canRead(item.run.project_id))
          .map(({ answered_by: _answered, ...item }) => item),
      });
      return;
    }
    const decision = /^\/api\/v1\/staff\/approvals\/([^/]+)\/decision$/.exec(path);
    if (decision !== null && req.method === 'POST') {
      const body = await readBody(req);
      const item = approvals.get(decodeURIComponent(decision[1] ?? ''));
      decisions.push({ path, body, csrf: headerOf(req, 'x-csrf-token') });
      if (item === undefined || !canRead(item.run.project_id)) {
        refuse(404, 'not_found', 'approval request not found');
        return;
      }
      const choice = isRecordLike(body) ? body['decision'] : undefined;
      const reason = isRecordLike(body) ? body['reason'] : undefined;
      if ((choice !== 'approve' && choice !== 'deny') || (reason !== undefined && (typeof reason !== 'string' || reason.length > 500))) {
        refuse(400, 'invalid_argument', 'decision must be approve or deny; reason at most 500 characters');
        return;
      }
      if (!item.may_decide) {
        refuse(403, 'forbidden', `this request's mode (${item.approval_mode}) does not let your role decide`);
        return;
      }
      if (item.approval_state !== 'pending') {
        send(409, {
          error: { code: 'conflict', message: `already decided by ${item.decided_by ?? 'someone'} (${item.approval_state})` },
          request: toView(item),
        });
        return;
      }
      const decided: InboxApproval = {
        ...item,
        approval_state: choice === 'approve' ? 'approved' : 'denied',
        decided_by: `console:${caller.user.login}`,
        decided_at: new Date().toISOString(),
        channel: 'console',
        reason: typeof reason === 'string' ? reason : null,
      };
      approvals.set(item.request_id, decided);
      send(200, toView(decided));
      return;
    }
    const answer = /^\/api\/v1\/staff\/questions\/([^/]+)\/answer$/.exec(path);
    if (answer !== null && req.method === 'POST') {
      const body = await readBody(req);
      const item = questions.get(decodeURIComponent(answer[1] ?? ''));
      answers.push({ path, body, csrf: headerOf(req, 'x-csrf-token') });
      if (item === undefined || !canRead(item.run.project_id)) {
        refuse(404, 'not_found', 'question not found');
        return;
      }
      if (!item.may_answer) {
        refuse(403, 'forbidden', `this question is for @${item.recipient_login ?? 'nobody'}`);
        return;
      }
      if (item.answered_by !== undefined) {
        refuse(409, 'conflict', `already answered by @${item.answered_by}`);
        return;
      }
      const optionId = isRecordLike(body) ? body['option_id'] : undefined;
      const text = isRecordLike(body) ? body['text'] : undefined;
      const valid =
        (typeof optionId === 'string' && item.options.some((option) => option.id === optionId)) ||
        (typeof text === 'string' && text.length > 0 && item.allow_free_text);
      if (!valid) {
        refuse(400, 'invalid_argument', 'not accepted: unknown option or free text not allowed');
        return;
      }
      questions.set(item.interaction_id, { ...item, answered_by: caller.user.login });
      send(200, { interaction_id: item.interaction_id, state: 'answered', response: isRecordLike(body) ? body : {} });
      return;
    }
    refuse(404, 'not_found', `No route ${path}`);
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

  server.on('upgrade', (req, socket, upgradeHead) => {
    const url = new URL(req.url ?? '/', 'http://fake-edge');
    if (url.pathname !== '/api/v1/realtime') {
      socket.destroy();
      return;
    }
    const lastEventId = url.searchParams.get('last_event_id') ?? '';
    const project = url.searchParams.get('project');
    const answered = (status: number): void => {
      realtimeRequests.push({ lastEventId, project, status });
    };
    cursors.push(lastEventId);
    if (refusing) {
      answered(0);
      socket.destroy();
      return;
    }
    const caller = authenticate(req);
    if ('code' in caller) {
      answered(caller.status);
      refuseUpgrade(socket, caller.status);
      return;
    }
    if (project === null ? !user.platform_admin : !canRead(project)) {
      // 400 without a project for a member, 404 for a project that is not theirs, as the edge answers.
      const status = project === null ? 400 : 404;
      answered(status);
      refuseUpgrade(socket, status);
      return;
    }
    answered(101);
    wss.handleUpgrade(req, socket, upgradeHead, (ws) => onConnection(ws, Number(lastEventId), project));
  });

  function onConnection(ws: WebSocket, cursor: number, project: string | null): void {
    socketProjects.set(ws, project);
    ws.on('close', () => socketProjects.delete(ws));
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
      if (event.id > cursor && follows(project, event)) {
        ws.send(JSON.stringify({ type: 'event', ...event }));
      }
    }
    ws.send(JSON.stringify({ type: 'ready', last_event_id: head }));
  }

  /** Sends a frame to every open socket whose channel carries it (`event` null: every socket). */
  function broadcast(frame: unknown, event: LoggedEvent | null = null): void {
    const text = JSON.stringify(frame);
    for (const client of wss.clients) {
      if (client.readyState === client.OPEN && (event === null || follows(socketProjects.get(client) ?? null, event))) {
        client.send(text);
      }
    }
  }

  function record(run: Run): Run {
    runs.set(run.id, run);
    head += 1;
    const event: LoggedEvent = { id: head, topic: 'run.status', payload: { run } };
    events.push(event);
    broadcast({ type: 'event', ...event }, event);
    return run;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    realtimeCursors: cursors,
    realtimeRequests,
    apiCalls,
    signIns,
    refreshes,
    logouts,
    decisions,
    answers,
    connectedSockets: () => wss.clients.size,
    headEventId: () => head,
    csrfToken: () => newestCsrf,
    setUser(next) {
      user = next;
    },
    denySignIn(deny) {
      denying = deny;
    },
    expireSessions() {
      for (const token of tokens.values()) {
        token.expired = true;
      }
    },
    revokeSessions() {
      for (const session of sessions.values()) {
        session.revoked = true;
      }
    },
    addApproval(item) {
      approvals.set(item.request_id, item);
    },
    addQuestion(item) {
      questions.set(item.interaction_id, item);
    },
    decideElsewhere(requestId, by, state = 'approved') {
      const item = approvals.get(requestId);
      if (item === undefined) {
        throw new Error(`fake edge: no approval ${requestId}`);
      }
      approvals.set(requestId, { ...item, approval_state: state, decided_by: by, decided_at: new Date().toISOString(), channel: 'telegram' });
    },
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
    broadcastRaw: (frame) => broadcast(frame),
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

/** A project socket carries its project's events; an admin's (`null`) carries all. */
function follows(project: string | null, event: LoggedEvent): boolean {
  return project === null || event.payload.run.project_id === project;
}

function toView(item: InboxApproval): ApprovalView {
  const { created_at: _created, run: _run, may_decide: _may, ...view } = item;
  return view;
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** Own paths only, like `safeReturnPath` in the policy package; anything else becomes `/`. */
function toSafeReturnPath(raw: string | null): string {
  return raw !== null && raw.startsWith('/') && !raw.startsWith('//') && !/[\\\s]/.test(raw) ? raw : '/';
}

function readCookies(req: IncomingMessage): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) {
      cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
  }
  return cookies;
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    // Malformed JSON: the handler answers 400 for a body that is not an object.
    return text;
  }
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorBody(body: unknown): body is { error: { code: string } } {
  return isRecordLike(body) && isRecordLike(body['error']) && typeof body['error']['code'] === 'string';
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
