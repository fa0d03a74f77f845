/**
 * A fake edge speaking the agent protocol 1.2.0: `GET /agent/connect`
 * (WebSocket, bearer token) and `POST /agent/v1/frames` (HTTP fallback), over
 * the in-memory run table of fake-edge-runs.ts (which holds the fencing
 * rules). Each frame id is applied once (a re-sent frame gets the same
 * answer).
 *
 * Tests add runs, read what was applied, and misbehave on purpose: drop
 * sockets, refuse upgrades, withhold acks, send garbage, hand a run to
 * another instance, expire a lease, cancel a run, stop answering run queries.
 */
import { POLICY_VERSION, transitionRun } from '@stageline/policy';
import { decodeAgentFrame, encodeFrame, PROTOCOL_VERSION, type AgentFrame, type EdgeFrame } from '@stageline/protocol';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeEdgeRuns, type AppliedStatus, type FakeRun, type StoredChunk } from './fake-edge-runs.ts';

export { fakeRenewedToken, fakeRunToken, type AppliedStatus, type FakeRun, type StoredChunk } from './fake-edge-runs.ts';

export interface FakeEdgeOptions {
  token?: string;
  /** Answer every upgrade with 401 (the HTTP fallback still works with the right token). */
  refuseSockets?: boolean;
  heartbeatIntervalMs?: number;
  protocolVersion?: string;
  policyVersion?: string;
  clusterId?: string;
  /** Heartbeat answers carry renewed run tokens living this long (protocol 1.4); unset: none. */
  tokenTtlMs?: number;
}

interface Peer {
  instanceId: string | undefined;
  send(frame: EdgeFrame): void;
}

type CancelFrame = Extract<EdgeFrame, { type: 'run.cancel' }>;

export interface FakeEdge {
  readonly url: string;
  readonly token: string;
  readonly runs: Map<string, FakeRun>;
  /** Status transitions that changed a run, in order. */
  readonly applied: AppliedStatus[];
  readonly chunks: Map<string, StoredChunk[]>;
  /** Log chunk seq gaps per (run, epoch): must stay empty. */
  readonly violations: string[];
  /** Every decoded agent frame, duplicates included. */
  readonly received: Array<{ via: 'socket' | 'http'; frame: AgentFrame }>;
  readonly rejects: Array<{ ref: string; code: string }>;
  /** `pings`: WebSocket pings the agent sent; they travel in order with its frames, so one marks a later point in its stream. */
  readonly stats: { upgrades: number; refusedUpgrades: number; polls: number; unauthorizedPolls: number; pings: number };
  /** Process frames but keep the acks (a lost ack). */
  withholdAcks: boolean;
  refuseSockets: boolean;
  /** Leave runs.query unanswered (the sweeper must then delete nothing). */
  ignoreRunQueries: boolean;
  addRun(overrides?: Partial<FakeRun['claim']>): string;
  /** Hand the run's lease to another instance (a stale-lease reclaim). */
  reclaim(runId: string, owner?: string): void;
  /** The holder's lease runs out: the next claim from any instance takes the run over. */
  expireLease(runId: string): void;
  /** Cancel the run (policy `cancel`) and tell its holder with run.cancel. */
  cancel(runId: string, reason?: string): void;
  /** Send `secret.apply` to every connected agent (the edge sends it to one; enough for one-agent tests). */
  applySecret(frame: Omit<Extract<EdgeFrame, { type: 'secret.apply' }>, 'type'>): void;
  /** Send `database.apply` to every connected agent. */
  applyDatabase(frame: Omit<Extract<EdgeFrame, { type: 'database.apply' }>, 'type'>): void;
  /** Send `issue.cleanup` to every connected agent (the edge does this after an issue close). */
  cleanupIssue(projectId: string, issueNumber: number): void;
  /** Lines of a run in store order (one epoch). */
  logLines(runId: string, epoch?: number): string[];
  sendRaw(text: string): void;
  dropSockets(): void;
  openSockets(): number;
  close(): Promise<void>;
}

