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
 * Inbox items change silently (a test can stage a race); `announceInboxChange`
 * logs and broadcasts the `inbox.changed` event the edge would write.
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
// Operations screens (see the section at the end of the file).
import { DEFAULT_LABEL_CATALOG, parseAgentSettings, parseApprovalOverrides, withLabelNames } from '@stageline/policy';
import type { DeadWrite, ParkedDelivery } from '../../src/lib/held-api.ts';
import type { Cluster, OpsRun, QueueHistory, QueueItem, RefusedDelivery } from '../../src/lib/ops-api.ts';
import type { Project } from '../../src/lib/projects-api.ts';
import type { Run } from '../../src/lib/run.ts';
import type { Me } from '../../src/lib/staff-me.ts';

/** One row of the event log; `projectId` says which sockets carry it and is not on the wire. */
type LoggedEvent = { id: number; topic: string; payload: unknown; projectId: string };

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
  /** Logs and broadcasts `inbox.changed` for an item, with its current state, as the edge does for every change. */
  announceInboxChange(item: InboxApproval | InboxQuestion): void;
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
  /** Runs and run page: logs, timelines and recorded cancels (see the runs section at the end of the file). */
  readonly runPages: FakeRunPages;
  /** Operations screens: their state and recorded writes (see the section at the end of the file). */
  readonly ops: FakeOps;
};

