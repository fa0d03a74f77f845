// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { FetchLike } from './api.ts';
import { makeDeadWrite, makeParked } from '../../test/fixtures/make-held.ts';
import { discardDeadWrite, discardParked, fetchHeldWork, replayParked, retryDeadWrite, toHeldWork } from './held-api.ts';
import { StaffApiError } from './staff-request.ts';

type Call = { url: string; method: string };

function answer(status: number, body: unknown): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, method: init?.method ?? 'GET' });
      return Promise.resolve(new Response(status === 204 ? null : JSON.stringify(body), { status }));
    },
  };
}

const parked = makeParked();
const dead = makeDeadWrite();

describe('held work', () => {
  it('reads parked deliveries and dead writes, dropping rows it cannot read and filling what the edge left out', async () => {
    const { fetch, calls } = answer(200, {
      parked_deliveries: [{ ...parked, error: { name: 'SyntaxError' } }, { sequence: 'x' }],
      dead_writes: [{ ...dead, error: { kind: 'network' } }, { kind: 'reaction' }],
      truncated: true,
    });
    const work = await fetchHeldWork({ fetch });
    expect(calls).toEqual([{ url: '/api/v1/staff/errors/held', method: 'GET' }]);
    expect(work.parked).toEqual([{ ...parked, error: { name: 'SyntaxError', code: null } }]);
    expect(work.dead).toEqual([{ ...dead, error: { kind: 'network', status: null } }]);
    expect(work.truncated).toBe(true);
    expect(() => toHeldWork({ parked_deliveries: [] })).toThrow(/held work/);
  });

  it('addresses each item by its repository (or none) and sequence, and says what a replay or retry did', async () => {
    const replay = answer(200, { outcome: 'accepted', run_id: 'r-9' });
    expect(await replayParked(parked, replay)).toMatch(/run was created/);
    const noRepo = answer(200, { outcome: 'ignored' });
    expect(await replayParked({ ...parked, repository_id: null }, noRepo)).toBe('Replayed (ignored).');
    const retry = answer(200, { outcome: 'superseded' });
    expect(await retryDeadWrite(dead, retry)).toMatch(/newer write/);
    const drop = answer(204, null);
    await discardParked(parked, drop);
    await discardDeadWrite(dead, drop);
    expect([...replay.calls, ...noRepo.calls, ...retry.calls, ...drop.calls]).toEqual([
      { url: '/api/v1/staff/errors/parked/42/7/replay', method: 'POST' },
      { url: '/api/v1/staff/errors/parked/none/7/replay', method: 'POST' },
      { url: '/api/v1/staff/errors/dead-writes/9/3/retry', method: 'POST' },
      { url: '/api/v1/staff/errors/parked/42/7', method: 'DELETE' },
      { url: '/api/v1/staff/errors/dead-writes/9/3', method: 'DELETE' },
    ]);
  });

  it('passes the edge refusal on, with its message', async () => {
    const busy = answer(409, { error: { code: 'conflict', message: 'deliveries are queued for this repository; replay after they drained' }, backlog: 3 });
    await expect(replayParked(parked, busy)).rejects.toSatisfy((e: unknown) => e instanceof StaffApiError && e.status === 409 && /queued/.test(e.message));
  });
});
