/**
 * One run (`/runs/:id`, docs/domain.md §8.3; every GitHub status comment
 * links here). The run is read once over HTTP and then follows the realtime
 * store: whichever holds the greater `version` is shown. While the socket is
 * not live the page reads the run again every 10 s itself.
 *
 *   timeline   GET …/timeline, then every 5 s while the run is not terminal
 *              (runner events after the newest held one), and on every
 *              status change;
 *   log        run-log.ts: the tail every 2 s while not terminal, history on
 *              request.
 *
 * A run that does not exist, or is in a project the person has no role in,
 * answers 404 and gets a plain "not found".
 */
import { useNavigate } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import { CancelRun } from '../components/cancel-run.tsx';
import { RetryRun } from '../components/retry-run.tsx';
import { LogView } from '../components/log-view.tsx';
import { RunFacts } from '../components/run-facts.tsx';
import { AgentActivity, RunTimeline } from '../components/run-story.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { ApiError } from '../lib/api.ts';
import type { Logger } from '../lib/log.ts';
import { fetchRun, fetchTimeline, type CancelOutcome, type FlowEvent, type RunnerEvent } from '../lib/run-detail-api.ts';
import type { RunFeed } from '../lib/run-feed.ts';
import { createRunLog } from '../lib/run-log.ts';
import type { RunStore } from '../lib/run-store.ts';
import { appendRunnerEvents, nextAfterOf, toActivity, toTimeline, toTokenUsage } from '../lib/run-timeline.ts';
import { isTerminalStatus, type Run } from '../lib/run.ts';
import type { StaffFetch } from '../lib/staff-fetch.ts';
import type { Me } from '../lib/staff-me.ts';

export const TIMELINE_POLL_MS = 5_000;
export const RUN_POLL_MS = 10_000;
const MAX_TIMELINE_PAGES = 20;

type Notice = { kind: 'done' | 'error'; text: string };

export type RunDetailPageProps = {
  id: string;
  store: RunStore;
  feed: RunFeed | null;
  fetch: StaffFetch;
  log: Logger;
  me: Me;
};

