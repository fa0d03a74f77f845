import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/fixtures/make-run.ts';
import type { Run } from './run.ts';
import {
  groupRunningJobs,
  HEARTBEAT_STALE_MS,
  holdsJob,
  isHeartbeatStale,
  pickNewer,
  toJobDurationMs,
  toRunningJobs,
  toVersionBaseline,
  type LoadedJobs,
} from './running-jobs.ts';
import type { MeProject } from './staff-me.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
const ACME = 'a0000000-0000-4000-8000-00000000000a';
const GLOBEX = 'b0000000-0000-4000-8000-00000000000b';
const PROJECTS: MeProject[] = [
  { id: ACME, slug: 'acme', name: 'Acme', role: 'read' },
  { id: GLOBEX, slug: 'globex', name: 'Globex', role: 'admin' },
];

function job(overrides: Partial<Run> = {}): Run {
  return makeRun({ status: 'running', cluster_id: 'prod-eu-1', job_name: 'stageline-run-1-1', namespace: 'stageline-acme-1', started_at: ago(60_000), ...overrides });
}

function loaded(items: Run[], baseline: Run[] = []): LoadedJobs {
  return { items, baseline: toVersionBaseline(baseline) };
}

describe('holdsJob', () => {
  it.each([
    ['running', 'stageline-run-1-1', true],
    ['waiting_mcp', 'stageline-run-1-1', true],
    ['waiting_backpressure', 'stageline-run-1-1', true],
    ['waiting_mcp', null, false],
    ['waiting_backpressure', null, false],
    ['running', null, false],
    ['pending', 'stageline-run-1-1', false],
    ['waiting_owner_review', 'stageline-run-1-1', false],
    ['succeeded', 'stageline-run-1-1', false],
  ] as const)('%s with Job %s → %s', (status, jobName, expected) => {
    expect(holdsJob({ status, job_name: jobName })).toBe(expected);
  });
});

describe('toRunningJobs', () => {
  it('shows nothing before the first list arrives', () => {
    expect(toRunningJobs(null, [job()])).toEqual([]);
  });

  it('keeps the listed runs that hold a Job, and leaves out a parked one', () => {
    const running = job();
    const parked = job({ status: 'waiting_backpressure', job_name: null });
    expect(toRunningJobs(loaded([running, parked]), [])).toEqual([running]);
  });

  it('takes the store’s newer version: a finished run leaves, a changed one is updated', () => {
    const finishing = job({ version: 3 });
    const waiting = job({ version: 5 });
    const live = [
      { ...finishing, status: 'succeeded' as const, version: 4 },
      { ...waiting, status: 'waiting_mcp' as const, wait_reason: 'approval_pending', version: 6 },
    ];
    expect(toRunningJobs(loaded([finishing, waiting]), live)).toEqual([live[1]]);
  });

  it('keeps the list’s row when the store’s is older', () => {
    const listed = job({ version: 7 });
    expect(toRunningJobs(loaded([listed]), [{ ...listed, status: 'pending', job_name: null, version: 6 }])).toEqual([listed]);
  });

  it('adds a store run the list did not have only when it changed since the list was asked for', () => {
    const started = job({ version: 2 });
    const stale = job({ version: 4 });
    // `stale` was in the store already, unchanged: the list (the truth) left it out, so it finished meanwhile.
    expect(toRunningJobs(loaded([], [stale, { ...started, version: 1 }]), [started, stale])).toEqual([started]);
    const unseen = job();
    expect(toRunningJobs(loaded([], []), [unseen])).toEqual([unseen]);
  });
});

