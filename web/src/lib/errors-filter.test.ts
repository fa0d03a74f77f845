import { describe, expect, it } from 'vitest';
import { MAX_REASON_LENGTH, parseErrorsReason, toErrorsQuery } from './errors-filter.ts';

describe('parseErrorsReason', () => {
  it.each([
    [{}, ''],
    [{ reason: 'repository_not_bound' }, 'repository_not_bound'],
    [{ reason: '  sender_type_bot_not_permitted ' }, 'sender_type_bot_not_permitted'],
    [{ reason: '' }, ''],
    [{ reason: ['repository_not_bound', 'other'] }, 'repository_not_bound'],
    [{ reason: 'x'.repeat(MAX_REASON_LENGTH) }, 'x'.repeat(MAX_REASON_LENGTH)],
    [{ reason: 'x'.repeat(MAX_REASON_LENGTH + 1) }, ''],
  ])('%j → %j', (query, reason) => {
    expect(parseErrorsReason(query)).toBe(reason);
  });
});

describe('toErrorsQuery', () => {
  it('sets the reason, or removes the key for every reason', () => {
    expect(toErrorsQuery('repository_not_bound')).toEqual({ reason: 'repository_not_bound' });
    expect(toErrorsQuery(' repository_not_bound ')).toEqual({ reason: 'repository_not_bound' });
    expect(toErrorsQuery('')).toEqual({ reason: undefined });
    expect(toErrorsQuery('   ')).toEqual({ reason: undefined });
  });

  it('reads back what it writes', () => {
    const written = toErrorsQuery('sender_type_bot_not_permitted');
    expect(parseErrorsReason(written)).toBe('sender_type_bot_not_permitted');
  });
});
