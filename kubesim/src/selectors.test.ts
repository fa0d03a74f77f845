import { describe, expect, it } from 'vitest';
import { ApiError } from './http-status.ts';
import { matchesLabels, parseLabelSelector } from './selectors.ts';

const labels = { app: 'web', tier: 'front', 'example.com/owner': 'team-a' };

describe('parseLabelSelector', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web, api)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['example.com/owner=team-a,app=web', true],
    ['app=web,tier=back', false],
    ['', true],
  ])('%s matches: %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['app in web', 'app=web=x', 'bad key!=x', 'app=in valid', '=web'])('rejects %s with 400', (selector) => {
    const attempt = (): unknown => parseLabelSelector(selector);
    expect(attempt).toThrow(ApiError);
    try {
      attempt();
    } catch (err) {
      expect(err instanceof ApiError && err.status.code).toBe(400);
    }
  });
});
