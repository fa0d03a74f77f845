import { describe, expect, it } from 'vitest';
import { evaluateTrigger, type TriggerInput } from './evaluate-trigger.ts';
import { DEFAULT_LABEL_CATALOG } from './label-catalog.ts';

const base: TriggerInput = {
  event: 'issues',
  action: 'labeled',
  labelName: 'run:dev',
  senderType: 'User',
  repositoryKnown: true,
  issueNumber: 7,
};

describe('evaluateTrigger', () => {
  it('creates a dev run for run:dev added by a user on a known repository', () => {
    const decision = evaluateTrigger(base, DEFAULT_LABEL_CATALOG);
    expect(decision).toMatchObject({
      kind: 'create_run',
      triggerKind: 'dev',
      agentKey: 'dev',
      label: 'run:dev',
      source: 'issue_label',
      issueNumber: 7,
    });
    expect(decision.reasons.length).toBeGreaterThan(0);
  });

  it.each(['RUN:DEV', '  run:dev ', 'Run:Dev'])('matches %j case-insensitively and trimmed', (labelName) => {
    expect(evaluateTrigger({ ...base, labelName }, DEFAULT_LABEL_CATALOG).kind).toBe('create_run');
  });

  it.each(['User', 'Bot'])('closes the issue when a %s closes it', (senderType) => {
    expect(evaluateTrigger({ ...base, action: 'closed', labelName: null, senderType }, DEFAULT_LABEL_CATALOG)).toEqual({
      kind: 'close_issue',
      issueNumber: 7,
      reasons: ['issue #7 closed'],
    });
  });

  it.each<[string, Partial<TriggerInput>, string]>([
    ['a close on an unregistered repository', { action: 'closed', repositoryKnown: false }, 'repository_not_registered'],
    ['a close without an issue', { action: 'closed', issueNumber: null }, 'missing_issue'],
    ['another event', { event: 'push' }, 'unsupported_event'],
    ['pull_request labels (later issue)', { event: 'pull_request' }, 'unsupported_event'],
    ['an unlabel', { action: 'unlabeled' }, 'unsupported_action'],
    ['a missing action', { action: null }, 'unsupported_action'],
    ['a non-trigger label', { labelName: 'bug' }, 'not_a_trigger_label'],
    ['no label', { labelName: null }, 'not_a_trigger_label'],
    ['a bot sender', { senderType: 'Bot' }, 'sender_not_human'],
    ['an organization sender', { senderType: 'Organization' }, 'sender_not_human'],
    ['an unknown sender', { senderType: null }, 'sender_not_human'],
    ['an unregistered repository', { repositoryKnown: false }, 'repository_not_registered'],
    ['no issue number', { issueNumber: null }, 'missing_issue'],
  ])('ignores %s', (_name, patch, reason) => {
    const decision = evaluateTrigger({ ...base, ...patch }, DEFAULT_LABEL_CATALOG);
    expect(decision).toMatchObject({ kind: 'ignore', reason });
    expect(decision.reasons).toHaveLength(1);
  });
});
