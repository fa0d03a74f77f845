import { For, Show } from 'solid-js';

/** Every problem with a form, as the edge (`errors: string[]`) or the page named it, next to the form. */
export function FormErrors(props: { errors: readonly string[]; testId: string }) {
  return (
    <Show when={props.errors.length > 0}>
      <ul class="ops-errors" role="alert" data-testid={props.testId}>
        <For each={props.errors}>{(message) => <li data-testid="form-error">{message}</li>}</For>
      </ul>
    </Show>
  );
}
