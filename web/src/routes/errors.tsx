/**
 * Errors (`/errors`, docs/domain.md §8.3): what went wrong in the person's
 * projects. Deliveries the edge refused, with their reason (filtered by the
 * edge, `?reason`), and runs that failed or timed out, with the runner's
 * reason, linking to the run. Below them the held work
 * (components/held-work.tsx): deliveries parked in a repository's inbox and
 * GitHub writes the outbox gave up on, each replayable or droppable by a
 * project admin.
 *
 * The reason filter lives in the address (`/errors?reason=…`, errors-filter.ts):
 * the page loads whatever the address says, and the form only changes the address.
 */
import { useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, For, on, Show } from 'solid-js';
import { HeldWorkPanels } from '../components/held-work.tsx';
import { RelativeTime } from '../components/relative-time.tsx';
import { RunLink } from '../components/run-link.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { MAX_REASON_LENGTH, parseErrorsReason, toErrorsQuery } from '../lib/errors-filter.ts';
import { fetchErrors, fetchFailedPage, fetchRefusedPage, type ErrorsReport, type OpsRun, type RefusedDelivery } from '../lib/ops-api.ts';
import { messagesOf } from '../lib/staff-request.ts';
import type { ScreenProps } from './ops-routes.tsx';
import { EmptyRow, OpsHead } from '../components/ops-table.tsx';

export const ERRORS_LIMIT = 100;

type Paged<T> = { items: T[]; cursor: string | null };

