import { describe, expect, it } from 'vitest';
import { cidrContains } from './config-json.ts';

describe('cidrContains', () => {
  it.each([
    ['0.0.0.0/0', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.0.0.0/8', '11.0.0.0/16', false],
    ['10.1.0.0/16', '10.0.0.0/8', false],
    ['192.168.0.0/16', '192.168.255.0/24', true],
    ['203.0.113.0/24', '203.0.113.0/24', true],
    ['::/0', 'fd00::/8', false],
    ['fd00::/8', 'fd00::/8', true],
  ])('%s contains %s: %s', (outer, inner, want) => expect(cidrContains(outer, inner)).toBe(want));
});
