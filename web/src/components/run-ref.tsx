import { Show } from 'solid-js';
import type { InboxRun } from '../lib/inbox-api.ts';

/** `acme/widgets#42`: which run an inbox item belongs to (its id on hover). */
export function RunRef(props: { run: InboxRun }) {
  return (
    <span class="run-ref" title={`run ${props.run.id}`}>
      <span class="repo">{props.run.repository_full_name}</span>
      <Show when={props.run.issue_number !== null}>
        <span class="issue">#{props.run.issue_number}</span>
      </Show>
    </span>
  );
}
