/**
 * Mutated agent frames for e2e/tests/fuzz-agent-frames.test.ts. Two
 * instances, A and B, each hold one running run; every case is a frame (or
 * an HTTP fallback batch) from one of them, built from a valid frame of
 * protocol/src/frames.ts and mutated from (seed, index). A frame never
 * legitimately changes a held run: a frame naming the sender's own run
 * always carries a wrong epoch, and the other instance's run is foreign
 * whatever its epoch. So after every case both runs must read as before.
 */
import { MAX_FRAME_BYTES } from '@stageline/protocol';
import { NASTY_NUMBERS, NASTY_STRINGS, Rng } from './fuzz-random.ts';

export type Who = 'A' | 'B';

export interface HeldRun {
  runId: string;
  epoch: number;
  jobName: string;
  namespace: string;
}

export interface FrameContext {
  instance: Record<Who, string>;
  held: Record<Who, HeldRun>;
  clusterToken: string;
  protocolVersion: string;
  policyVersion: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface WsCase {
  via: 'ws';
  index: number;
  who: Who;
  mutations: string[];
  message: string | Buffer;
  /** The `id` the frame carries when it is a string (what `ref` must echo). */
  id: string | undefined;
  /** The error the edge must answer with, when the input decides it. */
  expectError: 'malformed_frame' | 'frame_too_large' | null;
  /** The literal `ping` gets the hub's automatic `pong`. */
  ping: boolean;
  /** A frame of type claim: its answer is a claim.result (a heartbeat's claim.result precedes its heartbeat.result). */
  sentType: unknown;
}

export interface HttpCase {
  via: 'http';
  index: number;
  who: Who;
  mutations: string[];
  headers: Record<string, string>;
  body: string;
  allowed: number[];
}

export type FrameCase = WsCase | HttpCase;

const UUID_ZERO = '00000000-0000-0000-0000-000000000000';
const other = (who: Who): Who => (who === 'A' ? 'B' : 'A');

function randomUuid(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
}

function pickRun(rng: Rng, who: Who, ctx: FrameContext): { runId: string; epoch: number } {
  const target = rng.weighted<'own' | 'foreign' | 'unknown' | 'zero'>([
    [35, 'own'],
    [45, 'foreign'],
    [15, 'unknown'],
    [5, 'zero'],
  ]);
  if (target === 'unknown' || target === 'zero') {
    return { runId: target === 'zero' ? UUID_ZERO : randomUuid(rng), epoch: rng.int(0, 5) };
  }
  const run = ctx.held[target === 'own' ? who : other(who)];
  // Own run: a stale or future epoch; foreign run: its holder's epoch, epoch 0 (the canceled-by-anyone fault), or another.
  const epoch = target === 'own' ? rng.pick([0, run.epoch + 1, run.epoch + 7, 2 ** 31 - 1]) : rng.pick([run.epoch, run.epoch, 0, run.epoch + 1]);
  return { runId: run.runId, epoch };
}

function baseFrame(rng: Rng, who: Who, ctx: FrameContext, id: string): Record<string, Json> {
  const kind = rng.weighted<string>([
    [10, 'claim'],
    [30, 'run.status'],
    [18, 'heartbeat'],
    [14, 'log.append'],
    [12, 'runs.query'],
    [8, 'hello'],
    [4, 'unknown'],
  ]);
  switch (kind) {
    case 'claim':
      return { type: 'claim', id, limit: rng.int(1, 50) };
    case 'run.status': {
      const { runId, epoch } = pickRun(rng, who, ctx);
      const status = rng.pick(['running', 'succeeded', 'failed', 'timed_out', 'canceled', 'canceled']);
      const run = ctx.held[rng.pick(['A', 'B'] as const)];
      return {
        type: 'run.status',
        id,
        runId,
        epoch,
        status,
        ...(rng.chance(0.5) ? { reason: rng.pick(['job deleted', 'BackoffLimitExceeded', 'fuzz']) } : {}),
        ...(status === 'running' || rng.chance(0.3) ? { jobName: run.jobName, namespace: run.namespace } : {}),
      };
    }
    case 'heartbeat': {
      const n = rng.int(0, 4);
      return { type: 'heartbeat', id, runs: Array.from({ length: n }, () => pickRun(rng, who, ctx)) };
    }
    case 'log.append': {
      const { runId, epoch } = pickRun(rng, who, ctx);
      return { type: 'log.append', id, runId, epoch, seq: rng.int(0, 20), lines: Array.from({ length: rng.int(1, 5) }, (_, i) => `fuzz line ${i}`) };
    }
    case 'runs.query': {
      const n = rng.int(1, 4);
      return { type: 'runs.query', id, runIds: Array.from({ length: n }, () => pickRun(rng, who, ctx).runId) };
    }
    case 'hello':
      return { type: 'hello', id, protocolVersion: ctx.protocolVersion, policyVersion: ctx.policyVersion, instanceId: ctx.instance[who], agentVersion: 'fuzz', observedJobs: [] };
    default:
      return { type: rng.pick(['run.cancel', 'welcome', 'ack', 'HELLO', 'claim ', 'log', '']), id, runId: ctx.held[who].runId };
  }
}

function otherTypeValue(rng: Rng, current: Json): Json {
  const choices: Json[] = [null, true, rng.pick(NASTY_NUMBERS), rng.pick(NASTY_STRINGS), [], {}, [current], { value: current }, '1'];
  return rng.pick(choices.filter((c) => typeof c !== typeof current || Array.isArray(c) !== Array.isArray(current)));
}

/** One mutation of the frame object, in place. */
function mutateFrame(rng: Rng, frame: Record<string, Json>, who: Who, ctx: FrameContext): string {
  const keys = Object.keys(frame);
  const key = rng.pick(keys);
  const kind = rng.weighted<string>([
    [10, 'delete'],
    [14, 'wrong_type'],
    [10, 'nul'],
    [10, 'surrogate'],
    [4, 'unicode'],
    [8, 'number'],
    [6, 'huge'],
    [6, 'id'],
    [5, 'type'],
    [4, 'deep'],
    [4, 'extra_key'],
    [3, 'proto_key'],
    [6, 'instance'],
    [5, 'version'],
  ]);
  switch (kind) {
    case 'delete':
      delete frame[key];
      return `delete ${key}`;
    case 'wrong_type':
      frame[key] = otherTypeValue(rng, frame[key] ?? null);
      return `wrong_type ${key}`;
    case 'nul':
    case 'surrogate':
    case 'unicode': {
      const s = kind === 'nul' ? rng.pick(['\u0000', 'x\u0000']) : kind === 'surrogate' ? rng.pick(['\ud800', 'a\udfff', '\udbff\udbff']) : rng.pick(NASTY_STRINGS.slice(5));
      // Into a string field the edge stores or logs: the log lines, the reason, the versions, the job.
      const field = rng.pick(['lines', 'reason', 'agentVersion', 'protocolVersion', 'jobName', 'namespace', 'id', 'instanceId', key]);
      const cur = frame[field];
      if (Array.isArray(cur)) {
        cur.push(`line ${s}`);
      } else {
        frame[field] = typeof cur === 'string' ? cur + s : s;
      }
      return `${kind} ${field}`;
    }
    case 'number':
      frame[rng.pick(['epoch', 'seq', 'limit', key])] = rng.pick(NASTY_NUMBERS);
      return `number`;
    case 'huge': {
      // Mostly inside MAX_FRAME_BYTES, some past it (frame_too_large), a few past 1 MiB.
      const n = rng.weighted<number>([
        [60, rng.int(1_000, 200_000)],
        [30, rng.int(MAX_FRAME_BYTES + 1, 900_000)],
        [10, rng.int(1_100_000, 2_000_000)],
      ]);
      const unit = rng.pick(['x', 'é', '😀']);
      const text = unit.repeat(Math.ceil(n / Buffer.byteLength(unit)));
      const field = rng.pick(['lines', 'reason', 'agentVersion', 'padding']);
      frame[field] = field === 'lines' ? [text] : text;
      return `huge ~${n}B ${field}`;
    }
    case 'id':
      frame.id = rng.pick<Json>(['', 'x'.repeat(65), 42, null, ['i'], '\u0000', 'id with spaces and ünïcödé']);
      if (rng.chance(0.2)) {delete frame.id;}
      return `id`;
    case 'type':
      frame.type = rng.pick<Json>(['hello ', 'Claim', 'run_status', 7, null, ['claim'], { t: 'claim' }, 'heartbeat\u0000', '__proto__']);
      return `type`;
    case 'deep': {
      let v: Json = 'leaf';
      const depth = rng.pick([50, 500, 3000]);
      for (let i = 0; i < depth; i += 1) {v = rng.chance(0.5) ? [v] : { d: v };}
      frame[rng.pick(['runs', 'lines', 'observedJobs', 'extra'])] = v;
      return `deep ${depth}`;
    }
    case 'extra_key':
      frame[rng.pick(['owner', 'leaseOwner', 'instanceId', 'clusterId', 'epoch', 'status'])] = rng.pick<Json>([ctx.instance[other(who)], 'other-cluster', 0, 'succeeded']);
      return `extra_key`;
    case 'proto_key':
      return `proto_key`; // applied on the text (JSON.stringify drops a __proto__ own key made by assignment)
    case 'instance':
      // Claim to be the other instance, or nobody, inside the frame (the connection says who we are).
      frame.instanceId = rng.pick<Json>([ctx.instance[other(who)], '', 'local/x y', 'other-cluster/a', 'x'.repeat(254)]);
      return `instance`;
    default:
      frame.protocolVersion = rng.pick<Json>(['2.0.0', '0.1.0', '', '1', 'x'.repeat(33), 1]);
      return `version`;
  }
}

/**
 * The sender's own run with its own epoch is the one frame that may legitimately
 * change a held run (finish it, renew its lease, cancel it): make it stale.
 */
function neverLegitimate(frame: Record<string, Json>, who: Who, ctx: FrameContext): void {
  const own = ctx.held[who];
  const fix = (o: unknown) => {
    if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
      const r = o as Record<string, Json>;
      if (r.runId === own.runId && r.epoch === own.epoch) {
        r.epoch = own.epoch + 1;
      }
    }
  };
  fix(frame);
  if (Array.isArray(frame.runs)) {frame.runs.forEach(fix);}
}

