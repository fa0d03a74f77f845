import { describe, expect, it } from 'vitest';
import { adaptPayload, webhookExample } from '../src/index.ts';

describe('webhook examples', () => {
  it('returns a deep copy of a real payload for an event and action', () => {
    const a = webhookExample('issue_comment', 'created');
    const b = webhookExample('issue_comment', 'created');
    expect(a.action).toBe('created');
    expect(a).toHaveProperty('comment.body');
    (a.comment as { body: string }).body = 'changed';
    expect((b.comment as { body: string }).body).not.toBe('changed');
  });

  it('throws for an event or action with no example', () => {
    expect(() => webhookExample('no_such_event')).toThrow(/no_such_event/);
    expect(() => webhookExample('issues', 'no-such-action')).toThrow(/issues\.no-such-action/);
  });

  it('rewrites repository, installation, issue number and sender consistently', () => {
    const original = webhookExample('issue_comment', 'created');
    const oldSender = (original.sender as { login: string }).login;
    const payload = adaptPayload(webhookExample('issue_comment', 'created'), {
      repoId: 501,
      repoFullName: 'acme/widgets',
      installationId: 77,
      issueNumber: 12,
      sender: { login: 'alice', type: 'User', id: 31337 },
    });
    expect(payload.repository).toMatchObject({ id: 501, name: 'widgets', full_name: 'acme/widgets', owner: { login: 'acme' } });
    expect(payload.installation).toMatchObject({ id: 77 });
    expect(payload.issue).toMatchObject({ number: 12, url: expect.stringMatching(/\/repos\/acme\/widgets\/issues\/12$/) });
    expect(payload.sender).toMatchObject({ login: 'alice', type: 'User', id: 31337 });
    const text = JSON.stringify(payload);
    expect(text).not.toContain((original.repository as { full_name: string }).full_name);
    expect(text).not.toContain(`"login":"${oldSender}"`);
  });

  it('adapts a pull_request payload', () => {
    const payload = adaptPayload(webhookExample('pull_request', 'labeled'), {
      repoId: 7,
      repoFullName: 'acme/gadgets',
      installationId: 3,
      issueNumber: 44,
      sender: { login: 'deploy-bot[bot]', type: 'Bot' },
    });
    expect(payload.pull_request).toMatchObject({ number: 44, url: expect.stringMatching(/acme\/gadgets\/pulls\/44$/) });
    expect(payload.sender).toMatchObject({ login: 'deploy-bot[bot]', type: 'Bot' });
  });
});
