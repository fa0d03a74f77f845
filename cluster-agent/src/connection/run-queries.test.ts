import type { RunState, RunsQueryFrame } from '@stageline/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFrameIds } from './frame-ids.ts';
import { askInChunks, createRunQueries } from './run-queries.ts';

const state = (runId: string): RunState => ({ runId, status: 'running', active: true });

describe('run queries', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the answer that names the query', async () => {
    const queries = createRunQueries(createFrameIds('q'), 1000);
    const sent: RunsQueryFrame[] = [];
    const answer = queries.ask(['r1'], (frame) => sent.push(frame) > 0);
    expect(queries.settle({ type: 'runs.state', ref: 'other', runs: [] })).toBe(false);
    expect(queries.settle({ type: 'runs.state', ref: sent[0]?.id ?? '', runs: [state('r1')] })).toBe(true);
    await expect(answer).resolves.toEqual([state('r1')]);
  });

  it('is unanswered when it cannot be sent, times out, or the socket goes', async () => {
    vi.useFakeTimers();
    const queries = createRunQueries(createFrameIds('q'), 1000);
    await expect(queries.ask(['r1'], () => false)).resolves.toBeUndefined();
    const late = queries.ask(['r1'], () => true);
    vi.advanceTimersByTime(1000);
    await expect(late).resolves.toBeUndefined();
    const dropped = queries.ask(['r1'], () => true);
    queries.abandonAll();
    await expect(dropped).resolves.toBeUndefined();
  });

  it('asks in chunks of 500 and gives up on the first unanswered chunk', async () => {
    const ids = Array.from({ length: 1200 }, (_, i) => `r${i}`);
    const sizes: number[] = [];
    const all = await askInChunks(ids, async (chunk) => {
      sizes.push(chunk.length);
      return chunk.map(state);
    });
    expect(sizes).toEqual([500, 500, 200]);
    expect(all?.length).toBe(1200);
    let calls = 0;
    const none = await askInChunks(ids, async (chunk) => (++calls === 2 ? undefined : chunk.map(state)));
    expect(none).toBeUndefined();
    expect(calls).toBe(2);
  });
});
