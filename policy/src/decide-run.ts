import { guardActor, type ActorFacts } from './actor-guard.ts';
import { resolveAgentProfile, type AgentProfile, type ProfileLevel } from './agent-profile.ts';
import type { LabelCatalog, RuntimeMode } from './label-catalog.ts';
import type { RunIntent, Thread } from './route-delivery.ts';

/** What the issue's earlier runs left behind (docs/domain.md §2.9 "candidate lineage"). */
export interface IssueLineage {
  /** Namespace of the latest run of this issue that had one (the candidate). */
  candidateNamespace: string | null;
  /** Build ref (PR head) that run recorded, if any. */
  candidateBuildRef: string | null;
  /** Some earlier run of this issue exists. */
  hasPriorRun: boolean;
}

export interface RunFacts {
  actor: ActorFacts;
  lineage: IssueLineage;
  /** An active discussion run exists on the issue. */
  activeDiscussion: boolean;
  /** Model/reasoning labels from the last run of the thread (`profile_hints`). */
  lastRunLabels: readonly string[];
  defaults: { model: string; reasoningEffort: string; defaultRef: string; productionNamespace: string | null };
}

export interface RuntimePlan {
  mode: RuntimeMode;
  targetEnv: 'ai' | 'production';
  accessProfile: 'candidate' | 'production-readonly' | 'repair';
  /** Reuse this namespace (revise, late stages, production); null: a new one per run. */
  namespace: string | null;
  buildRef: string | null;
}

export type RunDecision =
  | {
      kind: 'create_run';
      intent: RunIntent;
      profile: AgentProfile;
      runtime: RuntimePlan;
      actorReason: string;
      reasons: string[];
    }
  /** Explain on the thread (and maybe ask with need:input); no run. */
  | { kind: 'refuse'; reason: string; message: string; needInput: boolean; thread: Thread; reasons: string[] }
  /** Nothing to do and nothing to say (a discussion run already listens). */
  | { kind: 'skip'; reason: string; reasons: string[] }
  /** Ask GitHub for the sender's permission, then decide again. */
  | { kind: 'need_permission'; login: string }
  /** GitHub could not say; do not refuse a maintainer because of an outage. */
  | { kind: 'retry'; reason: string };

/**
 * The guards that need more than the payload (docs/domain.md §2.6–§2.9): the actor,
 * the issue's lineage, discussion exclusivity and the agent profile.
 */
export function decideRun(intent: RunIntent, facts: RunFacts, catalog: LabelCatalog): RunDecision {
  const actor = guardActor(facts.actor);
  if (actor.kind === 'need_permission') {
    return { kind: 'need_permission', login: facts.actor.senderLogin ?? '' };
  }
  if (actor.kind === 'retry') {
    return actor;
  }
  if (actor.kind === 'denied') {
    return refuse(actor.reason, `No agent was started: ${actor.message}.`, false, intent.thread);
  }
  if (intent.discussion && facts.activeDiscussion) {
    // The running session re-reads the thread itself.
    return { kind: 'skip', reason: 'discussion_run_active', reasons: ['a discussion run is already active on the issue'] };
  }
  const { trigger } = intent;
  if (intent.source === 'issue_label' && trigger.promptKind === 'revise' && !facts.lineage.hasPriorRun) {
    const work = catalog.triggers.find((t) => t.stage === trigger.stage && t.promptKind === 'work');
    return refuse('revise_without_lineage', `\`${trigger.label}\` revises earlier work, but this issue has no earlier run. Start with \`${work?.label ?? trigger.stage}\`.`, true, intent.thread);
  }
  if (intent.source === 'issue_label' && trigger.placement === 'candidate_required' && facts.lineage.candidateNamespace === null) {
    const dev = catalog.triggers.find((t) => t.triggerKind === 'dev')?.label ?? 'run:dev';
    return refuse(
      'issue_trigger_candidate_not_found',
      `\`${trigger.label}\` needs the candidate environment of an earlier development run of this issue, and there is none. Run \`${dev}\` (or \`${dev}:revise\`) first.`,
      true,
      intent.thread,
    );
  }
  const profile = resolveAgentProfile(profileLevels(intent, facts), catalog, facts.defaults);
  if (!profile.ok) {
    return refuse(profile.reason, `No agent was started: ${profile.message}.`, true, intent.thread);
  }
  return {
    kind: 'create_run',
    intent,
    profile: profile.value,
    runtime: planRuntime(intent, facts),
    actorReason: actor.reason,
    reasons: [`actor ${actor.reason}`, `model ${profile.value.model} (${profile.value.modelSource}), effort ${profile.value.reasoningEffort} (${profile.value.reasoningSource})`],
  };
}

/**
 * Model and effort labels (§2.4): normal runs read the PR, then the issue; a
 * review-driven revise reads the issue first ("sticky profile"); then the last
 * run's hints, then the defaults.
 */
function profileLevels(intent: RunIntent, facts: RunFacts): ProfileLevel[] {
  const pr: ProfileLevel = { source: 'pull_request_label', labels: intent.pullRequestLabels };
  const issue: ProfileLevel = { source: 'issue_label', labels: intent.issueLabels };
  const first = intent.source === 'pull_request_review' ? [issue, pr] : [pr, issue];
  return [...first, { source: 'last_run_context', labels: facts.lastRunLabels }];
}

/** Runtime routing (§2.9); the production namespace is a per-project setting in Stageline. */
export function planRuntime(intent: RunIntent, facts: Pick<RunFacts, 'lineage' | 'defaults'>): RuntimePlan {
  const { trigger } = intent;
  const mode: RuntimeMode = intent.discussion ? 'code-only' : trigger.runtimeMode;
  if (intent.source === 'pull_request_label' || intent.source === 'pull_request_review') {
    return { mode, targetEnv: 'ai', accessProfile: 'candidate', namespace: facts.lineage.candidateNamespace, buildRef: intent.buildRef };
  }
  switch (trigger.placement) {
    case 'production':
      return { mode, targetEnv: 'production', accessProfile: 'production-readonly', namespace: facts.defaults.productionNamespace, buildRef: facts.defaults.defaultRef };
    case 'repair':
      return { mode, targetEnv: 'production', accessProfile: 'repair', namespace: facts.defaults.productionNamespace, buildRef: facts.defaults.defaultRef };
    default:
      return {
        mode,
        targetEnv: 'ai',
        accessProfile: 'candidate',
        namespace: facts.lineage.candidateNamespace,
        buildRef: facts.lineage.candidateBuildRef ?? facts.defaults.defaultRef,
      };
  }
}

function refuse(reason: string, message: string, needInput: boolean, thread: Thread): RunDecision {
  return { kind: 'refuse', reason, message, needInput, thread, reasons: [reason] };
}
