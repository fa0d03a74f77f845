/**
 * Cancel, with a confirmation step and an optional reason (docs/domain.md
 * §3.10). Disabled, with the reason shown, for a finished run and for a
 * member whose role may not cancel (`read`); the edge refuses those anyway.
 */
import { createSignal, Show } from 'solid-js';
import type { FetchLike } from '../lib/api.ts';
import { cancelRefusal } from '../lib/run-access.ts';
import { cancelRun, type CancelOutcome } from '../lib/run-detail-api.ts';
import type { Run } from '../lib/run.ts';
import type { Me } from '../lib/staff-me.ts';

export const MAX_CANCEL_REASON = 500;

export type CancelRunProps = {
  run: Run;
  me: Me;
  fetch: FetchLike;
  onDone: (outcome: CancelOutcome) => void;
  onError: (message: string) => void;
};

export function CancelRun(props: CancelRunProps) {
  const [confirming, setConfirming] = createSignal(false);
  const [reason, setReason] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const refusal = () => cancelRefusal(props.me, props.run);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      const outcome = await cancelRun(props.fetch, props.run.id, reason());
      setConfirming(false);
      setReason('');
      props.onDone(outcome);
    } catch (error) {
      props.onError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="cancel-run">
      <Show
        when={confirming() && refusal() === null}
        fallback={
          <>
            <button
              type="button"
              class="button button-deny"
              data-testid="cancel-run"
              disabled={refusal() !== null}
              title={refusal() ?? 'Stop the run and delete its Job'}
              onClick={() => setConfirming(true)}
            >
              Cancel run
            </button>
            <Show when={refusal()}>
              {(why) => (
                <span class="hint" data-testid="cancel-refusal">
                  {why()}
                </span>
              )}
            </Show>
          </>
        }
      >
        <form
          class="cancel-confirm"
          data-testid="cancel-confirm"
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          <span>Cancel this run? Its Job is stopped; this cannot be undone.</span>
          <input
            class="input"
            type="text"
            placeholder="Reason (optional)"
            aria-label="Reason for cancelling"
            maxLength={MAX_CANCEL_REASON}
            data-testid="cancel-reason"
            value={reason()}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
          <button type="submit" class="button button-deny" data-testid="cancel-confirm-button" disabled={busy()}>
            {busy() ? 'Cancelling…' : 'Cancel run'}
          </button>
          <button type="button" class="button" disabled={busy()} onClick={() => setConfirming(false)}>
            Keep running
          </button>
        </form>
      </Show>
    </div>
  );
}
