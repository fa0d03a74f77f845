import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogBatcher, MAX_LINE_CHARS } from './log-batcher.ts';

describe('createLogBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const collect = (options: { maxLines?: number; maxBytes?: number } = {}) => {
    const chunks: Array<{ seq: number; lines: string[] }> = [];
    const batcher = createLogBatcher({ ...options, flushMs: 200, onChunk: (seq, lines) => chunks.push({ seq, lines }) });
    return { chunks, batcher };
  };

  it('flushes 200 ms after the first buffered line', () => {
    const { chunks, batcher } = collect();
    batcher.push('a');
    vi.advanceTimersByTime(150);
    batcher.push('b');
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(chunks).toEqual([{ seq: 0, lines: ['a', 'b'] }]);
    batcher.push('c');
    vi.advanceTimersByTime(200);
    expect(chunks).toEqual([
      { seq: 0, lines: ['a', 'b'] },
      { seq: 1, lines: ['c'] },
    ]);
  });

  it('flushes at the line limit with consecutive seqs', () => {
    const { chunks, batcher } = collect({ maxLines: 100 });
    for (let i = 0; i < 250; i++) {
      batcher.push(`line ${i}`);
    }
    expect(chunks.map((c) => [c.seq, c.lines.length])).toEqual([
      [0, 100],
      [1, 100],
    ]);
    batcher.close();
    expect(chunks.map((c) => [c.seq, c.lines.length])).toEqual([
      [0, 100],
      [1, 100],
      [2, 50],
    ]);
    expect(chunks.flatMap((c) => c.lines)[249]).toBe('line 249');
  });

  it('keeps a chunk under the byte budget and truncates huge lines', () => {
    const { chunks, batcher } = collect({ maxBytes: 40_000 });
    batcher.push('x'.repeat(MAX_LINE_CHARS + 10));
    batcher.push('y'.repeat(MAX_LINE_CHARS));
    batcher.push('z'.repeat(MAX_LINE_CHARS));
    batcher.close();
    expect(chunks.map((c) => c.lines.map((l) => `${l[0]}${l.length}`))).toEqual([['x16384', 'y16384'], ['z16384']]);
  });

  it('ignores pushes after close and sends nothing after discard', () => {
    const { chunks, batcher } = collect();
    batcher.push('a');
    batcher.close();
    batcher.push('b');
    vi.advanceTimersByTime(500);
    expect(chunks).toEqual([{ seq: 0, lines: ['a'] }]);

    const other = collect();
    other.batcher.push('a');
    other.batcher.discard();
    vi.advanceTimersByTime(500);
    expect(other.chunks).toEqual([]);
  });

  it('resumes an epoch: skips the lines the edge already has and continues the seq', () => {
    const chunks: Array<{ seq: number; lines: string[] }> = [];
    const batcher = createLogBatcher({ startSeq: 4, skipLines: 3, flushMs: 200, onChunk: (seq, lines) => chunks.push({ seq, lines }) });
    ['l1', 'l2', 'l3', 'l4', 'l5'].forEach((line) => batcher.push(line));
    batcher.close();
    expect(chunks).toEqual([{ seq: 4, lines: ['l4', 'l5'] }]);
    expect(batcher.nextSeq).toBe(5);
  });
});
