/**
 * Retry: start a finished run again from the delivery that started it
 * (docs/domain.md §3.10a). Disabled, with the reason shown, for an active
 * run and for a `read` member; the edge refuses those anyway. On success the
 * page moves to the new run.
 */
import { createSignal, Show } from 'solid-js';
import type { FetchLike } from '../lib/api.ts';
import { retryRefusal } from '../lib/run-access.ts';
import { retryRun, type RetryOutcome } from '../lib/run-detail-api.ts';
import type { Run } from '../lib/run.ts';
import type { Me } from '../lib/staff-me.ts';

export type RetryRunProps = {
  run: Run;
  me: Me;
  fetch: FetchLike;
  onDone: (outcome: RetryOutcome) => void;
  onError: (message: string) => void;
};

export function RetryRun(props: RetryRunProps) {
  const [busy, setBusy] = createSignal(false);
  const refusal = () => retryRefusal(props.me, props.run);
  const retry = async (): Promise<void> => {
    setBusy(true);
    try {
      props.onDone(await retryRun(props.fetch, props.run.id));
    } catch (error) {
      props.onError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={refusal() === null || !refusal()?.startsWith('The run is still')}>
      <button type="button" class="button" data-testid="retry-run" disabled={refusal() !== null || busy()} title={refusal() ?? 'Start this run again as a new run'} onClick={() => void retry()}>
        {busy() ? 'Starting…' : 'Retry'}
      </button>
    </Show>
  );
}
