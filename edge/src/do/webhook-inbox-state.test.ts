import { describe, expect, it } from 'vitest';
import {
  ApplyTimeoutError,
  backoffMs,
  chunkKey,
  classifyDbError,
  decideAfterApplyError,
  decideArrival,
  decideDrainFailure,
  describeDbError,
  drained,
  EMPTY_META,
  enqueued,
  entryKey,
  firstDrainDelayMs,
  hasRoom,
  decideReplay,
  parkedKey,
  parseInboxMeta,
  parseParkedEntry,
  parseQueuedEntry,
  sequenceOfParkedKey,
  unparked,
  splitChunks,
  threadKeyOf,
  type InboxMeta,
} from './webhook-inbox-state.ts';

const limits = { maxDeliveries: 3, maxBytes: 1000 };

function queueOf(sizes: number[]): InboxMeta {
  let meta = EMPTY_META;
  for (const size of sizes) {
    meta = enqueued(meta, size).meta;
  }
  return meta;
}

/** An error shaped like drizzle's wrapper around a pg/Neon error. */
function wrapped(cause: unknown, params = '["{\\"body\\":\\"secret text\\"}"]'): Error {
  const e = new Error(`Failed query: insert into webhook_deliveries ...\nparams: ${params}`, { cause });
  Object.assign(e, { query: 'insert …', params: [params] });
  return e;
}

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'error', code, severity: 'ERROR' });
}

describe('threadKeyOf', () => {
  it('orders by issue, pull request or discussion number, and the rest by repository', () => {
    expect(threadKeyOf({ issue: { number: 7 }, repository: { id: 1 } })).toBe('#7');
    expect(threadKeyOf({ pull_request: { number: 7 } })).toBe('#7');
    expect(threadKeyOf({ discussion: { number: 9 } })).toBe('#9');
    expect(threadKeyOf({ issue: { number: '7' }, pull_request: { number: 8 } })).toBe('#8');
    expect(threadKeyOf({ label: { name: 'run:dev' } })).toBe('repo');
    expect(threadKeyOf({ issue: { number: 2 ** 60 } })).toBe('repo');
    expect(threadKeyOf(null)).toBe('repo');
  });
});

describe('arrival ordering', () => {
  it('applies directly only when nothing is queued', () => {
    expect(decideArrival(EMPTY_META, undefined)).toEqual({ kind: 'apply' });
  });

  it('appends behind queued deliveries instead of overtaking them', () => {
    expect(decideArrival(queueOf([10]), undefined)).toEqual({ kind: 'enqueue' });
  });

  it('answers a redelivery of a queued id with its existing place', () => {
    expect(decideArrival(queueOf([10, 20]), 2)).toEqual({ kind: 'already_queued', sequence: 2 });
  });

  it('hands out dense, increasing sequences and pops oldest first', () => {
    const first = enqueued(EMPTY_META, 10);
    const second = enqueued(first.meta, 20);
    expect([first.sequence, second.sequence]).toEqual([1, 2]);
    expect(second.meta).toMatchObject({ head: 1, next: 3, count: 2, bytes: 30 });
    const afterOne = drained(second.meta, 10);
    expect(afterOne).toMatchObject({ head: 2, next: 3, count: 1, bytes: 20 });
    expect(drained(afterOne, 20)).toMatchObject({ head: 3, next: 3, count: 0, bytes: 0 });
  });

  it('keeps sequences increasing across an emptied queue', () => {
    const emptied = drained(queueOf([5]), 5);
    expect(enqueued(emptied, 5).sequence).toBe(2);
  });
});

describe('after a direct apply failed', () => {
  it.each([
    ['unreachable, room left', 'unreachable', [], 10, 'enqueue'],
    ['unreachable, count bound reached', 'unreachable', [1, 1, 1], 1, 'full'],
    ['unreachable, byte bound would be passed', 'unreachable', [900], 101, 'full'],
    ['unreachable, exactly at the byte bound', 'unreachable', [900], 100, 'enqueue'],
    ['a statement error', 'permanent', [], 10, 'fail'],
  ] as const)('%s -> %s', (_name, kind, queued, bytes, expected) => {
    expect(decideAfterApplyError(queueOf([...queued]), kind, bytes, limits)).toBe(expected);
  });

  it('bounds the queue by count and bytes', () => {
    expect(hasRoom(queueOf([1, 1]), 1, limits)).toBe(true);
    expect(hasRoom(queueOf([1, 1, 1]), 1, limits)).toBe(false);
    expect(hasRoom(queueOf([999]), 2, limits)).toBe(false);
  });
});

