/**
 * A fake edge speaking the agent protocol: `GET /agent/connect` (WebSocket,
 * bearer token) and `POST /agent/v1/frames` (HTTP fallback), over an
 * in-memory run table. Fencing follows the real edge: every status goes
 * through `transitionRun` from @stageline/policy (lease owner + epoch), each
 * frame id is applied once (a re-sent frame gets the same answer), and a log
 * chunk is stored once per (run, epoch, seq).
 *
 * Tests add runs, read what was applied, and misbehave on purpose: drop
 * sockets, refuse upgrades, withhold acks, send garbage, hand a run to
 * another instance.
 */
import { POLICY_VERSION, transitionRun, type RunEvent, type RunState } from '@stageline/policy';
import {
  decodeAgentFrame,
  encodeFrame,
  PROTOCOL_VERSION,
  type AgentFrame,
  type ClaimedRun,
  type EdgeFrame,
  type LogAppendFrame,
  type RunStatusFrame,
} from '@stageline/protocol';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeEdgeOptions {
  token?: string;
  /** Answer every upgrade with 401 (the HTTP fallback still works with the right token). */
  refuseSockets?: boolean;
  heartbeatIntervalMs?: number;
  protocolVersion?: string;
  policyVersion?: string;
  clusterId?: string;
}

export interface FakeRun extends RunState {
  claim: Omit<ClaimedRun, 'epoch' | 'leaseUntil'>;
  jobName?: string;
  namespace?: string;
  reason?: string | null;
}

export interface AppliedStatus {
  frameId: string;
  runId: string;
  epoch: number;
  status: RunStatusFrame['status'];
  jobName?: string;
  namespace?: string;
  reason?: string;
}

export interface StoredChunk {
  epoch: number;
  seq: number;
  lines: string[];
}

interface Peer {
  instanceId: string | undefined;
  send(frame: EdgeFrame): void;
}

export interface FakeEdge {
  readonly url: string;
  readonly token: string;
  readonly runs: Map<string, FakeRun>;
  /** Status transitions that changed a run, in order. */
  readonly applied: AppliedStatus[];
  readonly chunks: Map<string, StoredChunk[]>;
  /** Every decoded agent frame, duplicates included. */
  readonly received: Array<{ via: 'socket' | 'http'; frame: AgentFrame }>;
  readonly rejects: Array<{ ref: string; code: string }>;
  readonly stats: { upgrades: number; refusedUpgrades: number; polls: number; unauthorizedPolls: number };
  /** Process frames but keep the acks (a lost ack); `releaseAcks` is implicit on reconnect. */
  withholdAcks: boolean;
  refuseSockets: boolean;
  addRun(overrides?: Partial<FakeRun['claim']>): string;
  /** Hand the run's lease to another instance (a stale-lease reclaim). */
  reclaim(runId: string, owner?: string): void;
  /** Lines of a run in store order (one epoch). */
  logLines(runId: string, epoch?: number): string[];
  sendRaw(text: string): void;
  dropSockets(): void;
  openSockets(): number;
  close(): Promise<void>;
}

const STATUS_EVENT: Record<RunStatusFrame['status'], (frame: RunStatusFrame, owner: string) => RunEvent> = {
  running: (f, owner) => ({ kind: 'job_started', owner, epoch: f.epoch, jobName: f.jobName ?? '', namespace: f.namespace ?? '' }),
  succeeded: (f, owner) => ({ kind: 'job_succeeded', owner, epoch: f.epoch }),
  failed: (f, owner) => ({ kind: 'job_failed', owner, epoch: f.epoch, reason: f.reason ?? '' }),
  timed_out: (f, owner) => ({ kind: 'job_timed_out', owner, epoch: f.epoch, reason: f.reason ?? '' }),
};

