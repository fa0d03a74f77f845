import { describe, expect, it } from 'vitest';
import { decodeButton, encodeButton, packId, unpackId } from './callback-data.ts';

const id = '0b0c7c5e-8d0e-4c43-9a43-00000000abcd';

describe('button data', () => {
  it('round-trips every kind within 64 bytes', () => {
    for (const data of [{ kind: 'option', id, optionId: 'x'.repeat(32) }, { kind: 'free_text', id }, { kind: 'approval', id, approve: false }] as const) {
      const raw = encodeButton(data);
      expect(new TextEncoder().encode(raw).length).toBeLessThanOrEqual(64);
      expect(decodeButton(raw)).toEqual(data);
    }
    expect(unpackId(packId(id))).toBe(id);
  });

  it.each(['', 'd', 'x:AAAAAAAAAAAAAAAAAAAAAA', `d:${packId(id)}`, `d:${packId(id)}:Bad Option`, `a:${packId(id)}:maybe`, `f:${packId(id)}:extra`, `a:${packId(id)}:y:z`, 'd:short:a', `d:${'!'.repeat(22)}:a`])('refuses %j', (raw) => {
    expect(decodeButton(raw)).toBeNull();
  });
});