describe('drain backoff', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [50, 60_000],
  ])('after %i failures waits %i ms', (failures, ms) => {
    expect(backoffMs(failures)).toBe(ms);
  });

  it('schedules the first drain one step out, or at the current backoff', () => {
    expect(firstDrainDelayMs(EMPTY_META)).toBe(1000);
    expect(firstDrainDelayMs({ ...EMPTY_META, failures: 4 })).toBe(8000);
  });

  it('keeps the head and doubles the delay while the database is unreachable', () => {
    let meta = queueOf([10, 20]);
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const d = decideDrainFailure(meta, 'unreachable', 10);
      expect(d.kind).toBe('retry');
      if (d.kind === 'retry') {
        delays.push(d.delayMs);
        meta = d.meta;
      }
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(meta).toMatchObject({ head: 1, count: 2, bytes: 30, headRejections: 0 });
    // The database answered again: the backoff starts over.
    expect(drained(meta, 10)).toMatchObject({ failures: 0, head: 2, count: 1 });
  });

  it('parks a head that fails with a statement error at once, so the next goes on without waiting', () => {
    const meta = queueOf([10, 20]);
    // An outage before it counts only towards the backoff, which parking resets.
    const outage = decideDrainFailure(meta, 'unreachable', 10);
    expect(outage).toMatchObject({ kind: 'retry', meta: { head: 1, failures: 1 } });
    const parked = decideDrainFailure(outage.meta, 'permanent', 10);
    expect(parked).toMatchObject({ kind: 'park', meta: { head: 2, count: 1, bytes: 20, parked: 1, failures: 0, headRejections: 0 } });
  });
});

