/**
 * Pure rules of the console channel (docs/domain.md §8.4): how a reconnecting
 * client catches up, and what goes on the wire.
 */
import type { RealtimeEvent } from '../db/realtime-repo.ts';

/**
 * Events are numbered by a sequence when their transaction inserts them, but
 * transactions commit in any order: an event with a lower id can become
 * visible after a higher one was already delivered. Replaying a small window
 * below the client's cursor closes that gap; clients de-duplicate by id.
 */
export const REPLAY_OVERLAP = 64;

/** More than this many missed events: reload over HTTP instead. */
export const MAX_REPLAY = 1000;

export type ReplayPlan = { kind: 'replay'; afterId: number } | { kind: 'reset' };

export interface RetainedRange {
  oldestId: number | null;
  latestId: number;
}

/**
 * @example planReplay(100, { oldestId: 1, latestId: 120 }) // replay after 36
 */
export function planReplay(lastEventId: number, range: RetainedRange): ReplayPlan {
  if (lastEventId > range.latestId) {
    // The client is ahead of the log (the database was reset): start over.
    return { kind: 'reset' };
  }
  if (range.latestId - lastEventId > MAX_REPLAY) {
    return { kind: 'reset' };
  }
  if (range.oldestId !== null && lastEventId > 0 && lastEventId < range.oldestId - 1) {
    // Retention deleted events the client has not seen.
    return { kind: 'reset' };
  }
  return { kind: 'replay', afterId: Math.max(0, lastEventId - REPLAY_OVERLAP) };
}

export type ServerMessage =
  | { type: 'event'; id: number; topic: string; payload: unknown }
  | { type: 'ready'; last_event_id: number }
  | { type: 'reset' };

export function toEventMessage(event: RealtimeEvent): ServerMessage {
  return { type: 'event', id: event.id, topic: event.topic, payload: event.payload };
}

/** `?last_event_id=` as a non-negative integer; anything else is invalid. */
export function parseLastEventId(raw: string | null): number | null {
  if (raw === null || raw === '') {
    return 0;
  }
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}