export async function startFakeEdge(options: FakeEdgeOptions = {}): Promise<FakeEdge> {
  const token = options.token ?? 'cluster-token-1';
  const table = new FakeEdgeRuns();
  table.tokenTtlMs = options.tokenTtlMs;
  const received: FakeEdge['received'] = [];
  const rejects: FakeEdge['rejects'] = [];
  const answered = new Map<string, EdgeFrame>();
  const stats = { upgrades: 0, refusedUpgrades: 0, polls: 0, unauthorizedPolls: 0, pings: 0 };
  const sockets = new Map<WebSocket, Peer & { welcomed: boolean }>();
  /** Cancels not yet confirmed, re-sent to their holder on every hello. */
  const cancels = new Map<string, { owner: string | null; frame: CancelFrame }>();
  let counter = 0;

  const welcome = (owner: string): EdgeFrame => ({
    type: 'welcome',
    clusterId: options.clusterId ?? 'cluster-1',
    protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    policyVersion: options.policyVersion ?? POLICY_VERSION,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 200,
    heldRuns: table.heldBy(owner),
  });

  const pendingCancels = (owner: string): EdgeFrame[] =>
    [...cancels.values()].filter((c) => c.owner === owner && table.runs.get(c.frame.runId)?.cancelConfirmed !== true).map((c) => c.frame);

  /** One agent frame in, the answers out. */
  function handle(frame: AgentFrame, peer: Peer): EdgeFrame[] {
    if (frame.type === 'hello') {
      peer.instanceId = frame.instanceId;
      return [welcome(frame.instanceId), ...pendingCancels(frame.instanceId)];
    }
    const owner = peer.instanceId;
    if (owner === undefined) {
      return [{ type: 'error', ref: frame.id, code: 'hello_required', message: 'send hello first' }];
    }
    const previous = answered.get(frame.id);
    if (previous) {
      return [previous];
    }
    let answer: EdgeFrame;
    switch (frame.type) {
      case 'claim':
        return [table.claim(frame.limit, owner, frame.id)];
      case 'heartbeat':
        return [table.heartbeat(frame, owner)];
      case 'runs.query':
        return edge.ignoreRunQueries ? [] : [table.runsState(frame)];
      case 'run.status':
        answer = table.applyStatus(frame, owner);
        break;
      case 'log.append':
        answer = table.appendLog(frame, owner);
        break;
      case 'database.applied':
      case 'secret.applied':
        // Recorded in `received`; the real edge settles the approval request.
        answer = { type: 'ack', ref: frame.id, result: 'applied' };
        break;
    }
    answered.set(frame.id, answer);
    if (answer.type === 'reject') {
      rejects.push({ ref: answer.ref, code: answer.code });
    }
    return [answer];
  }

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const parts: Buffer[] = [];
    for await (const part of req) {
      parts.push(part as Buffer);
    }
    return Buffer.concat(parts).toString('utf8');
  };

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/agent/v1/frames') {
      res.writeHead(404).end();
      return;
    }
    stats.polls += 1;
    if (req.headers.authorization !== `Bearer ${token}`) {
      stats.unauthorizedPolls += 1;
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"bad token"}}');
      return;
    }
    const body = JSON.parse(await readBody(req)) as { frames: unknown[] };
    const out: EdgeFrame[] = [];
    const peer: Peer = { instanceId: undefined, send: (frame) => out.push(frame) };
    for (const raw of body.frames) {
      const decoded = decodeAgentFrame(JSON.stringify(raw));
      if (!decoded.ok) {
        out.push({ type: 'error', ref: decoded.error.ref, code: decoded.error.code, message: decoded.error.message });
        continue;
      }
      received.push({ via: 'http', frame: decoded.value });
      out.push(...handle(decoded.value, peer));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ frames: out }));
  }

  const server = createServer((req, res) => void onHttp(req, res));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const authorized = req.headers.authorization === `Bearer ${token}`;
    if (req.url !== '/agent/connect' || !authorized || edge.refuseSockets) {
      stats.refusedUpgrades += 1;
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    stats.upgrades += 1;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = {
        instanceId: undefined as string | undefined,
        welcomed: false,
        send: (frame: EdgeFrame) => {
          if (ws.readyState === ws.OPEN && !(edge.withholdAcks && frame.type === 'ack')) {
            ws.send(encodeFrame(frame));
          }
        },
      };
      sockets.set(ws, peer);
      ws.on('close', () => sockets.delete(ws));
      ws.on('ping', () => {
        stats.pings += 1;
      });
      ws.on('message', (data) => {
        const decoded = decodeAgentFrame(data.toString());
        if (!decoded.ok) {
          peer.send({ type: 'error', ref: decoded.error.ref, code: decoded.error.code, message: decoded.error.message });
          return;
        }
        received.push({ via: 'socket', frame: decoded.value });
        for (const answer of handle(decoded.value, peer)) {
          peer.send(answer);
        }
        peer.welcomed = peer.instanceId !== undefined;
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const edge: FakeEdge = {
    url: `http://127.0.0.1:${port}`,
    token,
    runs: table.runs,
    applied: table.applied,
    chunks: table.chunks,
    violations: table.violations,
    received,
    rejects,
    stats,
    withholdAcks: false,
    refuseSockets: options.refuseSockets ?? false,
    ignoreRunQueries: false,
    addRun(overrides = {}) {
      counter += 1;
      const runId = overrides.runId ?? randomUUID();
      table.runs.set(runId, {
        status: 'pending',
        leaseOwner: null,
        leaseEpoch: 0,
        claim: {
          runId,
          correlationId: `delivery-${counter}`,
          attemptNo: 1,
          jobName: null,
          projectId: 'proj-1',
          repositoryFullName: 'acme/app',
          issueNumber: 7,
          triggerKind: 'dev',
          triggerLabel: 'run:dev',
          agentKey: 'dev',
          queuedAt: new Date().toISOString(),
          launch: null,
          ...overrides,
        },
      });
      table.order.push(runId);
      for (const peer of sockets.values()) {
        if (peer.welcomed) {
          peer.send({ type: 'run.available', runIds: [runId], queueDepth: table.queueDepth() });
        }
      }
      return runId;
    },
    reclaim(runId, owner = 'other-cluster/other-pod') {
      const run = table.runs.get(runId);
      if (run) {
        run.leaseOwner = owner;
        run.leaseEpoch += 1;
      }
    },
    expireLease(runId) {
      const run = table.runs.get(runId);
      if (run) {
        run.leaseUntil = new Date(Date.now() - 1000);
      }
    },
    cancel(runId, reason = 'canceled by staff') {
      const run = table.runs.get(runId);
      if (!run) {
        return;
      }
      const owner = run.leaseOwner;
      const change = transitionRun(run, { kind: 'cancel', reason }, new Date());
      if (!change.ok) {
        throw new Error(`cannot cancel: ${JSON.stringify(change.error)}`);
      }
      Object.assign(run, { status: change.value.status, leaseOwner: change.value.leaseOwner, leaseUntil: change.value.leaseUntil, reason });
      const frame: CancelFrame = { type: 'run.cancel', runId, epoch: run.leaseEpoch, jobName: run.jobName ?? null, namespace: run.namespace ?? null, reason };
      cancels.set(runId, { owner, frame });
      for (const peer of sockets.values()) {
        if (peer.instanceId === owner) {
          peer.send(frame);
        }
      }
    },
    applyDatabase(frame) {
      for (const peer of sockets.values()) {
        peer.send({ type: 'database.apply', ...frame });
      }
    },
    applySecret(frame) {
      for (const peer of sockets.values()) {
        peer.send({ type: 'secret.apply', ...frame });
      }
    },
    cleanupIssue(projectId, issueNumber) {
      for (const peer of sockets.values()) {
        peer.send({ type: 'issue.cleanup', projectId, issueNumber, reason: 'issue_closed' });
      }
    },
    logLines(runId, epoch) {
      const stored = (table.chunks.get(runId) ?? []).filter((chunk) => epoch === undefined || chunk.epoch === epoch);
      return [...stored].sort((a, b) => a.epoch - b.epoch || a.seq - b.seq).flatMap((chunk) => chunk.lines);
    },
    sendRaw(text) {
      for (const ws of sockets.keys()) {
        ws.send(text);
      }
    },
    dropSockets() {
      for (const ws of sockets.keys()) {
        ws.terminate();
      }
    },
    openSockets: () => sockets.size,
    async close() {
      for (const ws of sockets.keys()) {
        ws.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return edge;
}
