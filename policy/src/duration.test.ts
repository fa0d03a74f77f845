import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseDurationSeconds } from './duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['5000', 5000],
    ['5s', 5000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2m', 120_000],
  ])('%s -> %i', (text, want) => expect(parseDurationMs(text)).toBe(want));

  it.each(['', 's', '5 s', '5d', '-5s', '1m-3s', 'abc'])('rejects %j', (text) => expect(parseDurationMs(text)).toBeUndefined());
});

describe('parseDurationSeconds', () => {
  it.each([
    ['24h', 86_400],
    ['1h30m', 5400],
    [' 90s ', 90],
    ['1.5h', 5400],
    ['1500ms', 2],
    ['720h', 2_592_000],
  ])('%j -> %i', (text, want) => expect(parseDurationSeconds(text)).toBe(want));

  // A bare number has no unit: Go's time.ParseDuration refuses it too.
  it.each(['86400', '0', '0s', '400ms', '', '1d', '-1h', '24 h'])('rejects %j', (text) => expect(parseDurationSeconds(text)).toBeUndefined());
});
