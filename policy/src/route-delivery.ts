import { findTriggerLabel, hasLabel, triggerLabelsIn, type LabelCatalog, type TriggerLabel } from './label-catalog.ts';

/**
 * What the edge reads from one verified webhook delivery (docs/domain.md §2.5).
 * Only payload facts: whatever needs the GitHub API or Postgres (the sender's
 * permission, run history) is asked for by the route and supplied to
 * decideRun / resolveReviewStage afterwards.
 */
export interface DeliveryFacts {
  /** `X-GitHub-Event`. */
  event: string;
  action: string | null;
  /** `label.name` of a labeled/unlabeled action. */
  labelName: string | null;
  senderType: string | null;
  senderLogin: string | null;
  /** The App's own bot login (`<slug>[bot]`): its comments are never input. */
  botLogin: string | null;
  /** `repository.id` is bound to a project. */
  repositoryBound: boolean;
  /** `issue` of issues/issue_comment events (GitHub sends PRs as issues in issue_comment). */
  issue: { number: number; labels: readonly string[]; isPullRequest: boolean } | null;
  pullRequest: { number: number; labels: readonly string[]; headSha: string | null; headRef: string | null; updatedAt: string | null } | null;
  /** `review.state` of pull_request_review (`changes_requested`, lower-cased by the edge). */
  reviewState: string | null;
  /** installation / installation_repositories: the repositories the event names. */
  installation: { id: number; added: readonly RepositoryRef[]; removed: readonly RepositoryRef[] } | null;
}

export interface RepositoryRef {
  id: number;
  fullName: string;
}

export type TriggerSource = 'issue_label' | 'issue_comment' | 'pull_request_review' | 'pull_request_label';
export type Thread = { kind: 'issue' | 'pull_request'; number: number };

/** A run the delivery asks for; decideRun applies the guards that need more facts. */
export interface RunIntent {
  source: TriggerSource;
  trigger: TriggerLabel;
  /** The label recorded on the run (`mode:discussion` for discussion runs, `need:reviewer` for reviewers). */
  label: string;
  agentKey: string;
  discussion: boolean;
  issueNumber: number | null;
  pullRequestNumber: number | null;
  /** Immutable build ref of PR-sourced runs (head SHA, else head ref). */
  buildRef: string | null;
  /** The issue's mode:discussion runs are canceled before this run is created (§2.5). */
  cancelDiscussion: boolean;
  thread: Thread;
  /** Labels on the issue and on the PR when the event fired: model/reasoning resolution reads them (§2.4). */
  issueLabels: readonly string[];
  pullRequestLabels: readonly string[];
}

export type Route =
  | { kind: 'ignore'; reason: string; reasons: string[] }
  | { kind: 'refuse'; reason: string; message: string; needInput: boolean; thread: Thread; reasons: string[] }
  | { kind: 'run'; intent: RunIntent; reasons: string[] }
  /** pull_request_review changes_requested: resolve the stage from labels and history (resolveReviewStage). */
  | { kind: 'review_revise'; pullRequestNumber: number; prLabels: readonly string[]; buildRef: string | null; reasons: string[] }
  | { kind: 'close_issue'; issueNumber: number; reasons: string[] }
  | { kind: 'close_pull_request'; pullRequestNumber: number; reasons: string[] }
  | { kind: 'end_discussion'; issueNumber: number; reasons: string[] }
  | { kind: 'bind_repositories'; installationId: number; added: readonly RepositoryRef[]; removed: readonly RepositoryRef[]; reasons: string[] };

const ignore = (reason: string, detail: string): Route => ({ kind: 'ignore', reason, reasons: [detail] });

/**
 * Route a delivery (docs/domain.md §2.5 table, §2.7 payload-only conflicts).
 * @example
 * routeDelivery({ ...facts, event: 'issues', action: 'labeled', labelName: 'run:plan' }, DEFAULT_LABEL_CATALOG).kind === 'run'
 */
export function routeDelivery(facts: DeliveryFacts, catalog: LabelCatalog): Route {
  switch (facts.event) {
    case 'issues':
      return routeIssues(facts, catalog);
    case 'issue_comment':
      return routeComment(facts, catalog);
    case 'pull_request':
      return routePullRequest(facts, catalog);
    case 'pull_request_review':
      return routeReview(facts);
    case 'installation':
    case 'installation_repositories':
      return routeInstallation(facts);
    default:
      // push (Stageline never deploys itself from a webhook, §2.2), ping and the rest.
      return ignore('event_not_routed', `event ${facts.event} starts no run`);
  }
}

