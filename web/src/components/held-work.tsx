/**
 * The errors screen's held work (docs/domain.md §8.2, §8.3): deliveries a
 * repository's inbox parked because applying them failed for good, and GitHub
 * writes the outbox gave up on because GitHub refused them. Once the cause is
 * fixed (a bug deployed, a permission granted), a project admin replays the
 * delivery or retries the write; or drops it. Others see the rows with the
 * controls disabled and the reason. No payload or comment body is shown: the
 * edge never sends one.
 */
import { createSignal, For, onMount, Show } from 'solid-js';
import { discardDeadWrite, discardParked, fetchHeldWork, replayParked, retryDeadWrite, type DeadWrite, type HeldWork, type ParkedDelivery } from '../lib/held-api.ts';
import { canAdministerProject, PLATFORM_ADMIN_HINT, projectAdminHint } from '../lib/ops-access.ts';
import { messagesOf } from '../lib/staff-request.ts';
import type { ScreenProps } from '../routes/ops-routes.tsx';
import { ConfirmAction } from './confirm-action.tsx';
import { RelativeTime } from './relative-time.tsx';
import { EmptyRow, OpsHead } from './ops-table.tsx';

type Notice = { kind: 'ok' | 'error'; text: string };

export function HeldWorkPanels(props: ScreenProps) {
  const [work, setWork] = createSignal<HeldWork | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<Notice | null>(null);
  /** The row an action is under way for (`parked:<repo>:<seq>` or `dead:<installation>:<seq>`). */
  const [busy, setBusy] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(new Date());

  async function load(): Promise<void> {
    try {
      setWork(await fetchHeldWork({ fetch: props.fetch }));
      setLoadError(null);
      setNow(new Date());
    } catch (error) {
      props.log.warn('loading held work failed', { error: String(error) });
      setLoadError(messagesOf(error).join(' '));
    }
  }
  onMount(() => void load());

  /** Why `me` may not act on an item of this project (null: may act); no project means platform admins only. */
  const hint = (projectId: string | null): string | null =>
    projectId === null ? (props.me.platform_admin ? null : PLATFORM_ADMIN_HINT) : canAdministerProject(props.me, projectId) ? null : projectAdminHint(props.me, projectId);

  async function act(key: string, action: () => Promise<string>): Promise<void> {
    setBusy(key);
    try {
      setNotice({ kind: 'ok', text: await action() });
    } catch (error) {
      setNotice({ kind: 'error', text: messagesOf(error).join(' ') });
    } finally {
      setBusy(null);
      await load();
    }
  }

  const parkedKey = (p: ParkedDelivery): string => `parked:${p.repository_id ?? 'none'}:${p.sequence}`;
  const deadKey = (d: DeadWrite): string => `dead:${d.installation_id}:${d.sequence}`;
  const options = () => ({ fetch: props.fetch });

  return (
    <>
      <Show when={loadError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert">
            Could not load held work: {message()}
          </p>
        )}
      </Show>
      <Show when={notice()}>
        {(shown) => (
          <p class="notice" data-kind={shown().kind === 'ok' ? 'info' : 'error'} role="status" data-testid="held-notice">
            {shown().text}
          </p>
        )}
      </Show>
      <Show when={work()?.truncated === true}>
        <p class="notice" data-kind="info">Only the first 200 repositories were asked; use the API per project for the rest.</p>
      </Show>

      <section class="ops-panel" aria-labelledby="parked-title">
        <h3 id="parked-title" class="section-title">
          Parked deliveries <span class="count">{work()?.parked.length ?? 0}</span>
        </h3>
        <table class="ops-table" data-testid="parked-deliveries">
          <caption class="visually-hidden">Deliveries whose apply failed for good, oldest first</caption>
          <OpsHead columns={['Parked', 'Event', 'Repository', { label: 'Error', wide: true }, 'Delivery', 'Actions']} />
          <tbody>
            <For
              each={work()?.parked ?? []}
              fallback={
                <EmptyRow columns={6}>{work() === null ? 'Loading…' : 'No parked deliveries.'}</EmptyRow>
              }
            >
              {(parked) => (
                <tr data-testid="parked-delivery" data-delivery-id={parked.delivery_id}>
                  <td>
                    <RelativeTime iso={parked.parked_at ?? parked.received_at} now={now()} />
                  </td>
                  <td class="mono">{parked.event}</td>
                  <td class="ops-wrap">{parked.repository_full_name ?? <span class="none">no repository</span>}</td>
                  <td class="ops-wrap ops-wide mono">
                    {parked.error === null ? <span class="none">not recorded</span> : `${parked.error.name}${parked.error.code === null ? '' : ` (${parked.error.code})`}`}
                  </td>
                  <td class="mono ops-sub" title={parked.delivery_id}>
                    {parked.delivery_id.slice(0, 13)}
                  </td>
                  <HeldActions
                    kind="parked"
                    hint={hint(parked.project_id)}
                    busy={busy()}
                    self={parkedKey(parked)}
                    onAct={(action) => void act(parkedKey(parked), () => (action === 'again' ? replayParked(parked, options()) : discardParked(parked, options()).then(() => 'Dropped.')))}
                  />
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>

      <section class="ops-panel" aria-labelledby="dead-title">
        <h3 id="dead-title" class="section-title">
          GitHub writes refused <span class="count">{work()?.dead.length ?? 0}</span>
        </h3>
        <table class="ops-table" data-testid="dead-writes">
          <caption class="visually-hidden">GitHub writes the outbox gave up on, oldest first</caption>
          <OpsHead columns={['Failed', 'Write', 'Where', { label: 'GitHub said', wide: true }, 'Actions']} />
          <tbody>
            <For
              each={work()?.dead ?? []}
              fallback={
                <EmptyRow columns={5}>{work() === null ? 'Loading…' : 'No refused GitHub writes.'}</EmptyRow>
              }
            >
              {(dead) => (
                <tr data-testid="dead-write" data-key={dead.key}>
                  <td>
                    <RelativeTime iso={dead.failed_at} now={now()} />
                  </td>
                  <td>
                    <div class="mono">{dead.kind}</div>
                    <div class="ops-sub mono ops-wrap">{dead.key}</div>
                  </td>
                  <td class="ops-wrap">
                    <span class="repo">{dead.repository_full_name ?? `repository ${dead.repository_id ?? '?'}`}</span>
                    <Show when={dead.thread_number !== null}>
                      <span class="issue">#{dead.thread_number}</span>
                    </Show>
                  </td>
                  <td class="ops-wrap ops-wide mono">
                    {dead.error.kind}
                    {dead.error.status === null ? '' : ` ${dead.error.status}`}
                    <span class="ops-sub"> after {dead.attempts} attempt{dead.attempts === 1 ? '' : 's'}</span>
                  </td>
                  <HeldActions
                    kind="dead"
                    hint={hint(dead.project_id)}
                    busy={busy()}
                    self={deadKey(dead)}
                    onAct={(action) => void act(deadKey(dead), () => (action === 'again' ? retryDeadWrite(dead, options()) : discardDeadWrite(dead, options()).then(() => 'Dropped.')))}
                  />
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>
    </>
  );
}

const ACTIONS = {
  parked: { again: 'Replay', againTitle: 'Apply it again now', againId: 'parked-replay', dropQuestion: 'Drop this delivery for good? It will never be applied.', dropId: 'parked-drop' },
  dead: { again: 'Retry', againTitle: 'Queue it again at the end of the outbox', againId: 'dead-retry', dropQuestion: 'Drop this GitHub write for good?', dropId: 'dead-drop' },
} as const;

/** A held row's controls: try it again, or drop it after asking. Disabled, with the reason, for whoever may not act. */
function HeldActions(props: { kind: keyof typeof ACTIONS; hint: string | null; busy: string | null; self: string; onAct: (action: 'again' | 'drop') => void }) {
  const words = () => ACTIONS[props.kind];
  return (
    <td class="ops-actions">
      <button
        type="button"
        class="button"
        data-testid={words().againId}
        disabled={props.hint !== null || props.busy !== null}
        title={props.hint ?? words().againTitle}
        aria-busy={props.busy === props.self}
        onClick={() => props.onAct('again')}
      >
        {words().again}
      </button>
      <ConfirmAction
        label="Drop"
        question={words().dropQuestion}
        confirmLabel="Drop it"
        testId={words().dropId}
        danger
        disabled={props.hint !== null}
        disabledHint={props.hint}
        busy={props.busy !== null}
        onConfirm={() => props.onAct('drop')}
      />
    </td>
  );
}
