import type { RunDecision, RunPayload } from '@stageline/policy';
import type { SyntheticDelivery } from './verified-delivery.ts';
import type { WebhookFacts } from './webhook-facts.ts';

/**
 * `run_payload` (docs/domain.md §3.4): the single carrier of a run's context. The
 * claim frame the cluster gets is a projection of it without `raw_payload`.
 * Its shape is the policy's `runPayloadSchema` (policy/src/run-payload.ts).
 */
export function buildRunPayload(d: SyntheticDelivery, facts: WebhookFacts, decision: Extract<RunDecision, { kind: 'create_run' }>): RunPayload {
  const { repository, sender, issue, pull_request: pr } = facts;
  const { intent, runtime, profile } = decision;
  return {
    source: 'github',
    delivery_id: d.deliveryId,
    correlation_id: d.deliveryId,
    event_type: d.event,
    action: facts.action ?? null,
    received_at: d.receivedAt.toISOString(),
    installation_id: facts.installation?.id ?? null,
    repository: repository ? { id: repository.id, full_name: repository.full_name, name: repository.name, private: repository.private ?? false, fork: repository.fork ?? false } : null,
    sender: sender ? { id: sender.id, login: sender.login } : null,
    issue: intent.issueNumber === null ? null : { id: issue?.id ?? null, number: intent.issueNumber, title: issue?.title ?? '', html_url: issue?.html_url ?? null, state: issue?.state ?? 'open' },
    pull_request: pr
      ? {
          id: pr.id,
          number: pr.number,
          title: pr.title ?? '',
          html_url: pr.html_url ?? null,
          state: pr.state ?? 'open',
          head: { ref: pr.head?.ref ?? null, sha: pr.head?.sha ?? null },
          base: { ref: pr.base?.ref ?? null, sha: pr.base?.sha ?? null },
        }
      : null,
    discussion_mode: intent.discussion,
    trigger: { source: intent.source, label: intent.label, kind: intent.trigger.triggerKind },
    agent: { key: intent.agentKey },
    stage: { write_scope: intent.trigger.writeScope, prompt_kind: intent.trigger.promptKind, pr_output: intent.trigger.prOutput },
    runtime: {
      mode: runtime.mode,
      source: intent.discussion ? 'discussion_mode' : 'trigger_default',
      target_env: runtime.targetEnv,
      namespace: runtime.namespace,
      build_ref: runtime.buildRef,
      access_profile: runtime.accessProfile,
    },
    profile: { model: profile.model, model_source: profile.modelSource, reasoning_effort: profile.reasoningEffort, reasoning_source: profile.reasoningSource },
    // Read by the next run of this thread (§2.4 last_run_context).
    profile_hints: { last_run_issue_labels: intent.issueLabels, last_run_pull_request_labels: intent.pullRequestLabels },
    actor: { reason: decision.actorReason },
    raw_payload: d.payload,
  };
}
