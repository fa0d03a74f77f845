import { describe, expect, it } from 'vitest';
import { createOutbox, type OutboxFrame } from './outbox.ts';
import { createFrameIds } from './frame-ids.ts';

const runA = '3f2a9b1c-0000-4000-8000-00000000000a';
const runB = '3f2a9b1c-0000-4000-8000-00000000000b';

const status = (id: string, runId: string, epoch = 1): OutboxFrame => ({ type: 'run.status', id, runId, epoch, status: 'running' });
const chunk = (id: string, runId: string, seq: number, epoch = 1): OutboxFrame => ({ type: 'log.append', id, runId, epoch, seq, lines: [`l${seq}`] });

describe('outbox', () => {
  it('keeps frames in send order until settled', () => {
    const outbox = createOutbox();
    outbox.add(status('f1', runA), 0);
    outbox.add(chunk('f2', runA, 0), 0);
    outbox.add(chunk('f3', runA, 1), 0);
    expect(outbox.pending().map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    expect(outbox.settle('f2')).toEqual(chunk('f2', runA, 0));
    expect(outbox.pending().map((f) => f.id)).toEqual(['f1', 'f3']);
    expect(outbox.size).toBe(2);
  });

  it('settles an unknown or repeated ref as nothing', () => {
    const outbox = createOutbox();
    outbox.add(status('f1', runA), 0);
    expect(outbox.settle('f1')).toBeDefined();
    expect(outbox.settle('f1')).toBeUndefined();
    expect(outbox.settle('nope')).toBeUndefined();
  });

  it('drops only the frames of one run epoch', () => {
    const outbox = createOutbox();
    outbox.add(status('f1', runA, 1), 0);
    outbox.add(chunk('f2', runB, 0), 0);
    outbox.add(chunk('f3', runA, 0, 1), 0);
    outbox.add(chunk('f4', runA, 0, 2), 0);
    expect(outbox.dropRun(runA, 1)).toBe(2);
    expect(outbox.pending().map((f) => f.id)).toEqual(['f2', 'f4']);
  });

  it('hands out frames whose ack is overdue, once per timeout', () => {
    const outbox = createOutbox();
    outbox.add(status('f1', runA), 1000);
    outbox.add(status('f2', runB), 5000);
    expect(outbox.takeOverdue(20_000, 30_000)).toEqual([]);
    expect(outbox.takeOverdue(31_000, 30_000).map((f) => f.id)).toEqual(['f1']);
    expect(outbox.takeOverdue(32_000, 30_000)).toEqual([]);
    outbox.touchAll(40_000);
    expect(outbox.takeOverdue(60_000, 30_000)).toEqual([]);
    expect(outbox.takeOverdue(70_000, 30_000).map((f) => f.id)).toEqual(['f1', 'f2']);
  });

  it('pending() is a snapshot, safe to iterate while settling', () => {
    const outbox = createOutbox();
    outbox.add(status('f1', runA), 0);
    outbox.add(status('f2', runB), 0);
    const snapshot = outbox.pending();
    for (const frame of snapshot) {
      outbox.settle(frame.id);
    }
    expect(snapshot).toHaveLength(2);
    expect(outbox.size).toBe(0);
  });
});

describe('createFrameIds', () => {
  it('counts under a sanitised prefix and stays within 64 chars', () => {
    const next = createFrameIds('a1b2/c3 ' + 'x'.repeat(100));
    const first = next();
    const second = next();
    expect(first).toMatch(/^a1b2c3x+-1$/);
    expect(second.endsWith('-2')).toBe(true);
    expect(first.length).toBeLessThanOrEqual(64);
  });

  it('reports the unacknowledged log chunks and when the oldest was queued', () => {
    const outbox = createOutbox();
    expect(outbox.logBacklog()).toEqual({ frames: 0, oldestQueuedAt: undefined });
    outbox.add(status('f1', runA), 100);
    outbox.add(chunk('f2', runA, 0), 200);
    outbox.add(chunk('f3', runB, 0), 300);
    outbox.takeOverdue(10_000, 0);
    expect(outbox.logBacklog()).toEqual({ frames: 2, oldestQueuedAt: 200 });
    outbox.settle('f2');
    expect(outbox.logBacklog()).toEqual({ frames: 1, oldestQueuedAt: 300 });
    outbox.dropRun(runB, 1);
    expect(outbox.logBacklog()).toEqual({ frames: 0, oldestQueuedAt: undefined });
  });
});
