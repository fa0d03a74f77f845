/**
 * One open approval request (docs/domain.md §7.1): what the agent wants to do,
 * for which run, until when, and Approve / Deny. The approval mode decides who
 * may decide; when the caller's role may not, the buttons stay visible but
 * disabled, with the reason beside them (a disabled button cannot be focused
 * to show its tooltip).
 */
import { createSignal, For, Show } from 'solid-js';
import { formatRelativeTime } from '../lib/format-relative-time.ts';
import { MAX_REASON_LENGTH, type Decision, type InboxApproval } from '../lib/inbox-api.ts';
import { RunRef } from './run-ref.tsx';

export type ApprovalCardProps = {
  item: InboxApproval;
  now: Date;
  busy: boolean;
  onDecide: (decision: Decision, reason: string) => void;
};

export function ApprovalCard(props: ApprovalCardProps) {
  const [reason, setReason] = createSignal('');
  const hintId = () => `approval-hint-${props.item.request_id}`;
  const refusal = () => `Your role may not decide ${props.item.approval_mode} requests in this project`;
  const disabled = () => !props.item.may_decide || props.busy;

  return (
    <article class="inbox-item" data-testid="inbox-approval" data-request-id={props.item.request_id} aria-busy={props.busy}>
      <header class="inbox-item-head">
        <h3 class="inbox-item-title">
          <span class="mono">{props.item.tool_name}</span> · {props.item.action}
        </h3>
        <span class="mode-badge" title="Approval mode">
          {props.item.approval_mode}
        </span>
      </header>
      <dl class="facts">
        <div>
          <dt>Target</dt>
          <dd class="mono">
            <For each={toTargetEntries(props.item.target_ref)} fallback={<span class="none">—</span>}>
              {([key, value]) => (
                <span class="target-entry">
                  {key}=<strong>{value}</strong>
                </span>
              )}
            </For>
          </dd>
        </div>
        <div>
          <dt>Run</dt>
          <dd>
            <RunRef run={props.item.run} />
          </dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd class="mono">{props.item.run.agent_key}</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>
            <time datetime={props.item.expires_at} title={props.item.expires_at}>
              {formatRelativeTime(props.item.expires_at, props.now)}
            </time>
          </dd>
        </div>
      </dl>
      <div class="inbox-actions">
        <Show when={props.item.may_decide}>
          <label class="reason">
            <span class="visually-hidden">Reason (optional)</span>
            <input
              type="text"
              class="input"
              data-testid="decision-reason"
              placeholder="Reason (optional)"
              maxLength={MAX_REASON_LENGTH}
              value={reason()}
              disabled={props.busy}
              onInput={(event) => setReason(event.currentTarget.value)}
            />
          </label>
        </Show>
        <span class="button-group" title={props.item.may_decide ? undefined : refusal()}>
          <button
            type="button"
            class="button button-approve"
            data-testid="approve"
            disabled={disabled()}
            aria-describedby={props.item.may_decide ? undefined : hintId()}
            onClick={() => props.onDecide('approve', reason())}
          >
            Approve
          </button>
          <button
            type="button"
            class="button button-deny"
            data-testid="deny"
            disabled={disabled()}
            aria-describedby={props.item.may_decide ? undefined : hintId()}
            onClick={() => props.onDecide('deny', reason())}
          >
            Deny
          </button>
        </span>
        <Show when={!props.item.may_decide}>
          <span class="hint" id={hintId()}>
            {refusal()}
          </span>
        </Show>
      </div>
    </article>
  );
}

/** Scalar fields of the target as `key=value`; nested values as compact JSON. */
function toTargetEntries(target: Record<string, unknown>): [string, string][] {
  return Object.entries(target)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
}