function frameText(frame: Record<string, Json>, mutations: string[]): string {
  let text = JSON.stringify(frame);
  if (mutations.includes('proto_key')) {
    text = `{"__proto__":{"helloDone":true,"type":"claim"},"constructor":{"prototype":{"x":1}},${text.slice(1)}`;
  }
  return text;
}

/** Raw messages that are not a frame object at all. */
function rawMessage(rng: Rng, valid: string): { message: string | Buffer; kind: string; expectError: WsCase['expectError']; ping: boolean } {
  const kind = rng.pick(['not_json', 'truncated', 'binary', 'array', 'scalar', 'bom', 'empty', 'ping', 'oversized', 'trailing']);
  switch (kind) {
    case 'not_json':
      return { message: rng.pick(['hello', '{', '}', "{'type':'claim'}", '{"type":"claim",}', 'undefined', 'NaN']), kind, expectError: 'malformed_frame', ping: false };
    case 'truncated':
      return { message: valid.slice(0, rng.int(1, Math.max(1, valid.length - 1))), kind, expectError: 'malformed_frame', ping: false };
    case 'binary':
      return { message: Buffer.from(rng.chance(0.5) ? valid : '\u0000\u0001\u00ff'), kind, expectError: 'malformed_frame', ping: false };
    case 'array':
      return { message: `[${valid}]`, kind, expectError: 'malformed_frame', ping: false };
    case 'scalar':
      return { message: rng.pick(['null', '42', '"claim"', 'true']), kind, expectError: 'malformed_frame', ping: false };
    case 'bom':
      return { message: `\ufeff${valid}`, kind, expectError: 'malformed_frame', ping: false };
    case 'empty':
      return { message: '', kind, expectError: 'malformed_frame', ping: false };
    case 'ping':
      return { message: 'ping', kind, expectError: null, ping: true };
    case 'oversized':
      return { message: `{"type":"claim","id":"big","limit":1,"pad":"${'p'.repeat(rng.int(MAX_FRAME_BYTES, MAX_FRAME_BYTES * 3))}"}`, kind, expectError: 'frame_too_large', ping: false };
    default:
      return { message: `${valid} {}`, kind, expectError: 'malformed_frame', ping: false };
  }
}