function routeIssues(facts: DeliveryFacts, catalog: LabelCatalog): Route {
  const issue = facts.issue;
  if (issue === null) {
    return ignore('missing_issue', 'payload has no issue');
  }
  if (facts.action === 'closed' || facts.action === 'deleted') {
    // Whoever may close the issue ends its runs; no actor guard (a bot closing is fine).
    return bound(facts, { kind: 'close_issue', issueNumber: issue.number, reasons: [`issue #${issue.number} ${facts.action}`] });
  }
  const label = facts.labelName ?? '';
  if (facts.action === 'unlabeled' && label !== '' && sameName(label, catalog.discussion.label)) {
    return bound(facts, { kind: 'end_discussion', issueNumber: issue.number, reasons: [`${catalog.discussion.label} removed from #${issue.number}`] });
  }
  if (facts.action !== 'labeled') {
    return ignore('issue_event_not_trigger_label', `issues.${facts.action ?? 'unknown'} starts no run`);
  }
  const thread: Thread = { kind: 'issue', number: issue.number };
  const onIssue = triggerLabelsIn(catalog, withLabel(issue.labels, label));
  const discussionOn = hasLabel(withLabel(issue.labels, label), catalog.discussion);
  if (sameName(label, catalog.discussion.label)) {
    if (onIssue.length > 1) {
      return refuse('discussion_mode_trigger_label_conflict', conflictMessage(onIssue), false, thread);
    }
    return bound(facts, discussionRun(facts, catalog, onIssue[0], issue.number, issue.labels, 'issue_label'));
  }
  const trigger = findTriggerLabel(catalog, label);
  if (trigger === undefined) {
    return ignore('issue_event_not_trigger_label', `label ${label || '(none)'} is not a trigger label`);
  }
  if (onIssue.length > 1) {
    // Only one run:* may be on an issue: which stage was meant is a question for a human.
    return refuse('issue_trigger_label_conflict', conflictMessage(onIssue), false, thread);
  }
  const intent: RunIntent = {
    source: 'issue_label',
    trigger,
    label: trigger.label,
    agentKey: trigger.agentKey,
    discussion: false,
    issueNumber: issue.number,
    pullRequestNumber: null,
    buildRef: null,
    cancelDiscussion: discussionOn,
    thread,
    issueLabels: withLabel(issue.labels, label),
    pullRequestLabels: [],
  };
  return bound(facts, { kind: 'run', intent, reasons: [`label ${trigger.label} -> ${trigger.triggerKind}/${trigger.agentKey}`] });
}

function routeComment(facts: DeliveryFacts, catalog: LabelCatalog): Route {
  const issue = facts.issue;
  if (facts.action !== 'created' || issue === null) {
    return ignore('comment_not_discussion_input', `issue_comment.${facts.action ?? 'unknown'} starts no run`);
  }
  if (issue.isPullRequest || !hasLabel(issue.labels, catalog.discussion)) {
    return ignore('comment_not_discussion_input', `#${issue.number} is not an issue in discussion mode`);
  }
  if ((facts.senderType ?? '').toLowerCase() !== 'user' || (facts.botLogin !== null && sameName(facts.senderLogin ?? '', facts.botLogin))) {
    // Bot comments (ours included) are never discussion input.
    return ignore('comment_not_discussion_input', `comment by ${facts.senderType ?? 'unknown'} ${facts.senderLogin ?? ''} is not input`);
  }
  const onIssue = triggerLabelsIn(catalog, issue.labels);
  if (onIssue.length > 1) {
    return refuse('discussion_mode_trigger_label_conflict', conflictMessage(onIssue), false, { kind: 'issue', number: issue.number });
  }
  return bound(facts, discussionRun(facts, catalog, onIssue[0], issue.number, issue.labels, 'issue_comment'));
}

function routePullRequest(facts: DeliveryFacts, catalog: LabelCatalog): Route {
  const pr = facts.pullRequest;
  if (pr === null) {
    return ignore('missing_pull_request', 'payload has no pull request');
  }
  if (facts.action === 'closed') {
    return bound(facts, { kind: 'close_pull_request', pullRequestNumber: pr.number, reasons: [`pull request #${pr.number} closed`] });
  }
  if (facts.action !== 'labeled' || !sameName(facts.labelName ?? '', catalog.reviewer.label)) {
    return ignore('pull_request_event_not_trigger_label', `pull_request.${facts.action ?? 'unknown'} ${facts.labelName ?? ''} starts no run`);
  }
  const dev = catalog.triggers.find((t) => t.triggerKind === 'dev');
  if (dev === undefined) {
    return ignore('catalog_without_dev', 'the label catalog has no dev stage');
  }
  // A reviewer comments on the PR only: stage dev, agent reviewer, nothing written to the repository.
  const trigger: TriggerLabel = { ...dev, agentKey: 'reviewer', writeScope: 'no_repo_changes', prOutput: false };
  const intent: RunIntent = {
    source: 'pull_request_label',
    trigger,
    label: catalog.reviewer.label,
    agentKey: 'reviewer',
    discussion: false,
    issueNumber: null,
    pullRequestNumber: pr.number,
    buildRef: pr.headSha ?? pr.headRef,
    cancelDiscussion: false,
    thread: { kind: 'pull_request', number: pr.number },
    issueLabels: [],
    pullRequestLabels: withLabel(pr.labels, facts.labelName ?? ''),
  };
  return bound(facts, { kind: 'run', intent, reasons: [`${catalog.reviewer.label} on pull request #${pr.number} -> dev/reviewer`] });
}

