/**
 * The console's list of runs and its realtime cursor (docs/domain.md §8.4).
 *
 * Delivery is at-least-once and events may arrive out of order (a replay after
 * reconnect can overlap live events, and the HTTP fallback can race the socket),
 * so every change goes through two guards:
 *   1. an event id already seen is ignored;
 *   2. a run snapshot replaces the held one only when its `version` is greater.
 * The cursor (`lastEventId`) is the highest event id seen and is sent on every
 * reconnect. A run the console has never seen goes to the top of the list.
 *
 * The transitions are pure functions over `RunState`; `createRunStore` wraps them
 * in a Solid store so that a status change re-renders one cell, not the table.
 */
import { createSignal, type Accessor } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import type { RunList } from './api.ts';
import type { RealtimeEvent } from './realtime-message.ts';
import { isRecord, toRun, type Run } from './run.ts';

export const RUN_STATUS_TOPIC = 'run.status';

/** How many recent event ids are remembered for de-duplication; older repeats fall back to the version guard. */
export const SEEN_EVENT_IDS_LIMIT = 1000;

export type RunState = {
  /** Newest first. */
  readonly runs: readonly Run[];
  readonly lastEventId: number;
  readonly seenEventIds: ReadonlySet<number>;
};

/** `replace`: first paint and `reset`, the list is the truth. `merge`: fallback polling, newer versions win. */
export type RunListMode = 'replace' | 'merge';

export function createRunState(): RunState {
  return { runs: [], lastEventId: 0, seenEventIds: new Set() };
}

/** Applies one realtime event. Returns `state` itself when nothing changed. */
export function applyRunEvent(state: RunState, event: RealtimeEvent): RunState {
  if (state.seenEventIds.has(event.id)) {
    return state;
  }
  const seenEventIds = rememberEventId(state.seenEventIds, event.id);
  const lastEventId = Math.max(state.lastEventId, event.id);
  const run = event.topic === RUN_STATUS_TOPIC ? toRunFromPayload(event.payload) : null;
  return { runs: run === null ? state.runs : upsertRun(state.runs, run), lastEventId, seenEventIds };
}

/** The server finished its replay; its head may be past our cursor when other topics moved. */
export function applyReady(state: RunState, lastEventId: number): RunState {
  return lastEventId > state.lastEventId ? { ...state, lastEventId } : state;
}

export function applyRunList(state: RunState, list: RunList, mode: RunListMode): RunState {
  if (mode === 'replace') {
    return { runs: list.items, lastEventId: list.lastEventId, seenEventIds: new Set() };
  }
  const held = new Map(state.runs.map((run) => [run.id, run]));
  const runs = list.items.map((item) => {
    const current = held.get(item.id);
    return current !== undefined && current.version >= item.version ? current : item;
  });
  return { runs, lastEventId: Math.max(state.lastEventId, list.lastEventId), seenEventIds: state.seenEventIds };
}

function toRunFromPayload(payload: unknown): Run | null {
  return isRecord(payload) ? toRun(payload['run']) : null;
}

function upsertRun(runs: readonly Run[], run: Run): readonly Run[] {
  const index = runs.findIndex((held) => held.id === run.id);
  if (index === -1) {
    return [run, ...runs];
  }
  const held = runs[index];
  if (held === undefined || held.version >= run.version) {
    return runs;
  }
  return runs.with(index, run);
}

function rememberEventId(seen: ReadonlySet<number>, id: number): ReadonlySet<number> {
  const next = new Set(seen).add(id);
  if (next.size <= SEEN_EVENT_IDS_LIMIT) {
    return next;
  }
  // Keep the newest ids: replays overlap the recent past, not the distant one.
  return new Set([...next].sort((a, b) => b - a).slice(0, SEEN_EVENT_IDS_LIMIT));
}

export type RunStore = {
  /** Reactive, newest first; rows keep their identity across updates (keyed by run id). */
  readonly runs: readonly Run[];
  readonly lastEventId: Accessor<number>;
  applyEvent(event: RealtimeEvent): void;
  applyReady(lastEventId: number): void;
  applyList(list: RunList, mode: RunListMode): void;
  /** The current pure state, for callers that need a consistent read outside tracking. */
  snapshot(): RunState;
};

export function createRunStore(initial: RunState = createRunState()): RunStore {
  let state = initial;
  const [runs, setRuns] = createStore<Run[]>(copyRuns(initial.runs));
  const [lastEventId, setLastEventId] = createSignal(initial.lastEventId);

  function commit(next: RunState): void {
    if (next === state) {
      return;
    }
    state = next;
    // Copies: a Solid store mutates the objects it holds, and the pure states must stay untouched.
    setRuns(reconcile(copyRuns(next.runs), { key: 'id' }));
    setLastEventId(next.lastEventId);
  }

  return {
    runs,
    lastEventId,
    applyEvent: (event) => commit(applyRunEvent(state, event)),
    applyReady: (id) => commit(applyReady(state, id)),
    applyList: (list, mode) => commit(applyRunList(state, list, mode)),
    snapshot: () => state,
  };
}

function copyRuns(runs: readonly Run[]): Run[] {
  return runs.map((run) => ({ ...run }));
}
