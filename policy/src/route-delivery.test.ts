import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_CATALOG as C } from './label-catalog.ts';
import { routeDelivery, type DeliveryFacts } from './route-delivery.ts';

const base: DeliveryFacts = {
  event: 'issues',
  action: 'labeled',
  labelName: 'run:dev',
  senderType: 'User',
  senderLogin: 'octocat',
  botLogin: 'stageline[bot]',
  repositoryBound: true,
  issue: { number: 7, labels: ['run:dev'], isPullRequest: false },
  pullRequest: null,
  reviewState: null,
  installation: null,
};
const issue = (labels: string[], number = 7) => ({ number, labels, isPullRequest: false });
const pr = (labels: string[]) => ({ number: 12, labels, headSha: 'abc123', headRef: 'feature', updatedAt: '2026-11-22T00:00:00Z' });

describe('routeDelivery: issues', () => {
  it('turns a run:* label into a stage run intent on the issue', () => {
    const route = routeDelivery({ ...base, labelName: 'run:plan', issue: issue(['bug', 'run:plan']) }, C);
    expect(route).toMatchObject({ kind: 'run', intent: { source: 'issue_label', label: 'run:plan', agentKey: 'em', discussion: false, issueNumber: 7, thread: { kind: 'issue', number: 7 }, cancelDiscussion: false } });
    expect(route.kind === 'run' && route.intent.trigger.triggerKind).toBe('plan');
  });

  it('counts the added label even when the payload issue list lacks it', () => {
    expect(routeDelivery({ ...base, labelName: 'run:qa', issue: issue(['run:dev']) }, C)).toMatchObject({ kind: 'refuse', reason: 'issue_trigger_label_conflict', needInput: false });
  });

  it('refuses two stage labels with a comment that names them, without need:input (§2.7)', () => {
    const route = routeDelivery({ ...base, issue: issue(['run:dev', 'RUN:PLAN']) }, C);
    expect(route).toMatchObject({ kind: 'refuse', reason: 'issue_trigger_label_conflict', needInput: false, thread: { kind: 'issue', number: 7 } });
    expect(route.kind === 'refuse' && route.message).toContain('`run:plan`, `run:dev`');
  });

  it('starts a discussion with the kind of the single run:* label, else dev, code-only and comment-only', () => {
    const withPlan = routeDelivery({ ...base, labelName: 'mode:discussion', issue: issue(['run:plan', 'mode:discussion']) }, C);
    expect(withPlan).toMatchObject({ kind: 'run', intent: { label: 'mode:discussion', discussion: true, agentKey: 'em', trigger: { triggerKind: 'plan', runtimeMode: 'code-only', writeScope: 'discussion' } } });
    const bare = routeDelivery({ ...base, labelName: 'Mode:Discussion', issue: issue([]) }, C);
    expect(bare).toMatchObject({ kind: 'run', intent: { discussion: true, agentKey: 'dev', trigger: { triggerKind: 'dev', runtimeMode: 'code-only' } } });
  });

  it('refuses a discussion on an issue with two stage labels', () => {
    expect(routeDelivery({ ...base, labelName: 'mode:discussion', issue: issue(['run:plan', 'run:dev', 'mode:discussion']) }, C)).toMatchObject({ kind: 'refuse', reason: 'discussion_mode_trigger_label_conflict' });
  });

  it('cancels the discussion before a stage run when mode:discussion is on the issue', () => {
    expect(routeDelivery({ ...base, issue: issue(['mode:discussion', 'run:dev']) }, C)).toMatchObject({ kind: 'run', intent: { cancelDiscussion: true, discussion: false } });
  });

  it('ends the discussion when mode:discussion is removed, and closes the issue on closed or deleted', () => {
    expect(routeDelivery({ ...base, action: 'unlabeled', labelName: 'mode:discussion' }, C)).toMatchObject({ kind: 'end_discussion', issueNumber: 7 });
    expect(routeDelivery({ ...base, action: 'closed', senderType: 'Bot' }, C)).toMatchObject({ kind: 'close_issue', issueNumber: 7 });
    expect(routeDelivery({ ...base, action: 'deleted' }, C)).toMatchObject({ kind: 'close_issue', issueNumber: 7 });
  });

  it.each([
    ['a non-trigger label', { labelName: 'bug' }, 'issue_event_not_trigger_label'],
    ['the retired run:debug', { labelName: 'run:debug', issue: issue(['run:debug']) }, 'issue_event_not_trigger_label'],
    ['another action', { action: 'edited' }, 'issue_event_not_trigger_label'],
    ['removing a run:* label', { action: 'unlabeled' }, 'issue_event_not_trigger_label'],
    ['a payload without issue', { issue: null }, 'missing_issue'],
  ] as const)('ignores %s', (_, patch, reason) => {
    expect(routeDelivery({ ...base, ...patch }, C)).toMatchObject({ kind: 'ignore', reason });
  });

  it('tells an unbound repository that no agent starts, and ignores its other events', () => {
    expect(routeDelivery({ ...base, repositoryBound: false }, C)).toMatchObject({ kind: 'refuse', reason: 'repository_not_bound_for_issue_label' });
    expect(routeDelivery({ ...base, repositoryBound: false, action: 'closed' }, C)).toMatchObject({ kind: 'ignore', reason: 'repository_not_bound' });
  });

  it('routes every one of the 28 run:* labels to its own trigger kind', () => {
    const kinds = C.triggers.map((t) => {
      const route = routeDelivery({ ...base, labelName: t.label.toUpperCase(), issue: issue([t.label]) }, C);
      return route.kind === 'run' ? route.intent.trigger.triggerKind : route.kind;
    });
    expect(kinds).toEqual(C.triggers.map((t) => t.triggerKind));
  });
});

