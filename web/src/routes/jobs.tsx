/**
 * Running jobs (`/jobs`, docs/domain.md §8.3): every run of the person's
 * projects that holds a Kubernetes Job now, by cluster, then by project, with
 * its Job, how long it has run and its last heartbeat (lib/running-jobs.ts
 * decides which runs, the grouping and staleness).
 *
 *   GET /api/v1/staff/runs?status=running,waiting_mcp,waiting_backpressure&limit=500 (all pages)
 *        every 30 s while the socket is live (heartbeats are not pushed),
 *        every 10 s while it is down (the runs page's fallback rate, run-feed.ts)
 *   realtime store ─▶ rows change, leave and arrive in place between loads
 *
 * Rows are kept by id (`reconcile`), so a status change or a fresh heartbeat
 * updates cells without re-creating the row or moving the keyboard focus.
 */
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { RelativeTime } from '../components/relative-time.tsx';
import { RunLink } from '../components/run-link.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import type { FetchLike } from '../lib/api.ts';
import { formatDuration } from '../lib/format-duration.ts';
import { fetchRunningJobs } from '../lib/jobs-api.ts';
import type { Logger } from '../lib/log.ts';
import { POLL_INTERVAL_MS, type RunFeed } from '../lib/run-feed.ts';
import type { RunStore } from '../lib/run-store.ts';
import { toWebUrl, type Run } from '../lib/run.ts';
import {
  groupRunningJobs,
  HEARTBEAT_STALE_MS,
  isHeartbeatStale,
  toJobDurationMs,
  toRunningJobs,
  toVersionBaseline,
  UNASSIGNED_CLUSTER,
  type ClusterJobs,
  type LoadedJobs,
} from '../lib/running-jobs.ts';
import type { Me } from '../lib/staff-me.ts';
import { startVisiblePoll, type VisibilityTarget } from '../lib/visible-poll.ts';
import { NO_PROJECTS_TEXT } from './runs.tsx';

/** Heartbeats reach the console only over HTTP: two agent heartbeats (15 s) between loads. */
export const JOBS_REFRESH_MS = 30_000;
/** The durations count seconds. */
export const JOBS_CLOCK_MS = 1_000;
export const NO_JOBS_TEXT = 'No run holds a Job right now.';
export const STALE_TITLE = `No heartbeat for over ${HEARTBEAT_STALE_MS / 1000} s: the cluster-agent may be gone or cut off from the edge.`;

export type JobsPageProps = {
  store: RunStore;
  feed: RunFeed | null;
  fetch: FetchLike;
  log: Logger;
  me: Me;
  /** Injected in tests; defaults to the page's `document`. */
  document?: VisibilityTarget;
};

export function JobsPage(props: JobsPageProps) {
  return (
    <section class="page ops-screen jobs-screen" aria-labelledby="jobs-title">
      <Show
        when={props.feed}
        fallback={
          <div class="empty-state" data-testid="no-projects">
            <h2 id="jobs-title" class="page-title">
              No projects
            </h2>
            <p>{NO_PROJECTS_TEXT}</p>
          </div>
        }
      >
        {(feed) => <LiveJobs {...props} feed={feed()} />}
      </Show>
    </section>
  );
}

function LiveJobs(props: JobsPageProps & { feed: RunFeed }) {
  const [loaded, setLoaded] = createSignal<LoadedJobs | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(new Date());
  const [groups, setGroups] = createStore<ClusterJobs[]>([]);
  const clock = setInterval(() => setNow(new Date()), JOBS_CLOCK_MS);
  onCleanup(() => clearInterval(clock));
  /** Bumped by every load: an answer that comes after a newer request went out is dropped. */
  let generation = 0;

  async function load(): Promise<void> {
    const started = ++generation;
    // Taken before asking: a store change that races the answer still counts as newer (running-jobs.ts).
    const baseline = toVersionBaseline(props.store.snapshot().runs);
    try {
      const items = await fetchRunningJobs({ fetch: props.fetch });
      if (started === generation) {
        setLoaded({ items, baseline });
        setLoadError(null);
        setNow(new Date());
      }
    } catch (error) {
      props.log.warn('loading running jobs failed', { error: String(error) });
      if (started === generation) {
        setLoadError(error instanceof Error ? error.message : String(error));
      }
    }
  }

  const live = createMemo(() => props.feed.connection() === 'live');
  createEffect(
    on(live, (isLive) => {
      // A change of state loads at once: going down, to show what HTTP knows; back up, to fill the gap.
      const stop = startVisiblePoll(() => void load(), isLive ? JOBS_REFRESH_MS : POLL_INTERVAL_MS, props.document ?? document);
      onCleanup(stop);
    }),
  );

  createEffect(() => {
    // Copies: the store's rows belong to the run store; this one updates its own in place.
    const runs = toRunningJobs(loaded(), props.store.runs).map((run) => ({ ...run }));
    setGroups(reconcile(groupRunningJobs(runs, props.me.projects), { key: 'id' }));
  });

  const total = (): number => groups.reduce((sum, group) => sum + group.count, 0);
  const stale = (): number => groups.flatMap((group) => group.projects.flatMap((project) => project.runs)).filter((run) => isHeartbeatStale(run, now())).length;

  return (
    <>
      <div class="ops-head">
        <h2 id="jobs-title" class="page-title">
          Running jobs
        </h2>
        <p class="hint" data-testid="jobs-summary">
          {total()} {total() === 1 ? 'job' : 'jobs'} on {groups.length} {groups.length === 1 ? 'cluster' : 'clusters'} · {stale()} stale · updates live,
          heartbeats every {JOBS_REFRESH_MS / 1000} s
        </p>
      </div>
      <Show when={loadError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert" data-testid="jobs-error">
            Could not load the running jobs: {message()}
          </p>
        )}
      </Show>
      <Show when={loaded() !== null} fallback={<p class="empty-line">{loadError() === null ? 'Loading the running jobs…' : ''}</p>}>
        <Show when={groups.length > 0} fallback={<p class="empty-line" data-testid="jobs-empty">{NO_JOBS_TEXT}</p>}>
          <For each={groups}>{(cluster) => <ClusterSection cluster={cluster} now={now()} />}</For>
        </Show>
      </Show>
    </>
  );
}

