import { describe, expect, it } from 'vitest';
import { applyHistoryPage, applyTail, createLogBuffer, findOverlap, mergeTail, needsHistory, toLogView, type LogBuffer } from './log-lines.ts';

const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

/** The buffer after polling tails of a log that grows, `asked` lines each. */
function poll(buffer: LogBuffer, log: readonly string[], asked: number): LogBuffer {
  return applyTail(buffer, log.slice(-asked), asked).buffer;
}

describe('findOverlap', () => {
  it('finds the longest run of lines that ends one list and starts the other', () => {
    expect(findOverlap(lines(0, 10), lines(6, 20))).toBe(4);
    expect(findOverlap(lines(0, 10), lines(10, 20))).toBe(0);
    expect(findOverlap(['a', 'b', 'a', 'b', 'a', 'b'], ['a', 'b', 'a', 'b', 'c'])).toBe(4);
  });

  it('does not join two windows on a single repeated line', () => {
    expect(findOverlap(['x', 'y', ''], ['', 'p', 'q', 'r'])).toBe(0);
    // Short sides can only overlap by what they have.
    expect(findOverlap(['a'], ['a', 'b', 'c', 'd'])).toBe(1);
  });
});

describe('mergeTail', () => {
  it('appends only the new lines of an overlapping window', () => {
    const merged = mergeTail(lines(0, 10), lines(5, 15), false);
    expect(merged).toEqual({ kind: 'appended', lines: lines(0, 15), added: 5 });
  });

  it('reports nothing new when the window ends where the held lines do', () => {
    expect(mergeTail(lines(0, 10), lines(5, 10), false).kind).toBe('same');
  });

  it('reports a gap when the window does not reach back to the held lines', () => {
    expect(mergeTail(lines(0, 10), lines(20, 30), false)).toEqual({ kind: 'gap', lines: lines(20, 30) });
  });

  it('takes a whole-log tail that extends the held lines, and resets on one that does not (a new attempt)', () => {
    expect(mergeTail(lines(0, 3), lines(0, 5), true)).toEqual({ kind: 'appended', lines: lines(0, 5), added: 2 });
    expect(mergeTail(lines(0, 5), ['attempt 2 starts'], true)).toEqual({ kind: 'reset', lines: ['attempt 2 starts'] });
  });

  it('keeps repeated identical lines that arrive in the same window', () => {
    expect(mergeTail(['build', 'ok'], ['build', 'ok', 'ok', 'ok'], true)).toEqual({ kind: 'appended', lines: ['build', 'ok', 'ok', 'ok'], added: 2 });
  });
});

describe('polling a growing log', () => {
  it('shows every line exactly once, however the polls overlap', () => {
    const log: string[] = [];
    let buffer = createLogBuffer();
    for (let step = 0; step < 30; step += 1) {
      log.push(...lines(log.length, log.length + (step % 4) * 7));
      buffer = poll(buffer, log, step === 0 ? 2000 : 40);
      // Polls that see nothing new are common (2 s apart).
      buffer = poll(buffer, log, 40);
    }
    expect(toLogView(buffer)).toEqual({ lines: log, gapAt: null, numbered: true });
  });

  it('marks a gap after missing more lines than a window holds, and history closes it', () => {
    const log = lines(0, 10);
    let buffer = poll(createLogBuffer(), log, 2000);
    log.push(...lines(10, 100));
    buffer = poll(buffer, log, 20);
    expect(toLogView(buffer)).toEqual({ lines: lines(80, 100), gapAt: 0, numbered: false });
    expect(needsHistory(buffer)).toBe(true);

    buffer = applyHistoryPage(buffer, { lines: lines(0, 50), nextAfterSeq: 4, done: false });
    expect(toLogView(buffer)).toEqual({ lines: [...lines(0, 50), ...lines(80, 100)], gapAt: 50, numbered: false });
    expect(buffer.pastCursor).toBe(4);

    buffer = applyHistoryPage(buffer, { lines: lines(50, 85), nextAfterSeq: 8, done: false });
    expect(toLogView(buffer)).toEqual({ lines: lines(0, 100), gapAt: null, numbered: true });
    expect(needsHistory(buffer)).toBe(false);
  });

  it('uses history read after the tail, which already holds the tail’s lines', () => {
    const log = lines(0, 3000);
    let buffer = poll(createLogBuffer(), log, 2000);
    log.push(...lines(3000, 3010));
    buffer = applyHistoryPage(buffer, { lines: log, nextAfterSeq: 30, done: true });
    expect(toLogView(buffer).lines).toEqual(log);
    // The next poll continues from there without repeating.
    log.push('line 3010');
    buffer = poll(buffer, log, 200);
    expect(toLogView(buffer).lines).toEqual(log);
  });

  it('starts over when a new attempt restarts the log', () => {
    let buffer = poll(createLogBuffer(), lines(0, 5), 2000);
    buffer = applyHistoryPage(buffer, { lines: lines(0, 5), nextAfterSeq: 1, done: true });
    buffer = poll(buffer, ['attempt 2'], 200);
    expect(toLogView(buffer)).toEqual({ lines: ['attempt 2'], gapAt: null, numbered: true });
    expect(buffer.past).toEqual([]);
  });
});
