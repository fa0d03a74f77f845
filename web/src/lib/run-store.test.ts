// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { makeRun, runStatusEvent } from '../../test/fixtures/make-run.ts';
import {
  applyReady,
  applyRunEvent,
  applyRunList,
  createRunState,
  createRunStore,
  SEEN_EVENT_IDS_LIMIT,
  type RunState,
} from './run-store.ts';

function stateWith(runs = [makeRun()], lastEventId = 10): RunState {
  return applyRunList(createRunState(), { items: runs, lastEventId }, 'replace');
}

describe('applyRunEvent', () => {
  it('applies a newer version of a held run in place', () => {
    const older = makeRun({ status: 'pending', version: 1 });
    const other = makeRun();
    const state = stateWith([other, older]);
    const next = applyRunEvent(state, runStatusEvent(11, { ...older, status: 'running', version: 2 }));
    expect(next.runs.map((run) => [run.id, run.status])).toEqual([
      [other.id, 'pending'],
      [older.id, 'running'],
    ]);
    expect(next.lastEventId).toBe(11);
  });

  it('ignores a snapshot whose version is not greater (out-of-order delivery)', () => {
    const run = makeRun({ status: 'running', version: 3 });
    const state = stateWith([run]);
    const stale = applyRunEvent(state, runStatusEvent(12, { ...run, status: 'pending', version: 2 }));
    const same = applyRunEvent(stale, runStatusEvent(13, { ...run, status: 'failed', version: 3 }));
    expect(same.runs[0]?.status).toBe('running');
    expect(same.runs[0]?.version).toBe(3);
    // The cursor still moves: those events were received.
    expect(same.lastEventId).toBe(13);
  });

  it('de-duplicates by event id even when the payload differs', () => {
    const run = makeRun({ version: 1 });
    const state = stateWith([run]);
    const once = applyRunEvent(state, runStatusEvent(11, { ...run, status: 'running', version: 2 }));
    const again = applyRunEvent(once, runStatusEvent(11, { ...run, status: 'failed', version: 9 }));
    expect(again).toBe(once);
    expect(again.runs[0]?.status).toBe('running');
  });

  it('puts a run it has never seen at the top', () => {
    const held = makeRun();
    const fresh = makeRun({ created_at: '2026-03-02T00:00:00.000Z' });
    const next = applyRunEvent(stateWith([held]), runStatusEvent(11, fresh));
    expect(next.runs.map((run) => run.id)).toEqual([fresh.id, held.id]);
  });

  it('keeps the highest event id as the cursor when events arrive out of order', () => {
    const run = makeRun({ version: 1 });
    let state = stateWith([run], 10);
    state = applyRunEvent(state, runStatusEvent(15, { ...run, version: 3 }));
    state = applyRunEvent(state, runStatusEvent(14, { ...run, version: 2 }));
    expect(state.lastEventId).toBe(15);
    expect(state.runs[0]?.version).toBe(3);
  });

  it('advances the cursor for events of other topics or malformed payloads without touching runs', () => {
    const state = stateWith();
    const other = applyRunEvent(state, { id: 20, topic: 'approvals', payload: { anything: true } });
    const malformed = applyRunEvent(other, { id: 21, topic: 'run.status', payload: { run: { id: 'x' } } });
    expect(malformed.runs).toBe(state.runs);
    expect(malformed.lastEventId).toBe(21);
  });

  it('remembers a bounded number of event ids, newest first', () => {
    const run = makeRun();
    let state = stateWith([run], 0);
    for (let id = 1; id <= SEEN_EVENT_IDS_LIMIT + 5; id += 1) {
      state = applyRunEvent(state, { id, topic: 'noop', payload: null });
    }
    expect(state.seenEventIds.size).toBe(SEEN_EVENT_IDS_LIMIT);
    expect(state.seenEventIds.has(SEEN_EVENT_IDS_LIMIT + 5)).toBe(true);
    expect(state.seenEventIds.has(1)).toBe(false);
  });
});

describe('applyReady', () => {
  it('moves the cursor forward to the server head, never back', () => {
    const state = stateWith([makeRun()], 10);
    expect(applyReady(state, 25).lastEventId).toBe(25);
    expect(applyReady(state, 5)).toBe(state);
  });
});

describe('applyRunList', () => {
  it('replace (first paint, reset): takes the list and its cursor as the truth', () => {
    const run = makeRun({ version: 5, status: 'running' });
    let state = stateWith([run], 50);
    state = applyRunEvent(state, runStatusEvent(51, makeRun()));
    const reloaded = makeRun();
    const next = applyRunList(state, { items: [reloaded], lastEventId: 200 }, 'replace');
    expect(next.runs).toEqual([reloaded]);
    expect(next.lastEventId).toBe(200);
    expect(next.seenEventIds.size).toBe(0);
  });

  it('merge (fallback poll): keeps a newer held version, takes newer polled ones, follows the list order', () => {
    const a = makeRun({ version: 4, status: 'running' });
    const b = makeRun({ version: 1, status: 'pending' });
    const state = stateWith([a, b], 30);
    const c = makeRun();
    const next = applyRunList(
      state,
      { items: [c, { ...a, version: 3, status: 'pending' }, { ...b, version: 2, status: 'failed' }], lastEventId: 40 },
      'merge',
    );
    expect(next.runs.map((run) => [run.id, run.status])).toEqual([
      [c.id, 'pending'],
      [a.id, 'running'],
      [b.id, 'failed'],
    ]);
    expect(next.lastEventId).toBe(40);
    expect(applyRunList(next, { items: next.runs.slice(), lastEventId: 35 }, 'merge').lastEventId).toBe(40);
  });
});

describe('createRunStore', () => {
  it('exposes the runs reactively and keeps row objects stable across updates', () => {
    const run = makeRun({ version: 1 });
    const store = createRunStore();
    store.applyList({ items: [run], lastEventId: 3 }, 'replace');
    const row = store.runs[0];
    store.applyEvent(runStatusEvent(4, { ...run, status: 'succeeded', version: 2 }));
    expect(store.runs[0]).toBe(row);
    expect(store.runs[0]?.status).toBe('succeeded');
    expect(store.lastEventId()).toBe(4);
    expect(store.snapshot().runs[0]?.status).toBe('succeeded');
  });

  it('does not mutate the pure states it was given', () => {
    const run = makeRun({ version: 1, status: 'pending' });
    const initial = stateWith([run], 1);
    const store = createRunStore(initial);
    store.applyEvent(runStatusEvent(2, { ...run, status: 'running', version: 2 }));
    expect(initial.runs[0]?.status).toBe('pending');
    expect(run.status).toBe('pending');
  });
});
