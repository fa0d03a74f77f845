import { describe, expect, it } from 'vitest';
import type { HookDelivery } from '../github/github-client.ts';
import { isFailedDelivery, planRedeliveries, REDELIVERY_POLICY } from './plan-redeliveries.ts';

const NOW = Date.UTC(2026, 10, 22, 6, 0, 0);
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

function delivery(id: number, guid: string, status: string, statusCode: number, at = minutesAgo(5)): HookDelivery {
  return { id, guid, delivered_at: at, redelivery: false, status, status_code: statusCode, event: 'issues', action: 'labeled', installation_id: 1, repository_id: 2 };
}

describe('isFailedDelivery', () => {
  it.each([
    ['OK', 200, false],
    ['OK', 202, false],
    ['Invalid HTTP Response: 503', 503, true],
    ['Invalid HTTP Response: 401', 401, true],
    ['timed out', 0, true],
  ] as const)('%s %d → %s', (status, code, failed) => {
    expect(isFailedDelivery({ status, status_code: code })).toBe(failed);
  });
});

describe('planRedeliveries', () => {
  it('redelivers the newest failed attempt of a GUID, never an OK one', () => {
    const plan = planRedeliveries([delivery(1, 'a', 'Invalid HTTP Response: 503', 503, minutesAgo(20)), delivery(2, 'a', 'Invalid HTTP Response: 503', 503, minutesAgo(10)), delivery(3, 'b', 'OK', 202)], new Map(), NOW);
    expect(plan.redeliver.map((d) => d.id)).toEqual([2]);
    expect(plan.pending.map((d) => d.id)).toEqual([2]);
    expect(plan.skipped).toEqual([{ guid: 'b', reason: 'delivered' }]);
  });

  it('a GUID with a later OK redelivery is done', () => {
    const plan = planRedeliveries([delivery(1, 'a', 'Invalid HTTP Response: 500', 500, minutesAgo(20)), delivery(2, 'a', 'OK', 200)], new Map(), NOW);
    expect(plan.redeliver).toEqual([]);
  });

  it.each([
    ['outside the window', minutesAgo(25 * 60), undefined, 'outside_window'],
    ['attempts exhausted', minutesAgo(5), { attempts: REDELIVERY_POLICY.maxAttempts, lastAttemptAt: NOW - 86_400_000 }, 'attempts_exhausted'],
    ['redelivered recently', minutesAgo(5), { attempts: 1, lastAttemptAt: NOW - 60_000 }, 'recently_redelivered'],
  ] as const)('skips a failure %s', (_, at, past, reason) => {
    const plan = planRedeliveries([delivery(1, 'a', 'Invalid HTTP Response: 502', 502, at)], new Map(past === undefined ? [] : [['a', past]]), NOW);
    expect(plan).toMatchObject({ redeliver: [], skipped: [{ guid: 'a', reason }] });
    // Only a failure still being redelivered may come back.
    expect(plan.pending.map((d) => d.guid)).toEqual(reason === 'recently_redelivered' ? ['a'] : []);
  });

  it('retries after the pause while attempts remain', () => {
    const plan = planRedeliveries([delivery(1, 'a', 'Invalid HTTP Response: 502', 502)], new Map([['a', { attempts: 1, lastAttemptAt: NOW - REDELIVERY_POLICY.retryAfterMs }]]), NOW);
    expect(plan.redeliver.map((d) => d.id)).toEqual([1]);
  });
});
