import { describe, expect, it } from 'vitest';
import { lineMatches, markMatches, stripAnsi, toAnsiSegments } from './ansi-line.ts';

const ESC = '\u001b';

describe('toAnsiSegments', () => {
  it('turns SGR colours into rgb() styles and drops the escape codes', () => {
    const segments = toAnsiSegments(`${ESC}[1;31mERROR${ESC}[0m plain ${ESC}[38;2;10;20;30mtrue${ESC}[0m`);
    expect(segments).toEqual([
      { text: 'ERROR', style: { color: 'rgb(187, 0, 0)', 'font-weight': '700' }, mark: false },
      { text: ' plain ', style: {}, mark: false },
      { text: 'true', style: { color: 'rgb(10, 20, 30)' }, mark: false },
    ]);
  });

  it('keeps markup as text: <script> stays characters, never an element', () => {
    const segments = toAnsiSegments(`${ESC}[32m<script>alert("x")</script>${ESC}[0m &amp; <b>`);
    expect(segments.map((segment) => segment.text).join('')).toBe('<script>alert("x")</script> &amp; <b>');
    // Style values are only ever checked rgb() colours and fixed keywords.
    for (const segment of segments) {
      for (const value of Object.values(segment.style)) {
        expect(value).toMatch(/^(rgb\(\d{1,3}, \d{1,3}, \d{1,3}\)|700|italic|underline|line-through|0\.7|hidden|var\(--log-(bg|fg)\))$/);
      }
    }
  });

  it('shows what a carriage return leaves on screen (progress bars)', () => {
    expect(toAnsiSegments('10%\r50%\r100% done').map((segment) => segment.text)).toEqual(['100% done']);
    expect(toAnsiSegments('')).toEqual([]);
  });

  it('drops cursor moves and OSC titles', () => {
    expect(stripAnsi(`${ESC}[2K${ESC}]0;title${ESC}\\ok${ESC}[1A`)).toBe('ok');
  });
});

describe('markMatches', () => {
  it('marks every case-insensitive match, across colour boundaries', () => {
    const segments = toAnsiSegments(`fai${ESC}[31mLED then failed${ESC}[0m`);
    const marked = markMatches(segments, 'failed');
    expect(marked.map((segment) => [segment.text, segment.mark])).toEqual([
      ['fai', true],
      ['LED', true],
      [' then ', false],
      ['failed', true],
    ]);
    expect(marked[1]?.style).toEqual({ color: 'rgb(187, 0, 0)' });
  });

  it('leaves segments alone without a query or a match', () => {
    const segments = toAnsiSegments('hello');
    expect(markMatches(segments, '')).toEqual(segments);
    expect(markMatches(segments, 'bye')).toEqual(segments);
  });
});

describe('lineMatches', () => {
  it('searches the visible text, not the escape codes', () => {
    expect(lineMatches(`${ESC}[31merror${ESC}[0m`, 'ERROR')).toBe(true);
    expect(lineMatches(`${ESC}[31merror${ESC}[0m`, '31m')).toBe(false);
  });
});
