/**
 * Wait queue (`/queue`, docs/domain.md §8.3): every waiting run of the
 * person's projects, oldest first, with why it waits in plain words, since
 * when and its SLA state; above it, queue depth and mean wait over the last
 * 6 h, 24 h or 7 d (the window is kept in the address, queue-window.ts).
 * There is no realtime topic for the queue: the list is fetched again every
 * 10 s and the history every minute while the page is visible.
 */
import { useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { QueueChart } from '../components/queue-chart.tsx';
import { RelativeTime } from '../components/relative-time.tsx';
import { RunLink } from '../components/run-link.tsx';
import { formatDuration } from '../lib/format-duration.ts';
import { fetchQueue, fetchQueueHistory, type QueueHistory, type QueueItem } from '../lib/ops-api.ts';
import { summarizeQueueHistory, toQueueChartData, type QueueSummary } from '../lib/queue-chart-data.ts';
import { parseQueueWindow, QUEUE_WINDOWS, toQueueWindowQuery } from '../lib/queue-window.ts';
import { startVisiblePoll, type VisibilityTarget } from '../lib/visible-poll.ts';
import { describeSla, describeWaitCause, SLA_LABELS, WAIT_CAUSE_LABELS } from '../lib/wait-cause.ts';
import type { ScreenProps } from './ops-routes.tsx';
import { EmptyRow, OpsHead } from '../components/ops-table.tsx';

export const QUEUE_REFRESH_MS = 10_000;
export const HISTORY_REFRESH_MS = 60_000;
export const EMPTY_QUEUE_TEXT = 'No run is waiting.';

export type QueuePageProps = ScreenProps & {
  /** Injected in tests; defaults to the page's `document`. */
  document?: VisibilityTarget;
};

export function QueuePage(props: QueuePageProps) {
  const [project, setProject] = createSignal<string>('');
  const [items, setItems] = createSignal<QueueItem[] | null>(null);
  const [history, setHistory] = createSignal<QueueHistory | null>(null);
  const [queueError, setQueueError] = createSignal<string | null>(null);
  const [historyError, setHistoryError] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(new Date());
  const [query, setQuery] = useSearchParams();
  const chartWindow = createMemo(() => parseQueueWindow(query));
  let queueGeneration = 0;
  let historyGeneration = 0;

  async function loadQueue(): Promise<void> {
    const started = ++queueGeneration;
    try {
      const next = await fetchQueue({ fetch: props.fetch, project: project() || null });
      if (started === queueGeneration) {
        setItems(next);
        setQueueError(null);
        setNow(new Date());
      }
    } catch (error) {
      props.log.warn('loading the wait queue failed', { error: String(error) });
      if (started === queueGeneration) {
        setQueueError(messageOf(error));
      }
    }
  }

  async function loadHistory(): Promise<void> {
    const started = ++historyGeneration;
    try {
      const next = await fetchQueueHistory({
        fetch: props.fetch,
        project: project() || null,
        hours: chartWindow().hours,
        bucketMinutes: chartWindow().bucketMinutes,
      });
      if (started === historyGeneration) {
        setHistory(next);
        setHistoryError(null);
      }
    } catch (error) {
      props.log.warn('loading the queue history failed', { error: String(error) });
      if (started === historyGeneration) {
        setHistoryError(messageOf(error));
      }
    }
  }

  onMount(() => {
    const doc = props.document ?? document;
    const stopQueue = startVisiblePoll(() => void loadQueue(), QUEUE_REFRESH_MS, doc);
    const stopHistory = startVisiblePoll(() => void loadHistory(), HISTORY_REFRESH_MS, doc);
    onCleanup(() => {
      stopQueue();
      stopHistory();
    });
  });

  // Another window in the address (a click, Back, Forward): the old chart goes, the new one loads.
  createEffect(
    on(
      () => chartWindow().key,
      () => {
        setHistory(null);
        void loadHistory();
      },
      { defer: true },
    ),
  );

  const chooseProject = (id: string): void => {
    setProject(id);
    setItems(null);
    setHistory(null);
    void loadQueue();
    void loadHistory();
  };

  const counts = createMemo(() => {
    const held = items() ?? [];
    return {
      total: held.length,
      late: held.filter((item) => item.sla === 'late').length,
      breached: held.filter((item) => item.sla === 'breached').length,
    };
  });

  return (
    <section class="page ops-screen" aria-labelledby="queue-title">
      <div class="ops-head">
        <h2 id="queue-title" class="page-title">
          Wait queue
        </h2>
        <Show when={props.me.projects.length > 1 || props.me.platform_admin}>
          <label class="ops-inline-field">
            <span>Project</span>
            <select
              class="input"
              data-testid="queue-project"
              value={project()}
              onChange={(event) => chooseProject(event.currentTarget.value)}
            >
              <option value="">All projects</option>
              <For each={props.me.projects}>{(item) => <option value={item.id}>{item.name}</option>}</For>
            </select>
          </label>
        </Show>
      </div>

      <section class="ops-panel" aria-labelledby="queue-chart-title">
        <div class="ops-panel-head">
          <h3 id="queue-chart-title" class="section-title">
            Queue depth and mean wait, last {chartWindow().label}
          </h3>
          <div class="ops-segmented" role="group" aria-label="Chart window">
            <For each={QUEUE_WINDOWS}>
              {(choice) => (
                <button
                  type="button"
                  class="button"
                  data-testid="queue-window"
                  data-window={choice.key}
                  aria-pressed={chartWindow().key === choice.key}
                  onClick={() => setQuery(toQueueWindowQuery(choice))}
                >
                  {choice.label}
                </button>
              )}
            </For>
          </div>
        </div>
        <Show when={historyError()}>
          {(message) => (
            <p class="notice" data-kind="error" role="alert">
              Could not load the queue history: {message()}
            </p>
          )}
        </Show>
        <Show when={history()} fallback={<p class="empty-line">{historyError() === null ? 'Loading the history…' : ''}</p>}>
          {(held) => {
            const summary = createMemo(() => summarizeQueueHistory(held()));
            return (
              <>
                <QueueChart data={toQueueChartData(held())} label={summaryText(summary())} log={props.log} />
                <p class="hint" data-testid="queue-summary">
                  {summaryText(summary())}
                  <Show when={held().truncated}> Only the newest runs were counted; older ones are left out.</Show>
                </p>
              </>
            );
          }}
        </Show>
      </section>

      <Show when={queueError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert">
            Could not load the wait queue: {message()}
          </p>
        )}
      </Show>
      <table class="ops-table" data-testid="queue-table">
        <caption>
          <span class="ops-caption-title">Waiting runs</span>
          <span class="ops-caption-note" data-testid="queue-counts">
            {counts().total} waiting · {counts().breached} breached · {counts().late} late · oldest first · refreshed every{' '}
            {QUEUE_REFRESH_MS / 1000} s
          </span>
        </caption>
        <OpsHead columns={['Run', 'Repository', 'Stage', { label: 'Why it waits', wide: true }, 'Waiting since', 'SLA', 'Last heartbeat']} />
        <tbody>
          <For
            each={items() ?? []}
            fallback={
              <EmptyRow columns={7}>{items() === null ? 'Loading the wait queue…' : EMPTY_QUEUE_TEXT}</EmptyRow>
            }
          >
            {(item) => (
              <tr data-testid="queue-row" data-run-id={item.run.id} data-cause={item.cause} data-sla={item.sla}>
                <th scope="row">
                  <RunLink id={item.run.id} />
                </th>
                <td class="ops-wrap">
                  <span class="repo">{item.run.repository_full_name}</span>
                  <Show when={item.run.issue_number !== null}>
                    <span class="issue">#{item.run.issue_number}</span>
                  </Show>
                </td>
                <td>
                  <div>{item.run.trigger_label}</div>
                  <div class="ops-sub mono">{item.run.agent_key}</div>
                </td>
                <td class="ops-wrap ops-wide">
                  <div data-testid="queue-cause">{describeWaitCause(item.cause, item.run)}</div>
                  <div class="ops-sub">{WAIT_CAUSE_LABELS[item.cause]}</div>
                </td>
                <td>
                  <RelativeTime iso={item.since} now={now()} />
                  <div class="ops-sub">waited {formatDuration(waitedMs(item, now()))}</div>
                </td>
                <td>
                  <span class="ops-sla" data-sla={item.sla} title={describeSla(item.cause)}>
                    {SLA_LABELS[item.sla]}
                  </span>
                </td>
                <td>
                  <RelativeTime iso={item.run.last_heartbeat_at} now={now()} />
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}

/** How long the run has waited by `now` (the edge's `waited_ms` is as of its answer). */
function waitedMs(item: QueueItem, now: Date): number {
  const since = Date.parse(item.since);
  return Number.isNaN(since) ? item.waited_ms : Math.max(item.waited_ms, now.getTime() - since);
}

export function summaryText(summary: QueueSummary): string {
  const waits =
    summary.meanWaitMs === null
      ? 'no run started'
      : `${summary.started} started, mean wait ${formatDuration(summary.meanWaitMs)}, longest ${formatDuration(summary.longestWaitMs ?? 0)}`;
  return `Now ${summary.waitingNow} waiting, peak ${summary.peakWaiting}; ${waits}.`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