describe('classifyDbError', () => {
  it.each<[string, unknown]>([
    ['connection refused (errno)', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['a pool another call dropped', new Error('Cannot use a pool after calling end on the pool')],
    ['workerd: network connection lost', new Error('Network connection lost.')],
    ['Neon: WebSocket error', new Error('WebSocket connection to ws://127.0.0.1:1/v2 failed')],
    ['pg pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['admin shutdown 57P01', pgError('57P01', 'terminating connection due to administrator command')],
    ['starting up 57P03', pgError('57P03', 'the database system is starting up')],
    ['connection failure 08006', pgError('08006', 'connection failure')],
    ['too many connections 53300', pgError('53300', 'sorry, too many clients already')],
    ['serialization failure 40001', pgError('40001', 'could not serialize access due to concurrent update')],
    ['deadlock 40P01', pgError('40P01', 'deadlock detected')],
    ['lock not available 55P03', pgError('55P03', 'could not obtain lock on row')],
    ['statement timeout 57014', wrapped(pgError('57014', 'canceling statement due to statement timeout'))],
    ['our own apply timeout', new ApplyTimeoutError(5000)],
    ['a dependency of the decision did not answer', Object.assign(new Error('sender permission unavailable'), { name: 'DependencyUnavailableError' })],
    ['wrapped by drizzle', wrapped(new Error('Connection terminated unexpectedly'))],
    ['an AggregateError of refusals', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'all failed')],
  ])('%s -> unreachable', (_name, error) => {
    expect(classifyDbError(error)).toBe('unreachable');
  });

  it.each<[string, unknown]>([
    ['unique violation 23505', pgError('23505', 'duplicate key value violates unique constraint')],
    ['bad json 22P02', wrapped(pgError('22P02', 'invalid input syntax for type json'))],
    ['NUL in jsonb 22P05', wrapped(pgError('22P05', 'unsupported Unicode escape sequence'))],
    ['syntax error 42601', pgError('42601', 'syntax error')],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    // A payload that mentions a network word must not turn a statement error into an outage.
    ['a query wrapper quoting "websocket" in the params, statement error inside', wrapped(pgError('23502', 'null value'), '["websocket connection terminated"]')],
    ['a query wrapper without a cause', wrapped(undefined, '["Connection terminated"]')],
    ['a non-error value', 'boom'],
  ])('%s -> permanent', (_name, error) => {
    expect(classifyDbError(error)).toBe('permanent');
  });
});

describe('describeDbError', () => {
  it('never carries the query parameters or a server message', () => {
    const described = describeDbError(wrapped(pgError('22P02', 'invalid input syntax for type json: "secret text"')));
    expect(JSON.stringify(described)).not.toContain('secret');
    expect(described).toEqual({ name: 'Error<-error', code: '22P02' });
  });

  it('keeps the message of a network error without a code', () => {
    expect(describeDbError(wrapped(new Error('Connection terminated unexpectedly')))).toEqual({ name: 'Error<-Error', cause: 'Connection terminated unexpectedly' });
  });
});

describe('storage records', () => {
  it('uses sortable keys', () => {
    expect(entryKey(42)).toBe('q:000000000042');
    expect(chunkKey(42, 3)).toBe('b:000000000042:3');
    expect([entryKey(9), entryKey(10)].sort()).toEqual([entryKey(9), entryKey(10)]);
  });

  it('parses what it stored and refuses anything else', () => {
    const meta = queueOf([3]);
    expect(parseInboxMeta(structuredClone(meta))).toEqual(meta);
    expect(parseInboxMeta(undefined)).toEqual(EMPTY_META);
    expect(parseInboxMeta({ head: -1 })).toEqual(EMPTY_META);
    const entry = { deliveryId: 'd1', event: 'issues', receivedAt: '2026-11-22T00:00:00.000Z', bytes: 3, chunks: 1 };
    expect(parseQueuedEntry(entry)).toEqual(entry);
    expect(parseQueuedEntry({ ...entry, chunks: 'x' })).toBeNull();
  });

  it('splits payloads into chunks that join back, without cutting a surrogate pair', () => {
    const text = 'ab😀cd😀e';
    for (const size of [1, 2, 3, 4, 100]) {
      const chunks = splitChunks(text, size);
      expect(chunks.join('')).toBe(text);
      for (const c of chunks) {
        expect(c.length).toBeLessThanOrEqual(Math.max(size, 2));
        // No chunk ends in a high surrogate unless the pair could not fit anyway.
        if (size > 1) {
          const last = c.charCodeAt(c.length - 1);
          expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
        }
      }
    }
    expect(splitChunks('')).toEqual(['']);
  });
});

describe('parked entries', () => {
  const entry = { deliveryId: 'd-1', event: 'issues', receivedAt: '2026-12-05T10:00:00.000Z', bytes: 10, chunks: 1 };

  it('reads the error (name and SQLSTATE only) and when it was parked; entries of earlier versions have neither', () => {
    expect(parseParkedEntry({ ...entry, error: { name: 'DrizzleQueryError<-NeonDbError', code: '23505', cause: 'quoted payload' }, parkedAt: '2026-12-05T10:01:00.000Z' })).toEqual({
      ...entry,
      error: { name: 'DrizzleQueryError<-NeonDbError', code: '23505' },
      parkedAt: '2026-12-05T10:01:00.000Z',
    });
    expect(parseParkedEntry(entry)).toEqual({ ...entry, error: null, parkedAt: null });
    expect(parseParkedEntry({ ...entry, chunks: -1 })).toBeNull();
  });

  it('finds the sequence in a parked key only', () => {
    expect(sequenceOfParkedKey(parkedKey(42))).toBe(42);
    expect(sequenceOfParkedKey(entryKey(42))).toBeNull();
    expect(sequenceOfParkedKey('x:42')).toBeNull();
  });

  it('replays only while nothing is queued, so it cannot reorder a thread against a backlog', () => {
    expect(decideReplay(EMPTY_META)).toEqual({ kind: 'apply' });
    const { meta } = enqueued(EMPTY_META, 10);
    expect(decideReplay(meta)).toEqual({ kind: 'backlog', backlog: 1 });
  });

  it('counts a parked entry out once it left, never below zero', () => {
    expect(unparked({ ...EMPTY_META, parked: 2 }).parked).toBe(1);
    expect(unparked(EMPTY_META).parked).toBe(0);
  });
});
