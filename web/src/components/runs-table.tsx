/**
 * One row per run, newest first. Rows are keyed by the store's objects, so a
 * realtime status change updates the row's cells in place (no re-mount, no
 * scroll jump).
 */
import { For, Show } from 'solid-js';
import { formatRelativeTime } from '../lib/format-relative-time.ts';
import type { Run } from '../lib/run.ts';
import { StatusBadge } from './status-badge.tsx';

export const EMPTY_RUNS_TEXT = 'No runs yet — label an issue with run:dev';

const COLUMNS = ['Status', 'Run', 'Repository', 'Trigger', 'Agent', 'Cluster', 'Job', 'Namespace', 'Created', 'Updated'];

export type RunsTableProps = {
  runs: readonly Run[];
  now: Date;
  loading?: boolean;
};

export function RunsTable(props: RunsTableProps) {
  return (
    <div class="table-scroll">
      <table class="runs-table" data-testid="runs-table">
        <caption>
          <span class="caption-title">Runs</span>
          <span class="runs-count">{props.runs.length} shown · newest first · updates live</span>
        </caption>
        <thead>
          <tr>
            <For each={COLUMNS}>{(column) => <th scope="col">{column}</th>}</For>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.runs}
            fallback={
              <tr>
                <td class="runs-empty" colSpan={COLUMNS.length}>
                  {props.loading === true ? 'Loading runs…' : EMPTY_RUNS_TEXT}
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
  return (
    <tr data-testid="run-row" data-run-id={props.run.id} data-status={props.run.status}>
      <td>
        <StatusBadge status={props.run.status} />
        <Show when={props.run.status_reason}>
          {(reason) => <div class="status-reason">{reason()}</div>}
        </Show>
      </td>
      <th scope="row" class="mono" title={props.run.id}>
        {props.run.id.slice(0, 8)}
      </th>
      <td>
        <span class="repo">{props.run.repository_full_name}</span>
        <IssueRef url={props.run.issue_url} number={props.run.issue_number} />
      </td>
      <td>{props.run.trigger_label}</td>
      <td class="mono">{props.run.agent_key}</td>
      <OptionalCell value={props.run.cluster_id} />
      <OptionalCell value={props.run.job_name} />
      <OptionalCell value={props.run.namespace} />
      <TimeCell iso={props.run.created_at} now={props.now} />
      <TimeCell iso={props.run.updated_at} now={props.now} />
    </tr>
  );
}

function IssueRef(props: { url: string | null; number: number | null }) {
  return (
    <Show when={props.number !== null}>
      {' '}
      <Show when={props.url} fallback={<span class="issue">#{props.number}</span>}>
        {(url) => (
          <a class="issue" href={url()} target="_blank" rel="noreferrer">
            #{props.number}
          </a>
        )}
      </Show>
    </Show>
  );
}

function OptionalCell(props: { value: string | null }) {
  return (
    <td class="mono">
      <Show when={props.value} fallback={<span class="none" aria-label="none">—</span>}>
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
