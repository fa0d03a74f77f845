/**
 * A destructive action in two steps, inline (no `window.confirm`): the first
 * click asks, naming the consequence; "Confirm" acts, "Cancel" or Escape goes
 * back. Focus moves to the confirm button and back, so it works by keyboard.
 */
import { createSignal, Show, type JSX } from 'solid-js';

export type ConfirmActionProps = {
  /** The first button's text, e.g. "Rotate token". */
  label: string;
  /** What happens, asked before acting. */
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  /** Why it is disabled, shown on hover and read as the button's description. */
  disabledHint?: string | null;
  busy?: boolean;
  testId: string;
  danger?: boolean;
};

export function ConfirmAction(props: ConfirmActionProps): JSX.Element {
  const [asking, setAsking] = createSignal(false);
  let first: HTMLButtonElement | undefined;

  const cancel = (): void => {
    setAsking(false);
    queueMicrotask(() => first?.focus());
  };

  return (
    <Show
      when={asking() && props.disabled !== true}
      fallback={
        <button
          type="button"
          class="button"
          data-testid={props.testId}
          disabled={props.disabled === true || props.busy === true}
          title={props.disabled === true ? (props.disabledHint ?? undefined) : undefined}
          aria-busy={props.busy === true}
          ref={(element) => {
            first = element;
          }}
          onClick={() => setAsking(true)}
        >
          {props.busy === true ? 'Working…' : props.label}
        </button>
      }
    >
      <span
        class="ops-confirm"
        role="group"
        aria-label={props.question}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            cancel();
          }
        }}
      >
        <span class="ops-confirm-question">{props.question}</span>
        <button
          type="button"
          class={props.danger === true ? 'button button-deny' : 'button button-primary'}
          data-testid={`${props.testId}-confirm`}
          ref={(element) => queueMicrotask(() => element.focus())}
          onClick={() => {
            setAsking(false);
            props.onConfirm();
          }}
        >
          {props.confirmLabel}
        </button>
        <button type="button" class="button" data-testid={`${props.testId}-cancel`} onClick={cancel}>
          Cancel
        </button>
      </span>
    </Show>
  );
}
