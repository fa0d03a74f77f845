import type { ConnectionState } from '../lib/run-feed.ts';
import { ConnectionIndicator } from './connection-indicator.tsx';

export function AppHeader(props: { connection: ConnectionState }) {
  return (
    <header class="app-header">
      <h1 class="app-title">Stageline</h1>
      <ConnectionIndicator state={props.connection} />
    </header>
  );
}
