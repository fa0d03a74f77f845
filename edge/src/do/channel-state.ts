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

/**
 * A publisher told that no console listens may skip publishing for this long
 * (composition/effect-pipeline.ts): the events are committed, and a console
 * that connects meanwhile gets them from the catch-up below.
 */
export const QUIET_MS = 2000;

/**
 * A new socket is replayed once more this long after it connected: anything a
 * quiet publisher skipped was committed by then. The second beyond QUIET_MS
 * covers the call's latency and clock skew between the two objects.
 */
export const CATCH_UP_DELAY_MS = QUIET_MS + 1000;

/** A socket's pending catch-up (its WebSocket attachment): replay the channel's events after `afterId` at `at`. */
export interface CatchUp {
  scope: string;
  afterId: number;
  at: number;
}

export function parseCatchUp(value: unknown): CatchUp | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { scope, afterId, at } = value as Partial<CatchUp>;
  return typeof scope === 'string' && typeof afterId === 'number' && typeof at === 'number' ? { scope, afterId, at } : null;
}

/** `?scope=` of a channel: `all` or `project:<uuid>` (db/realtime-repo.ts). The route checks the caller may read it. */
export function parseScope(raw: string | null): string | null {
  return raw === 'all' || (raw !== null && /^project:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(raw)) ? raw : null;
}

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

/**
 * Whose socket it is, so it can be closed when their access ends: a person
 * removed from the project (every session of theirs), or one session signed
 * out or revoked. The route (routes/realtime.ts) names both at join.
 */
export type SocketOwner = { login: string } | { sessionId: string };

/** The hibernation tag of a socket's owner (at most 256 characters; logins are at most 39). */
export function ownerTag(owner: SocketOwner): string {
  return 'login' in owner ? `login:${owner.login.toLowerCase()}` : `session:${owner.sessionId}`;
}

/**
 * The close code a socket gets when its owner's access ended (4000–4999 are
 * the application's): the console checks its session and roles instead of
 * dialling the same channel again.
 */
export const ACCESS_ENDED_CLOSE_CODE = 4403;