describe('routeDelivery: comments, pull requests, reviews, installations', () => {
  const comment = (patch: Partial<DeliveryFacts>): DeliveryFacts => ({ ...base, event: 'issue_comment', action: 'created', labelName: null, issue: issue(['mode:discussion']), ...patch });

  it('starts a discussion run from a human comment on an issue in discussion mode', () => {
    expect(routeDelivery(comment({}), C)).toMatchObject({ kind: 'run', intent: { source: 'issue_comment', discussion: true } });
  });

  it.each([
    ['a bot', { senderType: 'Bot', senderLogin: 'dependabot[bot]' }],
    ['our own bot even if typed User', { senderType: 'User', senderLogin: 'Stageline[bot]' }],
    ['a pull request thread', { issue: { number: 7, labels: ['mode:discussion'], isPullRequest: true } }],
    ['an issue not in discussion mode', { issue: issue(['run:dev']) }],
    ['an edited comment', { action: 'edited' }],
  ] as const)('ignores a comment from %s', (_, patch) => {
    expect(routeDelivery(comment(patch), C)).toMatchObject({ kind: 'ignore', reason: 'comment_not_discussion_input' });
  });

  it('starts a reviewer run from need:reviewer on a pull request, on its head SHA', () => {
    const route = routeDelivery({ ...base, event: 'pull_request', labelName: 'need:reviewer', issue: null, pullRequest: pr(['need:reviewer']) }, C);
    expect(route).toMatchObject({
      kind: 'run',
      intent: { source: 'pull_request_label', label: 'need:reviewer', agentKey: 'reviewer', buildRef: 'abc123', pullRequestNumber: 12, thread: { kind: 'pull_request', number: 12 }, trigger: { triggerKind: 'dev', writeScope: 'no_repo_changes' } },
    });
  });

  it('ignores other PR labels and closes a PR on closed', () => {
    expect(routeDelivery({ ...base, event: 'pull_request', labelName: 'run:dev', issue: null, pullRequest: pr([]) }, C)).toMatchObject({ kind: 'ignore' });
    expect(routeDelivery({ ...base, event: 'pull_request', action: 'closed', issue: null, pullRequest: pr([]) }, C)).toMatchObject({ kind: 'close_pull_request', pullRequestNumber: 12 });
  });

  it('asks for the review resolver on changes_requested only', () => {
    const review = { ...base, event: 'pull_request_review', action: 'submitted', labelName: null, issue: null, pullRequest: pr(['run:dev']) };
    expect(routeDelivery({ ...review, reviewState: 'changes_requested' }, C)).toMatchObject({ kind: 'review_revise', pullRequestNumber: 12, prLabels: ['run:dev'], buildRef: 'abc123' });
    expect(routeDelivery({ ...review, reviewState: 'approved' }, C)).toMatchObject({ kind: 'ignore', reason: 'review_not_changes_requested' });
  });

  it('binds and unbinds the repositories an installation names', () => {
    const repo = { id: 1, fullName: 'o/a' };
    expect(routeDelivery({ ...base, event: 'installation', action: 'created', installation: { id: 9, added: [repo], removed: [] } }, C)).toMatchObject({ kind: 'bind_repositories', installationId: 9, added: [repo] });
    expect(routeDelivery({ ...base, event: 'installation_repositories', action: 'removed', installation: { id: 9, added: [], removed: [repo] } }, C)).toMatchObject({ kind: 'bind_repositories', removed: [repo] });
    expect(routeDelivery({ ...base, event: 'installation', action: 'suspend', installation: { id: 9, added: [], removed: [] } }, C)).toMatchObject({ kind: 'ignore' });
  });

  it('does not route push (no self-deploy) or ping', () => {
    expect(routeDelivery({ ...base, event: 'push' }, C)).toMatchObject({ kind: 'ignore', reason: 'event_not_routed' });
    expect(routeDelivery({ ...base, event: 'ping' }, C)).toMatchObject({ kind: 'ignore', reason: 'event_not_routed' });
  });
});
