import type { ConnectionState } from '../lib/run-feed.ts';

const LABELS: Record<ConnectionState, string> = {
  live: 'Live',
  reconnecting: 'Reconnecting…',
  polling: 'Offline-polling',
};

const DESCRIPTIONS: Record<ConnectionState, string> = {
  live: 'Receiving updates in real time',
  reconnecting: 'Connection lost, reconnecting',
  polling: 'Realtime unavailable, refreshing every 10 seconds',
};

export function ConnectionIndicator(props: { state: ConnectionState }) {
  return (
    <span
      class="connection"
      data-testid="connection"
      data-state={props.state}
      role="status"
      title={DESCRIPTIONS[props.state]}
    >
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[props.state]}
    </span>
  );
}
