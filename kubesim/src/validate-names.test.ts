import { describe, expect, it } from 'vitest';
import { checkLabelKey, checkLabelValue, checkObjectName } from './validate-names.ts';

describe('checkObjectName', () => {
  it.each([
    ['dns-label', 'run-42', true],
    ['dns-label', 'a.b', false],
    ['dns-label', 'Upper', false],
    ['dns-label', '-lead', false],
    ['dns-label', 'x'.repeat(64), false],
    ['dns-subdomain', 'a.b-c', true],
    ['dns-subdomain', 'a..b', false],
    ['dns-subdomain', 'Bad_Name', false],
    ['path-segment', 'system:controller:job', true],
    ['path-segment', 'a/b', false],
    ['path-segment', '..', false],
  ] as const)('%s %s valid: %s', (rule, name, valid) => {
    expect(checkObjectName(rule, name, rule === 'dns-label' ? 63 : 253) === undefined).toBe(valid);
  });

  it('applies a kind-specific maximum length', () => {
    expect(checkObjectName('dns-subdomain', 'j'.repeat(64), 63)).toBe('must be no more than 63 characters');
  });
});

describe('label syntax', () => {
  it.each([
    ['app', true],
    ['stageline.dev/run-id', true],
    ['a/b/c', false],
    ['/name', false],
    ['Bad_Prefix/name', false],
    ['name-', false],
    ['n'.repeat(64), false],
  ])('key %s valid: %s', (key, valid) => {
    expect(checkLabelKey(key) === undefined).toBe(valid);
  });

  it.each([
    ['', true],
    ['v1.2_3-x', true],
    ['has space', false],
    ['-lead', false],
    ['v'.repeat(64), false],
  ])('value %j valid: %s', (value, valid) => {
    expect(checkLabelValue(value) === undefined).toBe(valid);
  });
});
