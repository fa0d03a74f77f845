import { describe, expect, it } from 'vitest';
import type { LogSegment } from './log-buffer.ts';
import { createLogBuffer, formatSegment, selectSegments } from './log-buffer.ts';

const at = (text: string, second: number): LogSegment => ({ text, time: new Date(Date.UTC(2025, 0, 1, 0, 0, second)) });
const render = (segments: LogSegment[]): string => segments.map((s) => s.text).join('');

describe('selectSegments', () => {
  const log = [at('one\n', 1), at('two\n', 2), at('thr', 3), at('ee\n', 4), at('part', 5)];

  it.each([
    [0, ''],
    [1, 'part'],
    [2, 'three\npart'],
    [3, 'two\nthree\npart'],
    [10, 'one\ntwo\nthree\npart'],
  ])('tailLines=%i', (tailLines, expected) => {
    expect(render(selectSegments(log, { tailLines, since: undefined, timestamps: false }))).toBe(expected);
  });

  it('filters by since', () => {
    expect(render(selectSegments(log, { tailLines: undefined, since: new Date(Date.UTC(2025, 0, 1, 0, 0, 4)), timestamps: false }))).toBe('ee\npart');
  });
});

describe('createLogBuffer', () => {
  it('splits chunks into lines, keeps order and notifies followers until closed', () => {
    const buffer = createLogBuffer();
    const followed: string[] = [];
    let closed = false;
    buffer.subscribe((s) => followed.push(s.text), () => {
      closed = true;
    });
    buffer.append('a\nb');
    buffer.append('c\n');
    buffer.close();
    expect(buffer.segments().map((s) => s.text)).toEqual(['a\n', 'b', 'c\n']);
    expect(followed).toEqual(['a\n', 'b', 'c\n']);
    expect(closed).toBe(true);
  });

  it('prefixes RFC3339Nano timestamps', () => {
    expect(formatSegment(at('x\n', 7), true)).toBe('2025-01-01T00:00:07.000000000Z x\n');
  });
});