function ClusterSection(props: { cluster: ClusterJobs; now: Date }) {
  // The unassigned group's id is '' (running-jobs.ts), so its heading id cannot clash with a cluster's.
  const titleId = (): string => `jobs-cluster-${props.cluster.id}`;
  return (
    <section class="ops-panel" data-testid="jobs-cluster" data-cluster-id={props.cluster.clusterId ?? UNASSIGNED_CLUSTER} aria-labelledby={titleId()}>
      <h3 id={titleId()} class="jobs-cluster-title">
        <Show when={props.cluster.clusterId} fallback={<span>No cluster ({UNASSIGNED_CLUSTER})</span>}>
          {(id) => (
            <>
              Cluster <span class="mono">{id()}</span>
            </>
          )}
        </Show>
        <span class="count">{props.cluster.count}</span>
      </h3>
      <For each={props.cluster.projects}>
        {(project) => (
          <table class="ops-table jobs-table" data-testid="jobs-project" data-project-id={project.id}>
            <caption>
              <span class="ops-caption-title">{project.slug}</span>
              <span class="ops-caption-note">
                {project.runs.length} {project.runs.length === 1 ? 'job' : 'jobs'} · longest running first
              </span>
            </caption>
            <colgroup>
              <col class="jobs-col-run" />
              <col class="jobs-col-issue" />
              <col class="jobs-col-stage" />
              <col class="jobs-col-job" />
              <col class="jobs-col-status" />
              <col class="jobs-col-time" />
              <col class="jobs-col-time" />
              <col class="jobs-col-heartbeat" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Issue</th>
                <th scope="col">Stage · agent</th>
                <th scope="col">Job · namespace</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              <For each={project.runs}>{(run) => <JobRow run={run} now={props.now} />}</For>
            </tbody>
          </table>
        )}
      </For>
    </section>
  );
}

function JobRow(props: { run: Run; now: Date }) {
  const stale = (): boolean => isHeartbeatStale(props.run, props.now);
  const duration = (): number | null => toJobDurationMs(props.run, props.now);
  return (
    <tr data-testid="job-row" data-run-id={props.run.id} data-status={props.run.status} data-stale={String(stale())}>
      <th scope="row">
        <RunLink id={props.run.id} />
      </th>
      <td class="truncate" title={props.run.repository_full_name}>
        <span class="repo">{props.run.repository_full_name}</span>
        <Show when={props.run.issue_number !== null}>
          <Show when={toWebUrl(props.run.issue_url)} fallback={<span class="issue">#{props.run.issue_number}</span>}>
            {(url) => (
              <a class="issue" href={url()} target="_blank" rel="noreferrer">
                #{props.run.issue_number}
              </a>
            )}
          </Show>
        </Show>
      </td>
      <td class="truncate">
        <div class="truncate" title={props.run.trigger_label}>
          {props.run.trigger_label}
        </div>
        <div class="ops-sub mono truncate">{props.run.agent_key}</div>
      </td>
      <td class="mono" data-testid="job-name">
        <div class="truncate" title={props.run.job_name ?? undefined}>
          {props.run.job_name}
        </div>
        <div class="ops-sub truncate" title={props.run.namespace ?? undefined}>
          {props.run.namespace ?? <span class="none">no namespace</span>}
        </div>
      </td>
      <td>
        <StatusBadge status={props.run.status} />
        <Show when={props.run.status !== 'running' ? (props.run.wait_reason ?? null) : null}>
          {(reason) => (
            <div class="ops-sub mono truncate" data-testid="job-wait" title={props.run.wait_target ?? reason()}>
              {reason()}
            </div>
          )}
        </Show>
      </td>
      <td>
        {/* RelativeTime picks "—" or a time once; these Shows let a time arrive later. */}
        <Show when={props.run.started_at} fallback={<span class="none">—</span>}>
          {(iso) => <RelativeTime iso={iso()} now={props.now} />}
        </Show>
      </td>
      <td class="jobs-duration" data-testid="job-duration">
        <Show when={duration() !== null} fallback={<span class="none">—</span>}>
          {formatDuration(duration() ?? 0)}
        </Show>
      </td>
      <td data-testid="job-heartbeat">
        <Show when={props.run.last_heartbeat_at} fallback={<span class="none">none yet</span>}>
          {(iso) => <RelativeTime iso={iso()} now={props.now} />}
        </Show>
        <Show when={stale()}>
          {' '}
          <span class="jobs-stale" data-testid="job-stale" title={STALE_TITLE}>
            stale
          </span>
        </Show>
      </td>
    </tr>
  );
}
