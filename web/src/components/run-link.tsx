import { A } from '@solidjs/router';

/** The run's short id, linking to its page (`/runs/:id`); the full id on hover. */
export function RunLink(props: { id: string }) {
  return (
    <A href={`/runs/${encodeURIComponent(props.id)}`} class="mono" title={`run ${props.id}`} data-testid="run-link">
      {props.id.slice(0, 8)}
    </A>
  );
}
