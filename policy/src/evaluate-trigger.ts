import { findTriggerLabel, type LabelCatalog } from './label-catalog.ts';

/**
 * What the edge knows about one webhook delivery, reduced to the facts the
 * policy needs. The edge builds it from the verified payload; nothing here
 * touches the network.
 */
export interface TriggerInput {
  /** `X-GitHub-Event` header. */
  event: string;
  action: string | null;
  /** `label.name` of a `labeled` action. */
  labelName: string | null;
  /** `sender.type`: `User`, `Bot`, `Organization`, … */
  senderType: string | null;
  /** The repository is registered with a project. */
  repositoryKnown: boolean;
  /** The payload carries an issue number. */
  issueNumber: number | null;
}

/** Stable reason codes for deliveries that start nothing. */
export type IgnoreReason =
  | 'unsupported_event'
  | 'unsupported_action'
  | 'not_a_trigger_label'
  | 'sender_not_human'
  | 'repository_not_registered'
  | 'missing_issue';

export type TriggerDecision =
  | {
      kind: 'create_run';
      triggerKind: string;
      agentKey: string;
      label: string;
      source: 'issue_label';
      issueNumber: number;
      reasons: string[];
    }
  /** The issue was closed: cancel its active runs and clean up its namespaces (§2.5, §5.8). */
  | { kind: 'close_issue'; issueNumber: number; reasons: string[] }
  | { kind: 'ignore'; reason: IgnoreReason; reasons: string[] };

function ignore(reason: IgnoreReason, detail: string): TriggerDecision {
  return { kind: 'ignore', reason, reasons: [detail] };
}

/**
 * Decide whether a delivery starts a run (domain.md §2.5–§2.7, skeleton subset:
 * `issues.labeled` with a catalog trigger label by a `User` on a known repository).
 * @example
 * evaluateTrigger({ event: 'issues', action: 'labeled', labelName: 'run:dev', senderType: 'User',
 *   repositoryKnown: true, issueNumber: 7 }, DEFAULT_LABEL_CATALOG).kind === 'create_run'
 */
export function evaluateTrigger(input: TriggerInput, catalog: LabelCatalog): TriggerDecision {
  if (input.event !== 'issues') {
    return ignore('unsupported_event', `event ${input.event} starts no run`);
  }
  if (input.action === 'closed') {
    // Anyone who may close the issue ends its runs; no actor guard (a bot closing is fine).
    if (!input.repositoryKnown) {
      return ignore('repository_not_registered', 'repository is not bound to a project');
    }
    if (input.issueNumber === null) {
      return ignore('missing_issue', 'payload has no issue number');
    }
    return { kind: 'close_issue', issueNumber: input.issueNumber, reasons: [`issue #${input.issueNumber} closed`] };
  }
  if (input.action !== 'labeled') {
    return ignore('unsupported_action', `issues.${input.action ?? 'unknown'} starts no run`);
  }
  const trigger = input.labelName === null ? undefined : findTriggerLabel(catalog, input.labelName);
  if (trigger === undefined) {
    return ignore('not_a_trigger_label', `label ${input.labelName ?? '(none)'} is not a trigger label`);
  }
  if (input.senderType !== 'User') {
    // Bots and apps must not start agents on their own (§2.6).
    return ignore('sender_not_human', `sender type ${input.senderType ?? 'unknown'} is not User`);
  }
  if (!input.repositoryKnown) {
    return ignore('repository_not_registered', 'repository is not bound to a project');
  }
  if (input.issueNumber === null) {
    return ignore('missing_issue', 'payload has no issue number');
  }
  return {
    kind: 'create_run',
    triggerKind: trigger.triggerKind,
    agentKey: trigger.agentKey,
    label: trigger.label,
    source: 'issue_label',
    issueNumber: input.issueNumber,
    reasons: [`label ${trigger.label} -> ${trigger.triggerKind}/${trigger.agentKey}`],
  };
}
