import { describe, expect, it } from 'vitest';
import { readWebhookFacts } from '../domain/webhook-facts.ts';
import type { IssueEvent } from '../github/github-client.ts';
import { latestLabeledEvent, syntheticDeliveryId, syntheticLabeledPayload, uuidV5 } from './synthetic-delivery.ts';

const alice = { id: 7, login: 'alice', type: 'User' };
const ev = (id: number, event: string, label: string, at: string, actor = alice): IssueEvent => ({ id, event, created_at: at, actor, label: { name: label } });

describe('synthetic issues.labeled delivery', () => {
  it('UUIDv5 matches the RFC 4122 reference vector', async () => {
    // python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    expect(await uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('takes the newest labeled event of the label, case-insensitively, ignoring unlabeled and other labels', () => {
    const events = [ev(1, 'labeled', 'run:dev', '2026-11-20T10:00:00Z'), ev(2, 'unlabeled', 'run:dev', '2026-11-20T11:00:00Z'), ev(3, 'labeled', 'Run:Dev', '2026-11-21T09:00:00Z'), ev(4, 'labeled', 'bug', '2026-11-21T10:00:00Z')];
    expect(latestLabeledEvent(events, 'run:dev')?.id).toBe(3);
    expect(latestLabeledEvent(events, 'run:plan')).toBeNull();
  });

  it('the delivery id depends on repository, issue, label and labeled-at only', async () => {
    const base = { repository: { id: 1, fullName: 'Octo-Org/App' }, label: 'run:dev', issueNumber: 7, labeledAt: '2026-11-21T09:00:00Z' };
    const id = await syntheticDeliveryId(base);
    expect(id).toMatch(/^reconcile-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await syntheticDeliveryId({ ...base, repository: { id: 1, fullName: 'octo-org/app' }, label: 'RUN:DEV' })).toBe(id);
    expect(await syntheticDeliveryId({ ...base, labeledAt: '2026-11-21T09:00:01Z' })).not.toBe(id);
    expect(await syntheticDeliveryId({ ...base, issueNumber: 8 })).not.toBe(id);
  });

  it('the payload reads as an issues.labeled delivery from the labelling person', () => {
    const payload = syntheticLabeledPayload({
      installationId: 44,
      repository: { id: 1, fullName: 'octo-org/app' },
      issue: { id: 900, number: 7, title: 'Add a thing', state: 'open', labels: [{ name: 'run:dev' }, 'bug'] },
      label: 'run:dev',
      event: { ...ev(3, 'labeled', 'run:dev', '2026-11-21T09:00:00Z'), actor: alice },
    });
    expect(readWebhookFacts(payload)).toMatchObject({
      action: 'labeled',
      label: { name: 'run:dev' },
      sender: { login: 'alice', type: 'User' },
      installation: { id: 44 },
      repository: { id: 1, full_name: 'octo-org/app', name: 'app' },
      issue: { id: 900, number: 7, labels: [{ name: 'run:dev' }, { name: 'bug' }] },
    });
  });
});