export async function startFakeEdge(options: FakeEdgeOptions = {}): Promise<FakeEdge> {
  const token = options.token ?? 'cluster-token-1';
  const runs = new Map<string, FakeRun>();
  const order: string[] = [];
  const applied: AppliedStatus[] = [];
  const chunks = new Map<string, StoredChunk[]>();
  const received: FakeEdge['received'] = [];
  const rejects: FakeEdge['rejects'] = [];
  const answered = new Map<string, EdgeFrame>();
  const stats = { upgrades: 0, refusedUpgrades: 0, polls: 0, unauthorizedPolls: 0 };
  const sockets = new Map<WebSocket, Peer & { welcomed: boolean }>();
  let counter = 0;

  const welcome = (): EdgeFrame => ({
    type: 'welcome',
    clusterId: options.clusterId ?? 'cluster-1',
    protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    policyVersion: options.policyVersion ?? POLICY_VERSION,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 200,
  });

  function claim(limit: number, owner: string, ref: string): EdgeFrame {
    const claimed: ClaimedRun[] = [];
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + 45 * 60_000);
    for (const runId of order) {
      const run = runs.get(runId);
      if (!run || claimed.length >= limit) {
        continue;
      }
      const change = transitionRun(run, { kind: 'claim', owner, leaseUntil }, now);
      if (change.ok) {
        Object.assign(run, { status: change.value.status, leaseOwner: change.value.leaseOwner, leaseEpoch: change.value.leaseEpoch });
        claimed.push({ ...run.claim, epoch: run.leaseEpoch, leaseUntil: leaseUntil.toISOString() });
      }
    }
    return { type: 'claim.result', ref, runs: claimed };
  }

  function applyStatus(frame: RunStatusFrame, owner: string): EdgeFrame {
    const run = runs.get(frame.runId);
    if (!run) {
      return { type: 'reject', ref: frame.id, code: 'not_found', message: 'no such run' };
    }
    const change = transitionRun(run, STATUS_EVENT[frame.status](frame, owner), new Date());
    if (!change.ok) {
      return { type: 'reject', ref: frame.id, code: change.error.kind, message: JSON.stringify(change.error) };
    }
    if (change.value.noop) {
      return { type: 'ack', ref: frame.id, result: 'noop' };
    }
    Object.assign(run, { status: change.value.status, jobName: change.value.jobName ?? run.jobName, namespace: change.value.namespace ?? run.namespace });
    run.reason = change.value.statusReason ?? run.reason;
    applied.push({ frameId: frame.id, runId: frame.runId, epoch: frame.epoch, status: frame.status, jobName: frame.jobName, namespace: frame.namespace, reason: frame.reason });
    return { type: 'ack', ref: frame.id, result: 'applied' };
  }

  function appendLog(frame: LogAppendFrame, owner: string): EdgeFrame {
    const run = runs.get(frame.runId);
    if (!run) {
      return { type: 'reject', ref: frame.id, code: 'not_found', message: 'no such run' };
    }
    if (run.leaseOwner !== owner || run.leaseEpoch !== frame.epoch) {
      return { type: 'reject', ref: frame.id, code: 'stale_lease', message: 'not the lease holder' };
    }
    const stored = chunks.get(frame.runId) ?? [];
    chunks.set(frame.runId, stored);
    if (stored.some((chunk) => chunk.epoch === frame.epoch && chunk.seq === frame.seq)) {
      return { type: 'ack', ref: frame.id, result: 'noop' };
    }
    stored.push({ epoch: frame.epoch, seq: frame.seq, lines: frame.lines });
    return { type: 'ack', ref: frame.id, result: 'applied' };
  }

  /** One agent frame in, the answers out. */
  function handle(frame: AgentFrame, peer: Peer): EdgeFrame[] {
    if (frame.type === 'hello') {
      peer.instanceId = frame.instanceId;
      return [welcome()];
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
        return [claim(frame.limit, owner, frame.id)];
      case 'heartbeat':
        return [{ type: 'ack', ref: frame.id, result: 'applied' }];
      case 'run.status':
        answer = applyStatus(frame, owner);
        break;
      case 'log.append':
        answer = appendLog(frame, owner);
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
    runs,
    applied,
    chunks,
    received,
    rejects,
    stats,
    withholdAcks: false,
    refuseSockets: options.refuseSockets ?? false,
    addRun(overrides = {}) {
      counter += 1;
      const runId = overrides.runId ?? randomUUID();
      runs.set(runId, {
        status: 'pending',
        leaseOwner: null,
        leaseEpoch: 0,
        claim: {
          runId,
          correlationId: `delivery-${counter}`,
          attemptNo: 1,
          projectId: 'proj-1',
          repositoryFullName: 'acme/app',
          issueNumber: 7,
          triggerKind: 'dev',
          triggerLabel: 'run:dev',
          agentKey: 'dev',
          ...overrides,
        },
      });
      order.push(runId);
      for (const peer of sockets.values()) {
        if (peer.welcomed) {
          peer.send({ type: 'run.available', runIds: [runId] });
        }
      }
      return runId;
    },
    reclaim(runId, owner = 'other-cluster/other-pod') {
      const run = runs.get(runId);
      if (run) {
        run.leaseOwner = owner;
        run.leaseEpoch += 1;
      }
    },
    logLines(runId, epoch) {
      const stored = (chunks.get(runId) ?? []).filter((chunk) => epoch === undefined || chunk.epoch === epoch);
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