export type FakeEdgeOptions = {
  distDir: string;
  runs?: Run[];
  firstEventId?: number;
  user?: Me;
  approvals?: InboxApproval[];
  questions?: InboxQuestion[];
  /** Operations screens' initial state (see the section at the end of the file). */
  ops?: OpsSeed;
  /** Run page state: logs and timelines (see the runs section at the end of the file). */
  runPages?: RunPagesSeed;
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
  // Operations screens (see the section at the end of the file).
  const ops = createOpsFake(options.ops ?? {});
  // Runs and run page (see the runs section at the end of the file).
  const runPages = createRunPagesFake(options.runPages ?? {}, { runs, canRead: (id) => canRead(id), user: () => user, headEventId: () => head, record: (run) => record(run) });

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
    // Runs list (filters, cursor), one run, its logs, timeline and cancel (see the runs section at the end of the file).
    if (await runPages.handle(req, url, send, refuse)) {
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
    // Operations screens (see the section at the end of the file).
    if (await ops.handle(req, url, caller, send, refuse)) {
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
        ws.send(JSON.stringify(toFrame(event)));
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
    appendEvent('run.status', { run }, run.project_id);
    return run;
  }

  function appendEvent(topic: string, payload: unknown, projectId: string): void {
    head += 1;
    const event: LoggedEvent = { id: head, topic, payload, projectId };
    events.push(event);
    broadcast(toFrame(event), event);
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
    announceInboxChange(item) {
      const change =
        'request_id' in item
          ? { kind: 'approval', id: item.request_id, run_id: item.run.id, state: approvals.get(item.request_id)?.approval_state ?? item.approval_state }
          : { kind: 'question', id: item.interaction_id, run_id: item.run.id, state: questions.get(item.interaction_id)?.answered_by === undefined ? 'pending' : 'answered' };
      appendEvent('inbox.changed', change, item.run.project_id);
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
    // Operations screens (see the section at the end of the file).
    ops: ops.controls,
    // Runs and run page (see the runs section at the end of the file).
    runPages: runPages.controls,
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
  return project === null || event.projectId === project;
}

function toFrame(event: LoggedEvent): { type: 'event'; id: number; topic: string; payload: unknown } {
  return { type: 'event', id: event.id, topic: event.topic, payload: event.payload };
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

// ==========================================================================
// Operations screens (wait queue, clusters, projects, errors): in-memory state
// and handlers for
//
//   GET  /api/v1/staff/queue?project, /api/v1/staff/queue/history?project&hours&bucket_minutes
//   GET  /api/v1/staff/clusters; POST /api/v1/staff/clusters; POST /api/v1/staff/clusters/:id/token
//   GET  /api/v1/staff/projects; POST /api/v1/staff/projects; PATCH /api/v1/staff/projects/:id
//   POST /api/v1/staff/projects/:id/repositories; DELETE …/repositories/:repositoryId
//   PUT, DELETE /api/v1/staff/projects/:id/members/:login
//   GET  /api/v1/staff/errors?reason&limit
//   GET  /api/v1/staff/errors/held; POST …/parked/:repo/:seq/replay, …/dead-writes/:inst/:seq/retry; DELETE both
//
// with the edge's rules (edge/src/routes/staff-ops.ts, staff-projects.ts,
// staff-errors.ts, staff-held.ts): members see their projects' rows, platform admins all;
// clusters are registered and tokens minted by platform admins only; project
// changes need the project's admin role (cluster and installation: platform
// admins); settings are checked by the policy's own parsers and every refusal
// is named in `errors`. Every write is recorded, refused ones included.
// ==========================================================================

/** What the operations endpoints start with. */
export type OpsSeed = {
  queue?: QueueItem[];
  history?: QueueHistory;
  clusters?: Cluster[];
  projects?: Project[];
  refusedDeliveries?: RefusedDelivery[];
  failedRuns?: OpsRun[];
  parked?: ParkedDelivery[];
  deadWrites?: DeadWrite[];
};

/** A state-changing operations call, how it was answered and the CSRF header it carried. */
export type RecordedWrite = { method: string; path: string; body: unknown; status: number; csrf: string | null };

export type FakeOps = {
  readonly writes: readonly RecordedWrite[];
  /** Every `GET /api/v1/staff/queue/history` query string, in order. */
  readonly historyQueries: readonly string[];
  /** The newest agent token of each cluster. */
  readonly clusterTokens: ReadonlyMap<string, string>;
  projects(): readonly Project[];
  clusters(): readonly Cluster[];
  setQueue(items: QueueItem[]): void;
};

type OpsHandler = {
  handle(
    req: IncomingMessage,
    url: URL,
    caller: Caller,
    send: (status: number, body: unknown) => void,
    refuse: (status: number, code: string, message: string) => void,
  ): Promise<boolean>;
  controls: FakeOps;
};

const OPS_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const OPS_LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const OPS_FULL_NAME = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

function createOpsFake(seed: OpsSeed): OpsHandler {
  let queue = [...(seed.queue ?? [])];
  let parked = [...(seed.parked ?? [])];
  let deadWrites = [...(seed.deadWrites ?? [])];
  const clusters = new Map((seed.clusters ?? []).map((cluster) => [cluster.id, structuredClone(cluster)]));
  const projects = new Map((seed.projects ?? []).map((project) => [project.id, structuredClone(project)]));
  const tokens = new Map<string, string>();
  const writes: RecordedWrite[] = [];
  const historyQueries: string[] = [];

  const roleOf = (user: Me, projectId: string): Me['projects'][number]['role'] =>
    user.projects.find((project) => project.id === projectId)?.role ?? null;
  const reads = (user: Me, projectId: string): boolean => user.platform_admin || user.projects.some((project) => project.id === projectId);
  const administers = (user: Me, projectId: string): boolean => user.platform_admin || roleOf(user, projectId) === 'admin';
  const projectView = (user: Me, project: Project): Project => ({ ...structuredClone(project), my_role: roleOf(user, project.id) });

  async function handle(
    req: IncomingMessage,
    url: URL,
    caller: Caller,
    sendJson: (status: number, body: unknown) => void,
    refuseJson: (status: number, code: string, message: string) => void,
  ): Promise<boolean> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const user = caller.user;
    if (!/^\/api\/v1\/staff\/(queue|clusters|projects|errors)(\/|$)/.test(path)) {
      return false;
    }
    const body = method === 'GET' || method === 'DELETE' ? null : await readBody(req);
    const write: RecordedWrite | null = method === 'GET' ? null : { method, path, body, status: 0, csrf: headerOf(req, 'x-csrf-token') };
    if (write !== null) {
      writes.push(write);
    }
    const send = (status: number, answer: unknown): void => {
      if (write !== null) {
        write.status = status;
      }
      sendJson(status, answer);
    };
    const refuse = (status: number, code: string, message: string): void => {
      if (write !== null) {
        write.status = status;
      }
      refuseJson(status, code, message);
    };
    const input = isRecordLike(body) ? body : {};

    if (path === '/api/v1/staff/queue' && method === 'GET') {
      const project = url.searchParams.get('project');
      send(200, { items: queue.filter((item) => reads(user, item.run.project_id) && (project === null || item.run.project_id === project)) });
      return true;
    }
    if (path === '/api/v1/staff/queue/history' && method === 'GET') {
      historyQueries.push(url.search);
      const hours = Number(url.searchParams.get('hours') ?? '24');
      const bucketMinutes = Number(url.searchParams.get('bucket_minutes') ?? '15');
      if (!Number.isInteger(hours) || hours < 1 || hours > 168 || !Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 1440) {
        refuse(400, 'invalid_argument', 'hours 1..168, bucket_minutes 1..1440');
        return true;
      }
      if ((hours * 60) / bucketMinutes > 1000) {
        send(400, { error: { code: 'invalid_argument', message: 'at most 1000 buckets: widen bucket_minutes', field: 'bucket_minutes' } });
        return true;
      }
      send(200, seed.history ?? emptyHistory(hours, bucketMinutes));
      return true;
    }
    if (path === '/api/v1/staff/clusters' && method === 'GET') {
      const visible = [...clusters.values()].filter((cluster) => user.platform_admin || cluster.projects.some((project) => reads(user, project.id)));
      send(200, { items: visible });
      return true;
    }
    if (path === '/api/v1/staff/clusters' && method === 'POST') {
      if (!user.platform_admin) {
        refuse(403, 'forbidden', 'only platform admins register clusters');
        return true;
      }
      const id = input['id'];
      const name = input['name'];
      if (typeof id !== 'string' || !OPS_ID.test(id) || (name !== undefined && (typeof name !== 'string' || name === '' || name.length > 100))) {
        refuse(400, 'invalid_argument', 'id: lower-case letters, digits and dashes, at most 63');
        return true;
      }
      if (clusters.has(id)) {
        refuse(409, 'conflict', `cluster ${id} exists; mint a new token for it instead`);
        return true;
      }
      const token = `slc_${secret()}`;
      tokens.set(id, token);
      clusters.set(id, {
        id,
        name: typeof name === 'string' ? name : id,
        created_at: new Date().toISOString(),
        last_seen_at: null,
        online: false,
        instances: [],
        projects: [],
        runs_holding_slots: 0,
      });
      send(201, { id, name: typeof name === 'string' ? name : id, token });
      return true;
    }
    const rotate = /^\/api\/v1\/staff\/clusters\/([^/]+)\/token$/.exec(path);
    if (rotate !== null && method === 'POST') {
      const id = decodeURIComponent(rotate[1] ?? '');
      if (!user.platform_admin) {
        refuse(403, 'forbidden', 'only platform admins mint cluster tokens');
        return true;
      }
      if (!clusters.has(id)) {
        refuse(404, 'not_found', 'cluster not found');
        return true;
      }
      const token = `slc_${secret()}`;
      tokens.set(id, token);
      send(200, { id, token });
      return true;
    }
    if (path === '/api/v1/staff/projects' && method === 'GET') {
      send(200, { items: [...projects.values()].filter((project) => reads(user, project.id)).map((project) => projectView(user, project)) });
      return true;
    }
    if (path === '/api/v1/staff/projects' && method === 'POST') {
      if (!user.platform_admin) {
        refuse(403, 'forbidden', 'only platform admins create projects');
        return true;
      }
      const slug = input['slug'];
      const name = input['name'];
      if (typeof slug !== 'string' || !OPS_ID.test(slug) || typeof name !== 'string' || name === '') {
        refuse(400, 'invalid_argument', 'slug and name are required');
        return true;
      }
      if ([...projects.values()].some((project) => project.slug === slug)) {
        refuse(409, 'conflict', `project ${slug} exists`);
        return true;
      }
      const id = randomUUID();
      const clusterId = typeof input['cluster_id'] === 'string' ? input['cluster_id'] : null;
      projects.set(id, {
        id,
        slug,
        name,
        cluster_id: clusterId,
        slots: typeof input['slots'] === 'number' ? input['slots'] : null,
        label_names: {},
        agent_settings: {},
        approval_overrides: [],
        github_installation_id: null,
        my_role: null,
        repositories: [],
        members: [],
      });
      send(201, { id, slug });
      return true;
    }
    if (path === '/api/v1/staff/errors' && method === 'GET') {
      const reason = url.searchParams.get('reason');
      const limit = Number(url.searchParams.get('limit') ?? '100');
      if (!Number.isInteger(limit) || limit < 1 || limit > 500 || (reason !== null && reason.length > 100)) {
        refuse(400, 'invalid_argument', 'limit 1..500, reason at most 100 characters');
        return true;
      }
      send(200, {
        refused_deliveries: (seed.refusedDeliveries ?? []).filter((delivery) => reason === null || delivery.reason === reason).slice(0, limit),
        // The fake's lists fit one page.
        refused_next_cursor: null,
        failed_runs: (seed.failedRuns ?? []).filter((run) => reads(user, run.project_id)).slice(0, limit),
        failed_next_cursor: null,
      });
      return true;
    }
    if (path === '/api/v1/staff/errors/held' && method === 'GET') {
      // Rows of no project (deliveries naming no repository) are platform admins' alone.
      const visible = (projectId: string | null): boolean => (projectId === null ? user.platform_admin : reads(user, projectId));
      send(200, { parked_deliveries: parked.filter((p) => visible(p.project_id)), dead_writes: deadWrites.filter((d) => visible(d.project_id)), truncated: false });
      return true;
    }
    const held = /^\/api\/v1\/staff\/errors\/(parked|dead-writes)\/([^/]+)\/(\d+)(\/replay|\/retry)?$/.exec(path);
    if (held !== null) {
      const [, kind, owner, sequence, action] = held;
      const item =
        kind === 'parked'
          ? parked.find((p) => String(p.repository_id ?? 'none') === owner && String(p.sequence) === sequence)
          : deadWrites.find((d) => String(d.installation_id) === owner && String(d.sequence) === sequence);
      const expected = kind === 'parked' ? '/replay' : '/retry';
      if ((action === undefined && method !== 'DELETE') || (action !== undefined && (method !== 'POST' || action !== expected))) {
        refuse(405, 'invalid_argument', `${method} ${path} is not a route`);
        return true;
      }
      if (item === undefined || !(item.project_id === null ? user.platform_admin : reads(user, item.project_id))) {
        refuse(404, 'not_found', `${kind === 'parked' ? 'parked delivery' : 'dead write'} not found`);
        return true;
      }
      if (!(item.project_id === null ? user.platform_admin : administers(user, item.project_id))) {
        refuse(403, 'forbidden', 'your role in this project does not allow this (needs admin)');
        return true;
      }
      if (kind === 'parked') {
        parked = parked.filter((p) => p !== item);
      } else {
        deadWrites = deadWrites.filter((d) => d !== item);
      }
      if (action === undefined) {
        send(204, null);
      } else {
        send(200, kind === 'parked' ? { outcome: 'accepted', run_id: randomUUID() } : { outcome: 'requeued' });
      }
      return true;
    }
    const projectPath = /^\/api\/v1\/staff\/projects\/([^/]+)(?:\/(repositories|members)(?:\/([^/]+))?)?$/.exec(path);
    if (projectPath === null) {
      refuse(404, 'not_found', `No route ${path}`);
      return true;
    }
    const project = projects.get(decodeURIComponent(projectPath[1] ?? ''));
    const part = projectPath[2];
    const item = projectPath[3] === undefined ? undefined : decodeURIComponent(projectPath[3]);
    if (project === undefined || !reads(user, project.id)) {
      refuse(404, 'not_found', 'project not found');
      return true;
    }
    if (!administers(user, project.id)) {
      refuse(403, 'forbidden', 'only admins of this project may change it');
      return true;
    }
    if (part === undefined && method === 'PATCH') {
      patchProject(project, input, user, send, refuse);
      return true;
    }
    if (part === 'repositories' && item === undefined && method === 'POST') {
      const externalId = input['external_id'];
      const fullName = input['full_name'];
      if (typeof externalId !== 'number' || !Number.isInteger(externalId) || externalId <= 0 || typeof fullName !== 'string' || !OPS_FULL_NAME.test(fullName)) {
        refuse(400, 'invalid_argument', 'external_id and full_name (owner/name) are required');
        return true;
      }
      const elsewhere = [...projects.values()].some(
        (other) => other.id !== project.id && other.repositories.some((repository) => repository.external_id === externalId && repository.unbound_at === null),
      );
      if (elsewhere) {
        refuse(409, 'conflict', 'this repository is bound to another project');
        return true;
      }
      const held = project.repositories.find((repository) => repository.external_id === externalId);
      const repository = held ?? { id: randomUUID(), full_name: fullName, external_id: externalId, unbound_at: null };
      repository.full_name = fullName;
      repository.unbound_at = null;
      if (held === undefined) {
        project.repositories.push(repository);
      }
      send(201, { id: repository.id, full_name: repository.full_name });
      return true;
    }
    if (part === 'repositories' && item !== undefined && method === 'DELETE') {
      const repository = project.repositories.find((entry) => entry.id === item && entry.unbound_at === null);
      if (repository === undefined) {
        refuse(404, 'not_found', 'repository not found in this project');
        return true;
      }
      repository.unbound_at = new Date().toISOString();
      send(204, null);
      return true;
    }
    if (part === 'members' && item !== undefined && method === 'PUT') {
      const role = input['role'];
      if (!OPS_LOGIN.test(item) || (role !== 'admin' && role !== 'read_write' && role !== 'read')) {
        refuse(400, 'invalid_argument', 'a GitHub login and a role (admin, read_write, read)');
        return true;
      }
      const login = item.toLowerCase();
      project.members = [...project.members.filter((member) => member.login !== login), { login, role }];
      send(200, { login, role });
      return true;
    }
    if (part === 'members' && item !== undefined && method === 'DELETE') {
      const login = item.toLowerCase();
      if (!project.members.some((member) => member.login === login)) {
        refuse(404, 'not_found', 'no such member');
        return true;
      }
      project.members = project.members.filter((member) => member.login !== login);
      send(204, null);
      return true;
    }
    refuse(404, 'not_found', `No route ${method} ${path}`);
    return true;
  }

  function patchProject(
    project: Project,
    input: Record<string, unknown>,
    user: Me,
    send: (status: number, body: unknown) => void,
    refuse: (status: number, code: string, message: string) => void,
  ): void {
    if ((input['cluster_id'] !== undefined || input['github_installation_id'] !== undefined) && !user.platform_admin) {
      refuse(403, 'forbidden', 'only platform admins move a project to another cluster or installation');
      return;
    }
    const problems: string[] = [];
    const labelNames = input['label_names'];
    if (labelNames !== undefined) {
      if (!isRecordLike(labelNames) || !Object.values(labelNames).every((value) => typeof value === 'string')) {
        problems.push('label_names: an object of strings');
      } else {
        const catalog = withLabelNames(DEFAULT_LABEL_CATALOG, labelNames as Record<string, string>);
        problems.push(...(catalog.ok ? [] : catalog.error.map((error) => `label_names: ${error}`)));
      }
    }
    if (input['agent_settings'] !== undefined) {
      problems.push(...parseAgentSettings(input['agent_settings']).errors.map((error) => `agent_settings: ${error}`));
    }
    if (input['approval_overrides'] !== undefined) {
      problems.push(...parseApprovalOverrides(input['approval_overrides']).errors.map((error) => `approval_overrides: ${error}`));
    }
    const clusterId = input['cluster_id'];
    if (typeof clusterId === 'string' && !clusters.has(clusterId)) {
      problems.push('cluster_id: no such cluster');
    }
    if (problems.length > 0) {
      send(400, { error: { code: 'invalid_argument', message: problems[0] ?? 'invalid settings' }, errors: problems });
      return;
    }
    Object.assign(project, pickProjectChange(input));
    send(200, { id: project.id });
  }

  return {
    handle,
    controls: {
      writes,
      historyQueries,
      clusterTokens: tokens,
      projects: () => [...projects.values()],
      clusters: () => [...clusters.values()],
      setQueue(items) {
        queue = [...items];
      },
    },
  };
}

function pickProjectChange(input: Record<string, unknown>): Partial<Project> {
  const keys = ['name', 'slots', 'label_names', 'agent_settings', 'approval_overrides', 'cluster_id', 'github_installation_id'] as const;
  return Object.fromEntries(keys.filter((key) => input[key] !== undefined).map((key) => [key, input[key]])) as Partial<Project>;
}

/** Buckets with nothing in them, ending at the next boundary after now, like the edge's. */
function emptyHistory(hours: number, bucketMinutes: number): QueueHistory {
  const bucketMs = bucketMinutes * 60_000;
  const to = Math.ceil(Date.now() / bucketMs) * bucketMs;
  const from = to - hours * 3_600_000;
  const count = Math.ceil((to - from) / bucketMs);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket_minutes: bucketMinutes,
    buckets: Array.from({ length: count }, (_, index) => ({
      at: new Date(from + (index + 1) * bucketMs).toISOString(),
      waiting: 0,
      started: 0,
      mean_wait_ms: null,
      max_wait_ms: null,
    })),
    truncated: false,
  };
}

// ==========================================================================
// Runs and run page: in-memory state and handlers for
//
//   GET  /api/v1/staff/runs?limit&cursor&status&label&repository&agent&wait_reason&cluster&project&created_from&created_to
//   GET  /api/v1/staff/runs/:id
//   GET  /api/v1/staff/runs/:id/logs?tail_lines
//   GET  /api/v1/staff/runs/:id/logs/history?after_seq&limit_chunks
//   GET  /api/v1/staff/runs/:id/timeline?after&limit
//   POST /api/v1/staff/runs/:id/cancel {reason?}
//
// with the edge's rules (edge/src/routes/staff-runs.ts, staff-run-timeline.ts,
// staff-run-actions.ts; edge/src/db/run-repo.ts `pageRuns`): the list is
// ordered by (created_at, id) newest first and paged by an opaque keyset
// cursor; a run of a project the caller has no role in answers 404; cancel
// needs read_write or admin (403 for `read`), turns a non-terminal run
// `canceled` (one realtime event, like every change) and is recorded, refused
// ones included. Logs are chunks with a `seq`; the tail is the newest lines.
// ==========================================================================

/** A run's stored log chunk and its timeline, as the edge keeps them. */
export type RunPagesSeed = {
  /** Run id → log lines (stored as one chunk per entry of the outer array). */
  logs?: Record<string, string[][]>;
  flowEvents?: Record<string, FakeFlowEvent[]>;
  runnerEvents?: Record<string, FakeRunnerEvent[]>;
};

export type FakeFlowEvent = { id: number; at: string; actor_type: string; actor_id: string | null; event_type: string; payload: unknown };
export type FakeRunnerEvent = { attempt_no: number; seq: number; at: string; kind: string; payload: unknown };

/** A cancel call, how it was answered, and the CSRF header it carried. */
export type RecordedCancel = RecordedPost & { status: number };

export type FakeRunPages = {
  readonly cancels: readonly RecordedCancel[];
  /** Every `GET /api/v1/staff/runs` query string, in order. */
  readonly listQueries: readonly string[];
  /** Appends one log chunk to a run (the cluster-agent's `log.append`). */
  appendLog(runId: string, lines: string[]): void;
  addFlowEvent(runId: string, event: Omit<FakeFlowEvent, 'id'>): void;
  addRunnerEvent(runId: string, event: Omit<FakeRunnerEvent, 'seq'>): void;
};

type RunPagesDeps = {
  runs: Map<string, Run>;
  canRead: (projectId: string) => boolean;
  user: () => Me;
  headEventId: () => number;
  /** Stores a changed run and broadcasts its `run.status` event. */
  record: (run: Run) => Run;
};

type RunPagesHandler = {
  handle(
    req: IncomingMessage,
    url: URL,
    send: (status: number, body: unknown) => void,
    refuse: (status: number, code: string, message: string) => void,
  ): Promise<boolean>;
  controls: FakeRunPages;
};

const RUN_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL_RUN_STATUSES: readonly string[] = ['succeeded', 'failed', 'timed_out', 'canceled'];

function createRunPagesFake(seed: RunPagesSeed, deps: RunPagesDeps): RunPagesHandler {
  const logs = new Map<string, { seq: number; lines: string[] }[]>();
  const flows = new Map<string, FakeFlowEvent[]>(Object.entries(seed.flowEvents ?? {}));
  const runnerEvents = new Map<string, FakeRunnerEvent[]>(Object.entries(seed.runnerEvents ?? {}));
  const cancels: RecordedCancel[] = [];
  const listQueries: string[] = [];
  let flowId = 1000;
  for (const [runId, chunks] of Object.entries(seed.logs ?? {})) {
    logs.set(runId, chunks.map((lines, seq) => ({ seq, lines })));
  }

  function readable(runId: string): Run | null {
    const run = deps.runs.get(runId);
    return run !== undefined && deps.canRead(run.project_id) ? run : null;
  }

  function list(url: URL, send: (status: number, body: unknown) => void, refuse: (status: number, code: string, message: string) => void): void {
    const q = url.searchParams;
    listQueries.push(url.search);
    const statuses = q.get('status')?.split(',');
    if (statuses !== undefined && !statuses.every((status) => RUN_STATUSES_ALL.includes(status))) {
      refuse(400, 'invalid_argument', 'status: unknown run status');
      return;
    }
    const project = q.get('project');
    if (project !== null && !RUN_UUID.test(project)) {
      refuse(400, 'invalid_argument', 'project: Invalid UUID');
      return;
    }
    const cursor = q.get('cursor') === null ? null : Buffer.from(q.get('cursor') ?? '', 'base64url').toString('utf8').split('|');
    const labels = q.get('label')?.split(',');
    const from = q.get('created_from');
    const to = q.get('created_to');
    const limit = Number(q.get('limit') ?? '100');
    const rows = [...deps.runs.values()]
      .filter(
        (run) =>
          deps.canRead(run.project_id) &&
          (statuses === undefined || statuses.includes(run.status)) &&
          (labels === undefined || labels.includes(run.trigger_label)) &&
          (q.get('repository') === null || run.repository_full_name === q.get('repository')) &&
          (q.get('agent') === null || run.agent_key === q.get('agent')) &&
          (q.get('wait_reason') === null || run.wait_reason === q.get('wait_reason')) &&
          (q.get('cluster') === null || run.cluster_id === q.get('cluster')) &&
          (project === null || run.project_id === project) &&
          (from === null || Date.parse(run.created_at) >= Date.parse(from)) &&
          (to === null || Date.parse(run.created_at) < Date.parse(to)),
      )
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
      .filter((run) => cursor === null || run.created_at < (cursor[0] ?? '') || (run.created_at === cursor[0] && run.id < (cursor[1] ?? '')));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const next = rows.length > limit && last !== undefined ? Buffer.from(`${last.created_at}|${last.id}`).toString('base64url') : null;
    send(200, { items: page, next_cursor: next, last_event_id: deps.headEventId() });
  }

  function chunksOf(runId: string): { seq: number; lines: string[] }[] {
    return logs.get(runId) ?? [];
  }

  async function cancel(req: IncomingMessage, run: Run, path: string, send: (status: number, body: unknown) => void): Promise<void> {
    const body = await readBody(req);
    const csrf = headerOf(req, 'x-csrf-token');
    const answer = (status: number, answerBody: unknown): void => {
      cancels.push({ path, body, csrf, status });
      send(status, answerBody);
    };
    const me = deps.user();
    const role = me.projects.find((project) => project.id === run.project_id)?.role ?? null;
    if (!me.platform_admin && role !== 'read_write' && role !== 'admin') {
      answer(403, { error: { code: 'forbidden', message: 'your role in this project does not allow this (needs read_write)' } });
      return;
    }
    const terminal = TERMINAL_RUN_STATUSES.includes(run.status);
    if (!terminal) {
      const reason = isRecordLike(body) && typeof body['reason'] === 'string' ? body['reason'] : 'canceled by staff';
      const now = new Date().toISOString();
      deps.record({ ...run, status: 'canceled', status_reason: reason, finished_at: now, updated_at: now, version: run.version + 1, wait_reason: null, wait_target: null, wait_since: null });
    }
    answer(200, {
      run_id: run.id,
      action: 'cancel',
      previous_status: run.status,
      current_status: terminal ? run.status : 'canceled',
      already_terminal: terminal && run.status !== 'canceled',
      job_stop_requested: !terminal && run.cluster_id !== null && run.status !== 'pending',
    });
  }

  /** Retry (docs/domain.md §3.10a): a finished run becomes a new pending run once; the next retry names it. */
  const retries = new Map<string, string>();
  function retry(run: Run, send: (status: number, body: unknown) => void, refuse: (status: number, code: string, message: string) => void): void {
    const me = deps.user();
    const role = me.projects.find((project) => project.id === run.project_id)?.role ?? null;
    if (!me.platform_admin && role !== 'read_write' && role !== 'admin') {
      refuse(403, 'forbidden', 'your role in this project does not allow this (needs read_write)');
      return;
    }
    if (!TERMINAL_RUN_STATUSES.includes(run.status)) {
      refuse(409, 'conflict', `the run is still ${run.status}; cancel it first`);
      return;
    }
    const earlier = retries.get(run.id);
    if (earlier !== undefined) {
      send(409, { error: { code: 'conflict', message: 'this run was retried already; retry the new run to go again' }, run_id: earlier });
      return;
    }
    const now = new Date().toISOString();
    const fresh: Run = { ...run, id: crypto.randomUUID(), status: 'pending', status_reason: null, created_at: now, updated_at: now, started_at: null, finished_at: null, version: 1, attempt_no: 1 };
    retries.set(run.id, fresh.id);
    deps.record(fresh);
    send(201, { run_id: fresh.id, retry_of: run.id });
  }

  return {
    async handle(req, url, send, refuse) {
      const path = url.pathname;
      if (path === '/api/v1/staff/runs' && req.method === 'GET') {
        list(url, send, refuse);
        return true;
      }
      const match = /^\/api\/v1\/staff\/runs\/([^/]+)(\/logs|\/logs\/history|\/timeline|\/cancel|\/retry)?$/.exec(path);
      if (match === null) {
        return false;
      }
      const runId = decodeURIComponent(match[1] ?? '');
      const tail = match[2] ?? '';
      if (!RUN_UUID.test(runId)) {
        refuse(400, 'invalid_argument', 'runId: Invalid UUID');
        return true;
      }
      const run = readable(runId);
      if (run === null) {
        refuse(404, 'not_found', 'run not found');
        return true;
      }
      if (tail === '/cancel' && req.method === 'POST') {
        await cancel(req, run, path, send);
        return true;
      }
      if (tail === '/retry' && req.method === 'POST') {
        retry(run, send, refuse);
        return true;
      }
      if (req.method !== 'GET') {
        return false;
      }
      if (tail === '') {
        send(200, run);
      } else if (tail === '/logs') {
        const asked = Math.min(2000, Math.max(1, Number(url.searchParams.get('tail_lines') ?? '200')));
        send(200, { run_id: runId, status: run.status, tail_lines: chunksOf(runId).flatMap((chunk) => chunk.lines).slice(-asked) });
      } else if (tail === '/logs/history') {
        const after = Number(url.searchParams.get('after_seq') ?? '-1');
        const limit = Number(url.searchParams.get('limit_chunks') ?? '50');
        const chunks = chunksOf(runId).filter((chunk) => chunk.seq > after).slice(0, limit);
        send(200, { run_id: runId, lines: chunks.flatMap((chunk) => chunk.lines), next_after_seq: chunks.at(-1)?.seq ?? null, done: chunks.length < limit });
      } else {
        const [attempt = 0, seq = -1] = (url.searchParams.get('after') ?? '0:-1').split(':').map(Number);
        const limit = Number(url.searchParams.get('limit') ?? '500');
        const page = (runnerEvents.get(runId) ?? []).filter((event) => event.attempt_no > attempt || (event.attempt_no === attempt && event.seq > seq)).slice(0, limit);
        const last = page.at(-1);
        send(200, {
          run_id: runId,
          flow_events: flows.get(runId) ?? [],
          runner_events: page,
          next_after: page.length === limit && last !== undefined ? `${last.attempt_no}:${last.seq}` : null,
        });
      }
      return true;
    },
    controls: {
      cancels,
      listQueries,
      appendLog(runId, lines) {
        const chunks = chunksOf(runId);
        logs.set(runId, [...chunks, { seq: (chunks.at(-1)?.seq ?? -1) + 1, lines }]);
      },
      addFlowEvent(runId, event) {
        flowId += 1;
        flows.set(runId, [...(flows.get(runId) ?? []), { id: flowId, ...event }]);
      },
      addRunnerEvent(runId, event) {
        const held = runnerEvents.get(runId) ?? [];
        const seq = (held.filter((item) => item.attempt_no === event.attempt_no).at(-1)?.seq ?? -1) + 1;
        runnerEvents.set(runId, [...held, { ...event, seq }]);
      },
    },
  };
}

const RUN_STATUSES_ALL: readonly string[] = ['pending', 'running', 'waiting_mcp', 'waiting_backpressure', 'waiting_owner_review', ...TERMINAL_RUN_STATUSES];
// ==========================================================================
// End of runs and run page
// ==========================================================================