describe('pickNewer', () => {
  it('prefers the higher version, then the later heartbeat', () => {
    const listed = job({ version: 3, last_heartbeat_at: ago(5_000) });
    expect(pickNewer(listed, undefined)).toBe(listed);
    const older = { ...listed, version: 2, last_heartbeat_at: ago(1_000) };
    expect(pickNewer(listed, older)).toBe(listed);
    const newer = { ...listed, version: 4, last_heartbeat_at: null };
    expect(pickNewer(listed, newer)).toBe(newer);
    // Heartbeats bump no version: at the same version the fresher heartbeat wins.
    const sameOlderBeat = { ...listed, last_heartbeat_at: ago(60_000) };
    expect(pickNewer(listed, sameOlderBeat)).toBe(listed);
    const sameNewerBeat = { ...listed, last_heartbeat_at: ago(1_000) };
    expect(pickNewer(listed, sameNewerBeat)).toBe(sameNewerBeat);
  });
});

describe('groupRunningJobs', () => {
  it('groups by cluster (unassigned last), then by project slug, longest running first', () => {
    const prodAcmeNew = job({ cluster_id: 'prod-eu-1', project_id: ACME, started_at: ago(60_000) });
    const prodAcmeOld = job({ cluster_id: 'prod-eu-1', project_id: ACME, started_at: ago(3_600_000) });
    const prodGlobex = job({ cluster_id: 'prod-eu-1', project_id: GLOBEX });
    const kind = job({ cluster_id: 'kind-dev', project_id: GLOBEX });
    const nowhere = job({ cluster_id: null, project_id: ACME });
    const stranger = job({ cluster_id: 'kind-dev', project_id: 'c0000000-0000-4000-8000-00000000000c' });
    const groups = groupRunningJobs([prodGlobex, nowhere, prodAcmeNew, kind, prodAcmeOld, stranger], PROJECTS);
    expect(groups.map((group) => [group.id, group.clusterId, group.count])).toEqual([
      ['kind-dev', 'kind-dev', 2],
      ['prod-eu-1', 'prod-eu-1', 3],
      ['', null, 1],
    ]);
    // A project the person's list does not name (not expected) shows its id's start rather than nothing.
    expect(groups[0]?.projects.map((project) => project.slug)).toEqual(['c0000000', 'globex']);
    expect(groups[1]?.projects.map((project) => [project.slug, project.runs.map((run) => run.id)])).toEqual([
      ['acme', [prodAcmeOld.id, prodAcmeNew.id]],
      ['globex', [prodGlobex.id]],
    ]);
    expect(groups[2]?.projects.map((project) => project.id)).toEqual([ACME]);
  });

  it('gives no groups for no runs', () => {
    expect(groupRunningJobs([], PROJECTS)).toEqual([]);
  });
});

describe('isHeartbeatStale', () => {
  it.each([
    ['a fresh heartbeat', { last_heartbeat_at: ago(15_000), started_at: ago(600_000) }, false],
    ['exactly the limit', { last_heartbeat_at: ago(HEARTBEAT_STALE_MS), started_at: ago(600_000) }, false],
    ['past the limit', { last_heartbeat_at: ago(HEARTBEAT_STALE_MS + 1), started_at: ago(600_000) }, true],
    ['no heartbeat yet, just started', { last_heartbeat_at: null, started_at: ago(20_000) }, false],
    ['no heartbeat since a start long ago', { last_heartbeat_at: null, started_at: ago(300_000) }, true],
    ['neither time', { last_heartbeat_at: null, started_at: null }, false],
  ])('%s', (_name, run, expected) => {
    expect(isHeartbeatStale(run, NOW)).toBe(expected);
  });

  it('is six of the agent’s 15 s heartbeats', () => {
    expect(HEARTBEAT_STALE_MS).toBe(90_000);
  });
});

describe('toJobDurationMs', () => {
  it('counts from started_at to now, null before the start', () => {
    expect(toJobDurationMs({ started_at: ago(125_000) }, NOW)).toBe(125_000);
    expect(toJobDurationMs({ started_at: null }, NOW)).toBeNull();
    expect(toJobDurationMs({ started_at: new Date(NOW.getTime() + 5_000).toISOString() }, NOW)).toBe(0);
  });
});
