import { describe, expect, it } from 'vitest';
import { jsonbSafe, jsonbSafeString, jsonbSafeText } from './jsonb.ts';

describe('jsonbSafe', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps surrogate pairs', () => {
    expect(jsonbSafeString('a\u0000b')).toBe('a\uFFFDb');
    expect(jsonbSafeString('a\ud800b')).toBe('a\uFFFDb');
    expect(jsonbSafeString('\udc00x')).toBe('\uFFFDx');
    expect(jsonbSafeString('end\ud83d')).toBe('end\uFFFD');
    expect(jsonbSafeString('\udc00\ud800')).toBe('\uFFFD\uFFFD');
    expect(jsonbSafeString('pair \ud83d\ude00 ok')).toBe('pair \ud83d\ude00 ok');
  });

  it('makes keys and strings safe at any depth, keeping everything else', () => {
    const value = { 'k\u0000': ['x\ud800', 1, null, true, { deep: { 'y\udfff': 'z\u0000' } }], n: 2.5, ok: 'plain' };
    expect(jsonbSafe(value)).toEqual({ 'k\uFFFD': ['x\uFFFD', 1, null, true, { deep: { 'y\uFFFD': 'z\uFFFD' } }], n: 2.5, ok: 'plain' });
    // The input is not changed.
    expect(Object.keys(value)).toEqual(['k\u0000', 'n', 'ok']);
  });

  it('returns a clean value itself, without copying it', () => {
    const clean = { a: [1, 'two', { b: 'three' }], c: null };
    expect(jsonbSafe(clean)).toBe(clean);
  });

  it('gives text that Postgres jsonb accepts: no \\u0000 and no unpaired \\ud8xx escape', () => {
    const text = JSON.stringify(jsonbSafe({ t: 'a\u0000b\ud800', [`\udc00`]: 1, d: new Date(0) }));
    expect(text).not.toMatch(/\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|\\ud[c-f][0-9a-f]{2}/i);
    expect(JSON.parse(text)).toEqual({ t: 'a\uFFFDb\uFFFD', '\uFFFD': 1, d: '1970-01-01T00:00:00.000Z' });
  });

  it('keeps a clean JSON text as received, and re-serialises one Postgres could refuse', () => {
    const clean = '{"sha":"0be1234567890a","n":1.5e10,"t":"plain \\u00e9 \ud83d\ude00"}';
    expect(jsonbSafeText(clean, JSON.parse(clean))).toBe(clean);
    const nul = '{"t":"a\\u0000b"}';
    expect(jsonbSafeText(nul, JSON.parse(nul))).toBe('{"t":"a\uFFFDb"}');
    const lone = '{"t":"a\\uD800b"}';
    expect(jsonbSafeText(lone, JSON.parse(lone))).toBe('{"t":"a\uFFFDb"}');
    // An escaped pair is walked (the check cannot tell it from a lone half) and comes out the same.
    const pair = '{"t":"\\ud83d\\ude00"}';
    expect(jsonbSafeText(pair, JSON.parse(pair))).toBe('{"t":"\ud83d\ude00"}');
    const huge = '{"n": 1e99999, "m":[2E+1000]}';
    expect(jsonbSafeText(huge, JSON.parse(huge))).toBe('{"n":null,"m":[null]}');
    const digits = `{"n":${'9'.repeat(400)}}`;
    expect(jsonbSafeText(digits, JSON.parse(digits))).toBe(JSON.stringify(JSON.parse(digits)));
  });
});
