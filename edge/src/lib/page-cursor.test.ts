import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './page-cursor.ts';

describe('page cursors', () => {
  it('round-trips the sort key with microseconds', () => {
    const cursor = { createdAt: '2026-12-05T18:00:00.123456Z', id: '0a1b2c3d-0000-4000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each(['', 'not base64!', encodeCursor({ createdAt: '2026-12-05', id: 'x' }), 'x'.repeat(300), btoa('a|b|c')])('refuses %s', (raw) => {
    expect(decodeCursor(raw)).toBeNull();
  });
});