export function ErrorsPage(props: ScreenProps) {
  const [report, setReport] = createSignal<ErrorsReport | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [query, setQuery] = useSearchParams();
  /** The reason the address asks for; `''` for every reason. */
  const filter = createMemo(() => parseErrorsReason(query));
  /** What the field holds, applied on submit. */
  const [reason, setReason] = createSignal(filter());
  /** The reason of the list shown. */
  const [applied, setApplied] = createSignal('');
  /** Reasons seen in unfiltered answers, offered as suggestions. */
  const [knownReasons, setKnownReasons] = createSignal<string[]>([]);
  const [now, setNow] = createSignal(new Date());
  const [loading, setLoading] = createSignal(false);
  /** Pages after the first, per list, and the cursor of the next one (null: no more). */
  const [moreRefused, setMoreRefused] = createSignal<Paged<RefusedDelivery>>({ items: [], cursor: null });
  const [moreFailed, setMoreFailed] = createSignal<Paged<OpsRun>>({ items: [], cursor: null });
  const [loadingMore, setLoadingMore] = createSignal<'refused' | 'failed' | null>(null);
  let generation = 0;

  async function load(filter: string): Promise<void> {
    const started = ++generation;
    setLoading(true);
    try {
      const next = await fetchErrors({ fetch: props.fetch, reason: filter || null, limit: ERRORS_LIMIT });
      if (started !== generation) {
        return;
      }
      setReport(next);
      setMoreRefused({ items: [], cursor: next.refused_next_cursor });
      setMoreFailed({ items: [], cursor: next.failed_next_cursor });
      setApplied(filter);
      setLoadError(null);
      setNow(new Date());
      const seen = next.refused_deliveries.map((delivery) => delivery.reason).filter((value): value is string => value !== null);
      setKnownReasons([...new Set([...knownReasons(), ...seen])].sort());
    } catch (error) {
      props.log.warn('loading errors failed', { error: String(error) });
      if (started === generation) {
        setLoadError(messagesOf(error).join(' '));
      }
    } finally {
      if (started === generation) {
        setLoading(false);
      }
    }
  }

  // The first load, and every later change of the address (a filter, Back, Forward): the field follows it.
  createEffect(
    on(filter, (value) => {
      setReason(value);
      void load(value);
    }),
  );

  /** Puts the reason in the address; the same reason again just loads the list again. */
  const apply = (value: string): void => {
    const next = value.trim();
    if (next === filter()) {
      setReason(next);
      void load(next);
      return;
    }
    setQuery(toErrorsQuery(next));
  };

  const deliveries = createMemo(() => [...(report()?.refused_deliveries ?? []), ...moreRefused().items]);
  const runs = createMemo(() => [...(report()?.failed_runs ?? []), ...moreFailed().items]);

  /** The next page of one list, appended; a new filter or reload (`generation`) drops a late answer. */
  async function loadMore<T>(which: 'refused' | 'failed', more: () => Paged<T>, setMore: (next: Paged<T>) => void, fetchPage: (cursor: string) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<void> {
    const cursor = more().cursor;
    if (cursor === null || loadingMore() !== null || loading()) {
      return;
    }
    const started = generation;
    setLoadingMore(which);
    try {
      const page = await fetchPage(cursor);
      // A first page that arrived meanwhile (a new filter) reset the list: this page belongs to the old one.
      if (started === generation && more().cursor === cursor) {
        setMore({ items: [...more().items, ...page.items], cursor: page.next_cursor });
      }
    } catch (error) {
      props.log.warn('loading more errors failed', { error: String(error) });
      if (started === generation) {
        setLoadError(messagesOf(error).join(' '));
      }
    } finally {
      setLoadingMore(null);
    }
  }
  const moreDeliveries = (): void =>
    void loadMore('refused', moreRefused, setMoreRefused, (cursor) => fetchRefusedPage({ fetch: props.fetch, reason: applied() || null, limit: ERRORS_LIMIT, cursor }));
  const moreRuns = (): void => void loadMore('failed', moreFailed, setMoreFailed, (cursor) => fetchFailedPage({ fetch: props.fetch, limit: ERRORS_LIMIT, cursor }));

  return (
    <section class="page ops-screen" aria-labelledby="errors-title">
      <div class="ops-head">
        <h2 id="errors-title" class="page-title">
          Errors
        </h2>
      </div>
      <Show when={loadError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert">
            Could not load errors: {message()}
          </p>
        )}
      </Show>

      <section class="ops-panel" aria-labelledby="refused-title">
        <div class="ops-panel-head">
          <h3 id="refused-title" class="section-title">
            Refused deliveries <span class="count">{deliveries().length}</span>
          </h3>
          <form
            class="ops-inline-form"
            data-testid="errors-filter"
            role="search"
            onSubmit={(event) => {
              event.preventDefault();
              apply(reason());
            }}
          >
            <label class="ops-inline-field">
              <span>Reason</span>
              <input
                class="input mono"
                list="refusal-reasons"
                placeholder="any reason"
                maxLength={MAX_REASON_LENGTH}
                data-testid="errors-reason"
                value={reason()}
                onInput={(event) => setReason(event.currentTarget.value)}
              />
            </label>
            <datalist id="refusal-reasons">
              <For each={knownReasons()}>{(known) => <option value={known} />}</For>
            </datalist>
            <button type="submit" class="button" data-testid="errors-filter-apply" aria-busy={loading()}>
              Filter
            </button>
            <button
              type="button"
              class="button"
              data-testid="errors-filter-clear"
              disabled={applied() === '' && reason() === ''}
              onClick={() => apply('')}
            >
              Clear
            </button>
          </form>
        </div>
        <table class="ops-table" data-testid="refused-deliveries">
          <caption class="visually-hidden">Refused deliveries, newest first</caption>
          <OpsHead columns={['Received', 'Event', 'Repository', { label: 'Reason', wide: true }, 'Delivery']} />
          <tbody>
            <For
              each={deliveries()}
              fallback={
                <EmptyRow columns={5}>{report() === null ? 'Loading…' : applied() === '' ? 'No refused deliveries.' : `No deliveries refused for ${applied()}.`}</EmptyRow>
              }
            >
              {(delivery) => (
                <tr data-testid="error-delivery" data-delivery-id={delivery.delivery_id} data-reason={delivery.reason ?? ''}>
                  <td>
                    <RelativeTime iso={delivery.received_at} now={now()} />
                  </td>
                  <td class="mono">
                    {delivery.event}
                    <Show when={delivery.action}>{(action) => <span class="ops-sub">.{action()}</span>}</Show>
                  </td>
                  <td class="ops-wrap">{delivery.repository_full_name ?? <span class="none">—</span>}</td>
                  <td class="ops-wrap ops-wide">
                    <Show when={delivery.reason} fallback={<span class="none">no reason recorded</span>}>
                      {(text) => (
                        <button
                          type="button"
                          class="ops-link-button mono"
                          title="Show only this reason"
                          onClick={() => apply(text())}
                        >
                          {text()}
                        </button>
                      )}
                    </Show>
                  </td>
                  <td class="mono ops-sub" title={delivery.delivery_id}>
                    {delivery.delivery_id.slice(0, 13)}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={moreRefused().cursor !== null}>
          <div class="load-more">
            <button type="button" class="button" data-testid="errors-refused-more" disabled={loadingMore() !== null || loading()} onClick={moreDeliveries}>
              {loadingMore() === 'refused' ? 'Loading…' : 'Load more'}
            </button>
          </div>
        </Show>
      </section>

      <section class="ops-panel" aria-labelledby="failed-title">
        <h3 id="failed-title" class="section-title">
          Failed runs <span class="count">{runs().length}</span>
        </h3>
        <table class="ops-table" data-testid="failed-runs">
          <caption class="visually-hidden">Failed and timed-out runs, newest first</caption>
          <OpsHead columns={['Run', 'Status', 'Repository', 'Stage', { label: 'Why', wide: true }, 'Finished']} />
          <tbody>
            <For
              each={runs()}
              fallback={
                <EmptyRow columns={6}>{report() === null ? 'Loading…' : 'No failed runs.'}</EmptyRow>
              }
            >
              {(run) => (
                <tr data-testid="error-run" data-run-id={run.id} data-status={run.status}>
                  <th scope="row">
                    <RunLink id={run.id} />
                  </th>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td class="ops-wrap">
                    <span class="repo">{run.repository_full_name}</span>
                    <Show when={run.issue_number !== null}>
                      <span class="issue">#{run.issue_number}</span>
                    </Show>
                  </td>
                  <td>
                    <div>{run.trigger_label}</div>
                    <div class="ops-sub mono">{run.agent_key}</div>
                  </td>
                  <td class="ops-wrap ops-wide">
                    <div data-testid="error-run-reason">{run.runner_reason ?? run.status_reason ?? <span class="none">no reason recorded</span>}</div>
                    <Show when={run.runner_reason !== null && run.status_reason !== null && run.status_reason !== run.runner_reason}>
                      <div class="ops-sub mono">{run.status_reason}</div>
                    </Show>
                  </td>
                  <td>
                    <RelativeTime iso={run.finished_at ?? run.updated_at} now={now()} />
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={moreFailed().cursor !== null}>
          <div class="load-more">
            <button type="button" class="button" data-testid="errors-failed-more" disabled={loadingMore() !== null || loading()} onClick={moreRuns}>
              {loadingMore() === 'failed' ? 'Loading…' : 'Load more'}
            </button>
          </div>
        </Show>
      </section>

      <HeldWorkPanels fetch={props.fetch} log={props.log} me={props.me} />
    </section>
  );
}
