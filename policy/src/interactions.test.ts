import { describe, expect, it } from 'vitest';
import { checkDecisionRequest, classifyAnswer, questionRecipient } from './interactions.ts';

const two = [
  { id: 'a', label: 'Option A' },
  { id: 'b', label: 'Option B' },
];

describe('checkDecisionRequest', () => {
  it('trims, lower-cases ids, drops duplicates and defaults the TTL to an hour', () => {
    expect(checkDecisionRequest({ question: '  Which db? ', options: [...two, { id: 'A', label: 'again' }], allowFreeText: true, ttlSeconds: undefined })).toEqual({
      ok: true,
      value: { question: 'Which db?', options: two, allowFreeText: true, ttlSeconds: 3600 },
    });
  });

  it.each([
    [{ question: '', options: two, ttlSeconds: undefined }, 'question must be 1-500 characters'],
    [{ question: 'x'.repeat(501), options: two, ttlSeconds: undefined }, 'question must be 1-500 characters'],
    [{ question: 'q', options: two.slice(0, 1), ttlSeconds: undefined }, 'a decision needs 2 to 5 distinct options'],
    [{ question: 'q', options: [...two, { id: 'a', label: 'dup' }].slice(0, 1).concat({ id: 'a', label: 'dup' }), ttlSeconds: undefined }, 'a decision needs 2 to 5 distinct options'],
    [{ question: 'q', options: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, label: id })), ttlSeconds: undefined }, 'a decision needs 2 to 5 distinct options'],
    [{ question: 'q', options: [{ id: 'has space', label: 'x' }, ...two], ttlSeconds: undefined }, 'option id "has space" must be 1-32 of a-z, 0-9, _ and -'],
    [{ question: 'q', options: [{ id: 'c', label: 'x'.repeat(65) }, ...two], ttlSeconds: undefined }, 'option c: label must be 1-64 characters'],
    [{ question: 'q', options: two, ttlSeconds: 59 }, 'ttl_seconds must be 60-86400'],
    [{ question: 'q', options: two, ttlSeconds: 86_401 }, 'ttl_seconds must be 60-86400'],
  ])('refuses %j', (input, error) => {
    expect(checkDecisionRequest({ allowFreeText: false, ...input })).toEqual({ ok: false, error });
  });
});

describe('questionRecipient', () => {
  it('asks the issue author, else the PR author, else the sender, never a bot', () => {
    expect(questionRecipient({ issueAuthor: 'alice', pullRequestAuthor: 'bob', sender: 'carol' })).toBe('alice');
    expect(questionRecipient({ issueAuthor: null, pullRequestAuthor: 'bob', sender: 'carol' })).toBe('bob');
    expect(questionRecipient({ issueAuthor: 'renovate[bot]', sender: 'carol' })).toBe('carol');
    expect(questionRecipient({})).toBeNull();
  });
});

describe('classifyAnswer', () => {
  const now = new Date('2026-12-05T12:00:00Z');
  const open = { kind: 'decision' as const, state: 'pending' as const, deadlineAt: new Date('2026-12-05T13:00:00Z'), options: two, allowFreeText: false, respondedBy: null };
  it('applies a known option and refuses an unknown one', () => {
    expect(classifyAnswer(open, { kind: 'option', optionId: 'b' }, now)).toEqual({ kind: 'applied', response: { kind: 'option', option_id: 'b', label: 'Option B' } });
    expect(classifyAnswer(open, { kind: 'option', optionId: 'z' }, now)).toEqual({ kind: 'invalid', reason: 'no such option' });
  });
  it('takes free text only where allowed, within its length', () => {
    expect(classifyAnswer(open, { kind: 'free_text', text: 'use sqlite' }, now).kind).toBe('invalid');
    expect(classifyAnswer({ ...open, allowFreeText: true }, { kind: 'free_text', text: ' use sqlite ' }, now)).toEqual({ kind: 'applied', response: { kind: 'free_text', text: 'use sqlite' } });
    expect(classifyAnswer({ ...open, allowFreeText: true }, { kind: 'free_text', text: 'x'.repeat(4001) }, now).kind).toBe('invalid');
  });
  it('is stale after the first answer and expired at the deadline', () => {
    expect(classifyAnswer({ ...open, state: 'answered', respondedBy: 'alice' }, { kind: 'option', optionId: 'a' }, now)).toEqual({ kind: 'stale', state: 'answered', respondedBy: 'alice' });
    expect(classifyAnswer(open, { kind: 'option', optionId: 'a' }, new Date('2026-12-05T13:00:00Z'))).toEqual({ kind: 'expired' });
    expect(classifyAnswer({ ...open, state: 'expired' }, { kind: 'option', optionId: 'a' }, now)).toEqual({ kind: 'expired' });
    expect(classifyAnswer({ ...open, kind: 'notify' }, { kind: 'option', optionId: 'a' }, now).kind).toBe('invalid');
  });
});
