import type { RunStatus } from '../lib/run.ts';

/** The run status as text; the colour comes from `data-status` in styles.css. */
export function StatusBadge(props: { status: RunStatus }) {
  return (
    <span class="status-badge" data-status={props.status}>
      {props.status}
    </span>
  );
}
