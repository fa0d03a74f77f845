/**
 * Server → console frames of `GET /api/v1/realtime` (docs/domain.md §8.4).
 * The wire discriminates on `type`; inside the console the union uses `kind`.
 *
 *   { type: 'event', id, topic, payload }   one row of the event log (at-least-once)
 *   { type: 'ready', last_event_id }        replay after the client's cursor is done
 *   { type: 'reset' }                       the cursor is older than retention: reload over HTTP
 *   pong                                    plain-text answer to the client's `ping`
 */
import { isRecord } from './run.ts';

export type RealtimeEvent = { id: number; topic: string; payload: unknown };

export type RealtimeMessage =
  | ({ kind: 'event' } & RealtimeEvent)
  | { kind: 'ready'; lastEventId: number }
  | { kind: 'reset' }
  | { kind: 'pong' };

export const PING = 'ping';
const PONG = 'pong';

/** Decodes one text frame; `null` for anything the console does not understand. */
export function toRealtimeMessage(data: string): RealtimeMessage | null {
  if (data === PONG) {
    return { kind: 'pong' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    // Not JSON and not `pong`: unknown frame, reported as null to the caller who logs it.
    return null;
  }
  if (!isRecord(raw)) {
    return null;
  }
  switch (raw['type']) {
    case 'event': {
      const { id, topic, payload } = raw;
      return isEventId(id) && typeof topic === 'string' ? { kind: 'event', id, topic, payload } : null;
    }
    case 'ready': {
      const lastEventId = raw['last_event_id'];
      return isEventId(lastEventId) ? { kind: 'ready', lastEventId } : null;
    }
    case 'reset':
      return { kind: 'reset' };
    default:
      return null;
  }
}

function isEventId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