function routeReview(facts: DeliveryFacts): Route {
  const pr = facts.pullRequest;
  if (facts.action !== 'submitted' || facts.reviewState !== 'changes_requested' || pr === null) {
    return ignore('review_not_changes_requested', `pull_request_review.${facts.action ?? 'unknown'} ${facts.reviewState ?? ''} starts no run`);
  }
  return bound(facts, {
    kind: 'review_revise',
    pullRequestNumber: pr.number,
    prLabels: pr.labels,
    buildRef: pr.headSha ?? pr.headRef,
    reasons: [`changes requested on pull request #${pr.number}`],
  });
}

function routeInstallation(facts: DeliveryFacts): Route {
  const inst = facts.installation;
  if (inst === null) {
    return ignore('missing_installation', 'payload has no installation');
  }
  if (facts.event === 'installation' && facts.action === 'deleted') {
    return { kind: 'bind_repositories', installationId: inst.id, added: [], removed: inst.removed, reasons: [`installation ${inst.id} deleted`] };
  }
  if (inst.added.length === 0 && inst.removed.length === 0) {
    return ignore('installation_without_repositories', `${facts.event}.${facts.action ?? 'unknown'} names no repository`);
  }
  return { kind: 'bind_repositories', installationId: inst.id, added: inst.added, removed: inst.removed, reasons: [`${facts.event}.${facts.action ?? 'unknown'}: +${inst.added.length} -${inst.removed.length}`] };
}

function discussionRun(facts: DeliveryFacts, catalog: LabelCatalog, single: TriggerLabel | undefined, issueNumber: number, labels: readonly string[], source: TriggerSource): Route {
  // The kind of the single run:* on the issue, else dev; comment-only, code-only (§2.11).
  const base = single ?? catalog.triggers.find((t) => t.triggerKind === 'dev');
  if (base === undefined) {
    return ignore('catalog_without_dev', 'the label catalog has no dev stage');
  }
  const trigger: TriggerLabel = { ...base, runtimeMode: 'code-only', writeScope: 'discussion', prOutput: false };
  const intent: RunIntent = {
    source,
    trigger,
    label: catalog.discussion.label,
    agentKey: base.agentKey,
    discussion: true,
    issueNumber,
    pullRequestNumber: null,
    buildRef: null,
    cancelDiscussion: false,
    thread: { kind: 'issue', number: issueNumber },
    issueLabels: labels,
    pullRequestLabels: [],
  };
  return { kind: 'run', intent, reasons: [`discussion on #${issueNumber} (${source}) -> ${base.triggerKind}/${base.agentKey}`] };
}

/** Only a bound repository has runs; an unbound one is told so (§2.7 repository_not_bound_*). */
function bound(facts: DeliveryFacts, route: Route): Route {
  if (facts.repositoryBound) {
    return route;
  }
  if (route.kind === 'run' || route.kind === 'review_revise') {
    const thread: Thread = route.kind === 'run' ? route.intent.thread : { kind: 'pull_request', number: route.pullRequestNumber };
    return refuse('repository_not_bound_for_issue_label', 'This repository is not connected to a Stageline project, so no agent was started.', false, thread);
  }
  return ignore('repository_not_bound', 'repository is not bound to a project');
}

function refuse(reason: string, message: string, needInput: boolean, thread: Thread): Route {
  return { kind: 'refuse', reason, message, needInput, thread, reasons: [reason] };
}

function conflictMessage(labels: readonly TriggerLabel[]): string {
  return `This issue carries more than one stage label (${labels.map((l) => `\`${l.label}\``).join(', ')}). Keep exactly one and Stageline will start it.`;
}

function withLabel(labels: readonly string[], added: string): string[] {
  return added === '' || labels.some((l) => sameName(l, added)) ? [...labels] : [...labels, added];
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
