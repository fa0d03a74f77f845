import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/fixtures/make-run.ts';
import { appendPage, toVisibleRuns } from './run-pages.ts';
import type { Run } from './run.ts';

const at = (minute: number): string => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
const everything = (): boolean => true;
const onlyRunning = (run: Run): boolean => run.status === 'running';

describe('toVisibleRuns', () => {
  it('shows the pages, with the store’s newer versions in place (the same objects)', () => {
    const a = makeRun({ created_at: at(3), status: 'running', version: 1 });
    const b = makeRun({ created_at: at(2), status: 'running', version: 2 });
    const liveA = { ...a, status: 'succeeded' as const, version: 2 };
    const staleB = { ...b, status: 'pending' as const, version: 1 };
    const rows = toVisibleRuns({ items: [a, b], nextCursor: null }, [liveA, staleB], everything);
    expect(rows).toEqual([liveA, b]);
    expect(rows[0]).toBe(liveA);
  });

  it('drops a row whose live version no longer matches, and never adds a live run that does not match', () => {
    const a = makeRun({ created_at: at(3), status: 'running', version: 1 });
    const other = makeRun({ created_at: at(9), status: 'pending' });
    const rows = toVisibleRuns({ items: [a], nextCursor: null }, [{ ...a, status: 'failed', version: 2 }, other], onlyRunning);
    expect(rows).toEqual([]);
  });

  it('adds matching live runs inside the loaded range, newest first', () => {
    const a = makeRun({ created_at: at(5), status: 'running' });
    const b = makeRun({ created_at: at(3), status: 'running' });
    const fresh = makeRun({ created_at: at(9), status: 'running' });
    const between = makeRun({ created_at: at(4), status: 'running' });
    const older = makeRun({ created_at: at(1), status: 'running' });
    const more = toVisibleRuns({ items: [a, b], nextCursor: 'c1' }, [older, between, fresh], onlyRunning);
    // More pages exist: a run older than the last loaded row belongs to a later page.
    expect(more.map((run) => run.id)).toEqual([fresh.id, a.id, between.id, b.id]);
    const all = toVisibleRuns({ items: [a, b], nextCursor: null }, [older, between, fresh], onlyRunning);
    expect(all.map((run) => run.id)).toEqual([fresh.id, a.id, between.id, b.id, older.id]);
  });

  it('shows the store’s matching runs while the first page loads', () => {
    const live = makeRun({ status: 'running' });
    expect(toVisibleRuns(null, [live, makeRun({ status: 'failed' })], onlyRunning)).toEqual([live]);
  });
});

describe('appendPage', () => {
  it('appends an older page without repeating rows and takes its cursor', () => {
    const a = makeRun({ created_at: at(5) });
    const b = makeRun({ created_at: at(4) });
    const c = makeRun({ created_at: at(3) });
    expect(appendPage({ items: [a, b], nextCursor: 'x' }, { items: [b, c], nextCursor: null })).toEqual({ items: [a, b, c], nextCursor: null });
  });
});
