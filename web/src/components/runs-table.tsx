/**
 * One row per run, newest first. Rows are keyed by the store's objects, so a
 * realtime status change updates the row's cells in place (no re-mount, no
 * scroll jump). Each row's id links to the run page.
 *
 * The table has a fixed layout: every column has a width (styles.css,
 * `.runs-table col`) and long values (job and namespace names) are cut with an
 * ellipsis and shown whole on hover, so a 1280 px wide window never scrolls
 * sideways.
 */
import { For, Show } from 'solid-js';
import { formatRelativeTime } from '../lib/format-relative-time.ts';
import { formatElapsed, toRunDuration } from '../lib/run-duration.ts';
import { toWebUrl, type Run } from '../lib/run.ts';
import { StatusBadge } from './status-badge.tsx';

export const EMPTY_RUNS_TEXT = 'No runs yet — label an issue with run:dev';
export const NO_MATCHING_RUNS_TEXT = 'No runs match these filters.';

const COLUMNS = [
  { key: 'status', title: 'Status' },
  { key: 'run', title: 'Run' },
  { key: 'repository', title: 'Repository' },
  { key: 'stage', title: 'Stage' },
  { key: 'agent', title: 'Agent' },
  { key: 'wait', title: 'Waiting for' },
  { key: 'cluster', title: 'Cluster' },
  { key: 'job', title: 'Job · namespace' },
  { key: 'duration', title: 'Duration' },
  { key: 'created', title: 'Created' },
  { key: 'updated', title: 'Updated' },
] as const;

export type RunsTableProps = {
  runs: readonly Run[];
  now: Date;
  loading?: boolean;
  /** Filters are applied: an empty list means "nothing matches", not "no runs yet". */
  filtered?: boolean;
};

export function RunsTable(props: RunsTableProps) {
  return (
    <div class="table-scroll">
      <table class="runs-table" data-testid="runs-table">
        <caption>
          <span class="caption-title">Runs</span>
          <span class="runs-count">{props.runs.length} shown · newest first · updates live</span>
        </caption>
        <colgroup>
          <For each={COLUMNS}>{(column) => <col class={`col-${column.key}`} />}</For>
        </colgroup>
        <thead>
          <tr>
            <For each={COLUMNS}>{(column) => <th scope="col">{column.title}</th>}</For>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.runs}
            fallback={
              <tr>
                <td class="runs-empty" colSpan={COLUMNS.length}>
                  {props.loading === true ? 'Loading runs…' : props.filtered === true ? NO_MATCHING_RUNS_TEXT : EMPTY_RUNS_TEXT}
                </td>
              </tr>
            }
          >
            {(run) => <RunRow run={run} now={props.now} />}
          </For>
        </tbody>
      </table>
    </div>
  );
}

function RunRow(props: { run: Run; now: Date }) {
  const duration = () => toRunDuration(props.run, props.now);
  return (
    <tr data-testid="run-row" data-run-id={props.run.id} data-status={props.run.status}>
      <td>
        <StatusBadge status={props.run.status} />
        <Show when={props.run.status_reason}>
          {(reason) => <div class="status-reason">{reason()}</div>}
        </Show>
      </td>
      <th scope="row" class="mono">
        <a class="run-link" href={`/runs/${encodeURIComponent(props.run.id)}`} title={`Run ${props.run.id}`} data-testid="run-link">
          {props.run.id.slice(0, 8)}
        </a>
      </th>
      <td class="truncate" title={props.run.repository_full_name}>
        <span class="repo">{props.run.repository_full_name}</span>
        <IssueRef url={props.run.issue_url} number={props.run.issue_number} />
      </td>
      <td class="truncate" title={props.run.trigger_label}>
        {props.run.trigger_label}
      </td>
      <td class="mono truncate" title={props.run.agent_key}>
        {props.run.agent_key}
      </td>
      <td data-testid="run-wait">
        <Show when={props.run.wait_reason ?? null} fallback={<None />}>
          {(reason) => (
            <>
              <div class="mono truncate" title={props.run.wait_target ?? reason()}>
                {reason()}
              </div>
              <Show when={props.run.wait_since ?? null}>
                {(since) => <div class="status-reason">since {formatRelativeTime(since(), props.now)}</div>}
              </Show>
            </>
          )}
        </Show>
      </td>
      <OptionalCell value={props.run.cluster_id} />
      <td class="mono">
        <Show when={props.run.job_name !== null || props.run.namespace !== null} fallback={<None />}>
          <div class="truncate" title={props.run.job_name ?? undefined}>
            {props.run.job_name ?? <None />}
          </div>
          <div class="truncate subtle" title={props.run.namespace ?? undefined}>
            {props.run.namespace ?? <None />}
          </div>
        </Show>
      </td>
      <td class="time" data-testid="run-duration">
        <Show when={duration()} fallback={<None />}>
          {(value) => <span class={value().running ? 'duration-running' : undefined}>{formatElapsed(value().ms)}</span>}
        </Show>
      </td>
      <TimeCell iso={props.run.created_at} now={props.now} />
      <TimeCell iso={props.run.updated_at} now={props.now} />
    </tr>
  );
}

function IssueRef(props: { url: string | null; number: number | null }) {
  return (
    <Show when={props.number !== null}>
      {' '}
      <Show when={toWebUrl(props.url)} fallback={<span class="issue">#{props.number}</span>}>
        {(url) => (
          <a class="issue" href={url()} target="_blank" rel="noreferrer">
            #{props.number}
          </a>
        )}
      </Show>
    </Show>
  );
}

function None() {
  return (
    <span class="none" aria-label="none">
      —
    </span>
  );
}

function OptionalCell(props: { value: string | null }) {
  return (
    <td class="mono truncate" title={props.value ?? undefined}>
      <Show when={props.value} fallback={<None />}>
        {(value) => value()}
      </Show>
    </td>
  );
}

function TimeCell(props: { iso: string; now: Date }) {
  return (
    <td class="time">
      <time datetime={props.iso} title={props.iso}>
        {formatRelativeTime(props.iso, props.now)}
      </time>
    </td>
  );
}
