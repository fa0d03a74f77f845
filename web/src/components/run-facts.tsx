/**
 * The run page's facts (docs/domain.md §8.3): where the run comes from (stage,
 * issue), what it produced (branch, pull request), where it runs (cluster,
 * namespace, Job), with what (agent, model, effort), and when. Empty facts
 * show a dash so the grid keeps its shape while the run moves on.
 */
import { Show, type JSX } from 'solid-js';
import { formatRelativeTime } from '../lib/format-relative-time.ts';
import { formatElapsed, toRunDuration } from '../lib/run-duration.ts';
import type { TokenUsage } from '../lib/run-timeline.ts';
import { toWebUrl, type Run } from '../lib/run.ts';

export function RunFacts(props: { run: Run; now: Date; usage: TokenUsage | null }) {
  const duration = () => toRunDuration(props.run, props.now);
  const model = () => [props.run.model, props.run.reasoning_effort === null || props.run.reasoning_effort === undefined ? null : `effort ${props.run.reasoning_effort}`].filter(Boolean).join(' · ');
  return (
    <dl class="run-facts" data-testid="run-facts">
      <Fact label="Stage" testId="run-stage">
        <span class="mono">{props.run.trigger_label}</span>
      </Fact>
      <Fact label="Agent">
        <span class="mono">{props.run.agent_key}</span>
      </Fact>
      <Fact label="Issue">
        <span class="repo">{props.run.repository_full_name}</span>{' '}
        <Show when={props.run.issue_number !== null}>
          <Link url={props.run.issue_url} text={`#${props.run.issue_number}`} testId="run-issue-link" />
        </Show>
      </Fact>
      <Fact label="Pull request">
        <Show when={props.run.pull_request_url ?? null} fallback={<None />}>
          {(url) => <Link url={url()} text={props.run.pull_request_number === null || props.run.pull_request_number === undefined ? 'open' : `#${props.run.pull_request_number}`} testId="run-pr-link" />}
        </Show>
      </Fact>
      <Fact label="Branch">
        <Mono value={props.run.branch_name ?? null} />
      </Fact>
      <Fact label="Cluster">
        <Mono value={props.run.cluster_id} />
      </Fact>
      <Fact label="Namespace">
        <Mono value={props.run.namespace} />
      </Fact>
      <Fact label="Job">
        <Mono value={props.run.job_name} />
      </Fact>
      <Fact label="Model">
        <Show when={model() !== ''} fallback={<None />}>
          <span class="mono">{model()}</span>
        </Show>
      </Fact>
      <Fact label="Attempt">{props.run.attempt_no}</Fact>
      <Fact label="Created">
        <Time iso={props.run.created_at} now={props.now} />
      </Fact>
      <Fact label="Started">
        <Time iso={props.run.started_at} now={props.now} />
      </Fact>
      <Fact label="Finished">
        <Time iso={props.run.finished_at} now={props.now} />
      </Fact>
      <Fact label={duration()?.running === true ? 'Running for' : 'Duration'} testId="run-duration">
        <Show when={duration()} fallback={<None />}>
          {(value) => formatElapsed(value().ms)}
        </Show>
      </Fact>
      <Fact label="Waiting" testId="run-wait">
        <Show when={props.run.wait_reason ?? null} fallback={<None />}>
          {(reason) => (
            <>
              <span class="mono">{reason()}</span>
              <Show when={props.run.wait_target ?? null}>{(target) => <span class="mono"> on {target()}</span>}</Show>
              <Show when={props.run.wait_since ?? null}>{(since) => <span class="hint"> · since {formatRelativeTime(since(), props.now)}</span>}</Show>
            </>
          )}
        </Show>
      </Fact>
      <Fact label="Runner phase">
        <Show when={props.run.runner_phase ?? null} fallback={<None />}>
          {(phase) => (
            <>
              <span class="mono">{phase()}</span>
              <Show when={props.run.runner_reason ?? null}>{(reason) => <span class="hint"> · {reason()}</span>}</Show>
            </>
          )}
        </Show>
      </Fact>
      <Fact label="Heartbeat">
        <Time iso={props.run.last_heartbeat_at} now={props.now} />
      </Fact>
      <Fact label="Tokens">
        <Show when={props.usage} fallback={<None />}>
          {(usage) => (
            <span title="input (of which cached) · output">
              {usage().input.toLocaleString('en')} in ({usage().cachedInput.toLocaleString('en')} cached) · {usage().output.toLocaleString('en')} out
            </span>
          )}
        </Show>
      </Fact>
    </dl>
  );
}

function Fact(props: { label: string; testId?: string; children: JSX.Element }) {
  return (
    <div class="run-fact">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.children}</dd>
    </div>
  );
}

function None() {
  return (
    <span class="none" aria-label="none">
      —
    </span>
  );
}

function Mono(props: { value: string | null }) {
  return (
    <Show when={props.value} fallback={<None />}>
      {(value) => <span class="mono">{value()}</span>}
    </Show>
  );
}

function Link(props: { url: string | null; text: string; testId?: string }) {
  return (
    <Show when={toWebUrl(props.url)} fallback={<span>{props.text}</span>}>
      {(url) => (
        <a href={url()} target="_blank" rel="noreferrer" data-testid={props.testId}>
          {props.text}
        </a>
      )}
    </Show>
  );
}

function Time(props: { iso: string | null; now: Date }) {
  return (
    <Show when={props.iso} fallback={<None />}>
      {(iso) => (
        <time datetime={iso()} title={iso()}>
          {formatRelativeTime(iso(), props.now)}
        </time>
      )}
    </Show>
  );
}