export function RunDetailPage(props: RunDetailPageProps) {
  const log = props.log.with({ component: 'run-page', runId: props.id });
  const [loaded, setLoaded] = createSignal<Run | null>(null);
  const [missing, setMissing] = createSignal(false);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<Notice | null>(null);
  const navigate = useNavigate();
  const [flowEvents, setFlowEvents] = createSignal<FlowEvent[]>([]);
  const [runnerEvents, setRunnerEvents] = createSignal<RunnerEvent[]>([]);
  const [timelineLoading, setTimelineLoading] = createSignal(true);
  const [now, setNow] = createSignal(new Date());

  const live = createMemo(() => props.store.runs.find((run) => run.id === props.id));
  const run = createMemo((): Run | null => {
    const fromHttp = loaded();
    const fromStore = live();
    if (fromHttp === null || fromStore === undefined) {
      return fromHttp ?? fromStore ?? null;
    }
    // The store's row is a realtime snapshot: newer only with a greater version.
    return fromStore.version > fromHttp.version ? fromStore : fromHttp;
  });
  const terminal = (): boolean => {
    const current = run();
    return current !== null && isTerminalStatus(current.status);
  };
  const runLog = createRunLog({ fetch: props.fetch, runId: props.id, log });

  async function loadRun(): Promise<void> {
    try {
      setLoaded(await fetchRun(props.fetch, props.id));
      setLoadError(null);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.code === 'not_found' || error.status === 400)) {
        setMissing(true);
        return;
      }
      log.warn('loading the run failed', { error: String(error) });
      setLoadError(error instanceof Error ? error.message : String(error));
    }
  }

  let timelineInFlight: Promise<void> | null = null;
  function loadTimeline(): Promise<void> {
    timelineInFlight ??= (async () => {
      try {
        let after = nextAfterOf(runnerEvents());
        for (let page = 0; page < MAX_TIMELINE_PAGES; page += 1) {
          const result = await fetchTimeline(props.fetch, props.id, after);
          setFlowEvents(result.flowEvents);
          setRunnerEvents(appendRunnerEvents(runnerEvents(), result.runnerEvents));
          if (result.nextAfter === null) {
            break;
          }
          after = result.nextAfter;
        }
      } catch (error) {
        log.warn('loading the timeline failed', { error: String(error) });
      } finally {
        setTimelineLoading(false);
      }
    })().finally(() => {
      timelineInFlight = null;
    });
    return timelineInFlight;
  }

  const visible = (): boolean => document.visibilityState !== 'hidden';
  onMount(() => {
    void loadRun();
    const clock = setInterval(() => setNow(new Date()), 1_000);
    const timeline = setInterval(() => {
      if (!terminal() && visible() && run() !== null) {
        void loadTimeline();
      }
    }, TIMELINE_POLL_MS);
    const refetch = setInterval(() => {
      if (!terminal() && visible() && !missing() && props.feed?.connection() !== 'live') {
        void loadRun();
      }
    }, RUN_POLL_MS);
    onCleanup(() => {
      clearInterval(clock);
      clearInterval(timeline);
      clearInterval(refetch);
      runLog.stop();
    });
  });

  // The log and timeline start once the run is known to exist (not for a 404).
  let started = false;
  createEffect(() => {
    if (run() !== null && !started) {
      started = true;
      runLog.start(terminal);
      void loadTimeline();
    }
  });
  // A status change (live or polled) brings new audit events; a finished run its last log lines.
  createEffect(
    on(
      () => run()?.status,
      (status, previous) => {
        if (previous !== undefined && status !== previous) {
          void loadTimeline();
          void runLog.pollNow();
        }
      },
    ),
  );

  const timelineEntries = createMemo(() => toTimeline(flowEvents(), runnerEvents()));
  const activity = createMemo(() => toActivity(runnerEvents()));
  const usage = createMemo(() => toTokenUsage(runnerEvents()));

  const onCanceled = (outcome: CancelOutcome): void => {
    const stop = outcome.job_stop_requested ? ' The Job’s stop was requested.' : '';
    setNotice(
      outcome.already_terminal
        ? { kind: 'done', text: `The run had already finished (${outcome.current_status}).` }
        : { kind: 'done', text: `Canceled (was ${outcome.previous_status}).${stop}` },
    );
    void loadRun();
  };

  return (
    <section class="page run-page run-screens" aria-labelledby="run-title">
      <a class="back-link" href="/runs">
        ← Runs
      </a>
      <Switch
        fallback={
          <p class="empty-line" data-testid="run-loading">
            Loading run…
          </p>
        }
      >
        <Match when={missing()}>
          <div class="empty-state" data-testid="run-not-found">
            <h2 id="run-title" class="page-title">
              Run not found
            </h2>
            <p>
              There is no run <span class="mono">{props.id}</span>, or it belongs to a project you are not a member of.
            </p>
          </div>
        </Match>
        <Match when={run()}>
          {(current) => (
            <>
              <header class="run-header">
                <div class="run-heading">
                  <h2 id="run-title" class="page-title run-title">
                    <span class="repo">{current().repository_full_name}</span>
                    <Show when={current().issue_number !== null}>
                      <span class="issue"> #{current().issue_number}</span>
                    </Show>
                  </h2>
                  <span data-testid="run-status" data-status={current().status}>
                    <StatusBadge status={current().status} />
                  </span>
                  <Show when={current().status_reason}>{(reason) => <span class="hint">{reason()}</span>}</Show>
                  <span class="mono hint run-id" title="run id">
                    {current().id}
                  </span>
                </div>
                <CancelRun
                  run={current()}
                  me={props.me}
                  fetch={props.fetch}
                  onDone={onCanceled}
                  onError={(text) => setNotice({ kind: 'error', text: `Could not cancel: ${text}` })}
                />
                <RetryRun
                  run={current()}
                  me={props.me}
                  fetch={props.fetch}
                  onDone={(outcome) => {
                    if (outcome.kind === 'started') {
                      navigate(`/runs/${outcome.runId}`);
                    } else if (outcome.kind === 'queued') {
                      setNotice({ kind: 'done', text: 'The retry is queued; the new run appears when the database answers.' });
                    } else {
                      setNotice({ kind: 'error', text: outcome.message });
                    }
                  }}
                  onError={(text) => setNotice({ kind: 'error', text: `Could not retry: ${text}` })}
                />
              </header>
              <Show when={notice()}>
                {(shown) => (
                  <p class="notice" data-kind={shown().kind} role={shown().kind === 'error' ? 'alert' : 'status'} data-testid="run-notice">
                    {shown().text}
                  </p>
                )}
              </Show>
              <Show when={loadError()}>
                {(message) => (
                  <p class="notice" role="alert">
                    Could not refresh the run: {message()}
                  </p>
                )}
              </Show>
              <RunFacts run={current()} now={now()} usage={usage()} />
              <Show when={(current().status_lines ?? []).length > 0}>
                <ul class="status-lines" data-testid="run-status-lines" aria-label="Runner status">
                  <For each={current().status_lines ?? []}>{(line) => <li class="mono">{line}</li>}</For>
                </ul>
              </Show>
              <section class="panel" aria-labelledby="run-log-title">
                <h3 id="run-log-title" class="section-title">
                  Log {terminal() ? '' : '· live'}
                </h3>
                <LogView runLog={runLog} fileName={`run-${props.id.slice(0, 8)}-attempt-${current().attempt_no}.txt`} />
              </section>
              <div class="run-story">
                <RunTimeline entries={timelineEntries()} now={now()} loading={timelineLoading()} />
                <AgentActivity entries={activity()} now={now()} loading={timelineLoading()} />
              </div>
            </>
          )}
        </Match>
        <Match when={loadError()}>
          {(message) => (
            <div class="notice" role="alert">
              <span>Could not load the run: {message()}</span>
              <button type="button" class="button" onClick={() => void loadRun()}>
                Try again
              </button>
            </div>
          )}
        </Match>
      </Switch>
    </section>
  );
}