/** A frame from `who`, mutated (0–3 times), made never legitimate for a held run. */
function mutatedFrame(rng: Rng, who: Who, ctx: FrameContext, id: string): { frame: Record<string, Json>; mutations: string[] } {
  const frame = baseFrame(rng, who, ctx, id);
  const mutations = [`${String(frame.type)}`];
  const n = rng.weighted<number>([
    [25, 0],
    [45, 1],
    [22, 2],
    [8, 3],
  ]);
  for (let i = 0; i < n; i += 1) {
    mutations.push(mutateFrame(rng, frame, who, ctx));
  }
  neverLegitimate(frame, who, ctx);
  return { frame, mutations };
}

/** Every 40th case of an instance keeps it alive (an instance that stops heartbeating loses its runs, docs/domain.md §3.5). */
export const isKeepalive = (index: number) => index % 40 === 0 || index % 40 === 1;

/**
 * Case `index`: even indexes come from A, odd from B; one in eight is an HTTP
 * fallback batch, the rest go over the instance's WebSocket.
 */
export function frameCase(seed: number, index: number, ctx: FrameContext): FrameCase {
  const rng = new Rng(seed, index);
  const who: Who = index % 2 === 0 ? 'A' : 'B';
  const id = `f${index}`;
  if (isKeepalive(index)) {
    return { via: 'ws', index, who, mutations: ['keepalive heartbeat'], message: JSON.stringify({ type: 'heartbeat', id, runs: [] }), id, expectError: null, ping: false, sentType: 'heartbeat' };
  }
  if (rng.chance(1 / 8)) {
    return httpCase(rng, index, who, ctx);
  }
  if (rng.chance(0.15)) {
    const valid = JSON.stringify(baseFrame(rng, who, ctx, id));
    const raw = rawMessage(rng, valid);
    return { via: 'ws', index, who, mutations: [`raw ${raw.kind}`], message: raw.message, id: undefined, expectError: raw.expectError, ping: raw.ping, sentType: undefined };
  }
  const { frame, mutations } = mutatedFrame(rng, who, ctx, id);
  const message = frameText(frame, mutations);
  const tooLarge = Buffer.byteLength(message) > MAX_FRAME_BYTES;
  return { via: 'ws', index, who, mutations, message, id: typeof frame.id === 'string' ? frame.id : undefined, expectError: tooLarge ? 'frame_too_large' : null, ping: false, sentType: frame.type };
}

