import { describe, expect, it } from 'vitest';
import { createRateLimitState, observeResponse } from '../github/rate-limit-state.ts';
import type { GitHubError } from '../github/rest-transport.ts';
import { decideAfterAttempt, planStep, queueKey, statusCommentMarker, toOutboxWrite, type OutboxWrite, type QueuedWrite } from './github-outbox-state.ts';

const NOW = Date.UTC(2026, 10, 22, 6, 0, 0);
const thread = { repositoryId: 42, owner: 'octo-org', repo: 'app', number: 7 };
const repo = { repositoryId: 42, owner: 'octo-org', repo: 'app' };

describe('toOutboxWrite', () => {
  it('a status comment is an upsert keyed by run, carrying the hidden marker once', () => {
    const w = toOutboxWrite({ kind: 'status-comment', thread, runId: 'r1', body: 'planned' });
    expect(w).toMatchObject({ kind: 'upsert-comment', key: 'status-comment:r1', marker: '<!-- stageline:run:r1 -->' });
    expect(w.kind === 'upsert-comment' && w.body.endsWith(statusCommentMarker('r1'))).toBe(true);
    const again = toOutboxWrite({ kind: 'status-comment', thread, runId: 'r1', body: `x\n${statusCommentMarker('r1')}` });
    expect(again.kind === 'upsert-comment' && again.body.split('stageline:run:r1').length).toBe(2);
  });

  it('label writes get stable default keys', () => {
    expect(toOutboxWrite({ kind: 'add-labels', thread, labels: ['b', 'a'] }).key).toBe('labels:add:42#7:a,b');
    expect(toOutboxWrite({ kind: 'remove-label', thread, label: 'need:input' }).key).toBe('labels:remove:42#7:need:input');
    expect(toOutboxWrite({ kind: 'reaction', thread, content: 'eyes' }).key).toBe('reaction:42#7:eyes');
    // Creating and refreshing one repository label share a key (case-insensitive, like GitHub's names).
    expect(toOutboxWrite({ kind: 'create-label', repo, label: { name: 'Run:Dev', color: 'x', description: 'd' } }).key).toBe('repo-label:42:run:dev');
    expect(toOutboxWrite({ kind: 'update-label', repo, name: 'run:dev', color: 'x', description: 'd' }).key).toBe('repo-label:42:run:dev');
  });
});

describe('planStep', () => {
  const item = (notBefore = 0): QueuedWrite => ({ seq: 1, write: toOutboxWrite({ kind: 'reaction', thread, content: 'eyes' }), attempts: 0, notBefore, enqueuedAt: NOW });

  it.each([
    ['empty queue', undefined, createRateLimitState(), { kind: 'idle' }],
    ['free', item(), createRateLimitState(), { kind: 'run' }],
    ['own backoff', item(NOW + 5000), createRateLimitState(), { kind: 'wait', until: NOW + 5000 }],
    ['secondary limit', item(), observeResponse(createRateLimitState(), { status: 429, remaining: null, reset: null, retryAfter: '3', message: null }, NOW).state, { kind: 'wait', until: NOW + 3000 }],
  ])('%s', (_n, head, rate, expected) => {
    expect(planStep(head, rate, NOW)).toMatchObject(expected);
  });
});

describe('decideAfterAttempt', () => {
  const comment: OutboxWrite = toOutboxWrite({ kind: 'status-comment', thread, runId: 'r1', body: 'b' });
  const remove: OutboxWrite = toOutboxWrite({ kind: 'remove-label', thread, label: 'x' });
  const createLabel: OutboxWrite = toOutboxWrite({ kind: 'create-label', repo, label: { name: 'run:dev', color: '1d76db', description: 'Stageline' } });
  const cases: [string, OutboxWrite, GitHubError | null, number, unknown][] = [
    ['success', comment, null, 1, { kind: 'done' }],
    ['rate limit waits for the limit only', comment, { kind: 'rate_limited', scope: 'secondary', retryAt: NOW + 9000, status: 403 }, 5, { kind: 'retry', notBefore: NOW + 9000 }],
    ['5xx backs off', comment, { kind: 'server_error', status: 502 }, 1, { kind: 'retry', notBefore: NOW + 1000 }],
    ['5xx backs off exponentially', comment, { kind: 'server_error', status: 502 }, 4, { kind: 'retry', notBefore: NOW + 8000 }],
    ['network backoff is capped', comment, { kind: 'network', message: 'x' }, 40, { kind: 'retry', notBefore: NOW + 300_000 }],
    ['missing App config keeps the write', comment, { kind: 'not_configured', message: 'x' }, 1, { kind: 'retry', notBefore: NOW + 1000 }],
    ['removing an absent label is done', remove, { kind: 'not_found', status: 404, message: 'Label does not exist' }, 1, { kind: 'done' }],
    ['a deleted issue is a dead letter', comment, { kind: 'not_found', status: 404, message: 'Not Found' }, 1, { kind: 'dead' }],
    ['a label that exists already (422) is done', createLabel, { kind: 'unprocessable', status: 422, message: 'Validation Failed' }, 1, { kind: 'done' }],
    ['a 422 on a comment is a dead letter', comment, { kind: 'unprocessable', status: 422, message: 'Validation Failed' }, 1, { kind: 'dead' }],
    ['a missing permission is a dead letter', comment, { kind: 'forbidden', status: 403, message: 'Resource not accessible by integration' }, 1, { kind: 'dead' }],
  ];
  it.each(cases)('%s', (_n, write, error, attempts, expected) => {
    expect(decideAfterAttempt(write, error, attempts, NOW)).toEqual(expected);
  });
});

it('queue keys sort by sequence as text', () => {
  expect([queueKey(10), queueKey(9), queueKey(100)].sort()).toEqual([queueKey(9), queueKey(10), queueKey(100)]);
});