function httpCase(rng: Rng, index: number, who: Who, ctx: FrameContext): HttpCase {
  const mutations = ['http'];
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${ctx.clusterToken}`, 'x-stageline-instance-id': ctx.instance[who] };
  let allowed = [200];
  const frames: Record<string, Json>[] = [];
  if (rng.chance(0.85)) {
    frames.push({ type: 'hello', id: `h${index}`, protocolVersion: ctx.protocolVersion, policyVersion: ctx.policyVersion, instanceId: ctx.instance[who], agentVersion: 'fuzz', observedJobs: [] });
  } else {
    mutations.push('no hello');
  }
  const n = rng.int(1, 8);
  for (let i = 0; i < n; i += 1) {
    const { frame, mutations: m } = mutatedFrame(rng, who, ctx, `f${index}.${i}`);
    frames.push(frame);
    mutations.push(m.join('+'));
  }
  let body = JSON.stringify({ frames });
  if (rng.chance(0.1)) {
    const kind = rng.pick(['not_json', 'frames_not_list', 'too_many', 'too_large', 'empty']);
    mutations.push(`body ${kind}`);
    switch (kind) {
      case 'not_json':
        body = body.slice(0, rng.int(0, body.length - 1));
        allowed = [400];
        break;
      case 'frames_not_list':
        body = JSON.stringify({ frames: rng.pick<Json>(['x', {}, null, 1]) });
        allowed = [400];
        break;
      case 'too_many':
        body = JSON.stringify({ frames: Array.from({ length: 201 }, (_, i) => ({ type: 'claim', id: `c${i}`, limit: 1 })) });
        allowed = [400];
        break;
      case 'too_large':
        body = JSON.stringify({ frames: [], pad: 'p'.repeat(MAX_FRAME_BYTES * 4 + 1) });
        allowed = [413];
        break;
      default:
        body = '';
        allowed = [400];
        break;
    }
  }
  if (body.length > MAX_FRAME_BYTES * 4) {
    // agent-connect.ts caps a batch at four frames' worth of text, before it reads the JSON.
    allowed = [413];
  }
  if (rng.chance(0.08)) {
    const kind = rng.pick(['wrong_token', 'no_token', 'bad_instance', 'no_instance']);
    mutations.push(`header ${kind}`);
    if (kind === 'wrong_token') {headers.authorization = `Bearer slc_${'0'.repeat(48)}`;}
    if (kind === 'no_token') {delete headers.authorization;}
    if (kind === 'bad_instance') {headers['x-stageline-instance-id'] = rng.pick(['has space', 'x'.repeat(254), 'a|b']);}
    if (kind === 'no_instance') {delete headers['x-stageline-instance-id'];}
    // The caller is refused before the body is read.
    allowed = [400, 401];
  }
  return { via: 'http', index, who, mutations, headers, body, allowed };
}
