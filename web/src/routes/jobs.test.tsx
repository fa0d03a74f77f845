// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { Route, Router } from '@solidjs/router';
import { cleanup, render, screen, within } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRun, runStatusEvent } from '../../test/fixtures/make-run.ts';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { createLogger } from '../lib/log.ts';
import { POLL_INTERVAL_MS, type ConnectionState, type RunFeed } from '../lib/run-feed.ts';
import { createRunStore, type RunStore } from '../lib/run-store.ts';
import type { Run } from '../lib/run.ts';
import type { Me } from '../lib/staff-me.ts';
import { JOBS_REFRESH_MS, JobsPage, NO_JOBS_TEXT } from './jobs.tsx';
import { NO_PROJECTS_TEXT } from './runs.tsx';

const ACME = 'a0000000-0000-4000-8000-00000000000a';
const GLOBEX = 'b0000000-0000-4000-8000-00000000000b';
const person: Me = {
  login: 'octocat',
  name: null,
  avatar_url: null,
  platform_admin: false,
  projects: [
    { id: ACME, slug: 'acme', name: 'Acme', role: 'read' },
    { id: GLOBEX, slug: 'globex', name: 'Globex', role: 'read_write' },
  ],
};

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

function job(overrides: Partial<Run> = {}): Run {
  return makeRun({
    status: 'running',
    project_id: ACME,
    cluster_id: 'prod-eu-1',
    job_name: 'stageline-run-4f2a91c0-1',
    namespace: 'stageline-acme-widgets-128',
    created_at: ago(600_000),
    started_at: ago(125_000),
    last_heartbeat_at: ago(10_000),
    ...overrides,
  });
}

/** A feed whose connection the test sets; the store is fed directly. */
function stubFeed(): { feed: RunFeed; setConnection: (state: ConnectionState) => void } {
  const [connection, setConnection] = createSignal<ConnectionState>('live');
  const feed: RunFeed = {
    connection,
    loading: () => false,
    loadError: () => null,
    start: () => undefined,
    stop: () => undefined,
    retryNow: () => undefined,
    subscribe: () => () => undefined,
  };
  return { feed, setConnection };
}

function jobsServer(runs: () => Run[]) {
  return createScriptedFetch({
    'GET /api/v1/staff/runs': () => ({ status: 200, body: { items: runs(), next_cursor: null, last_event_id: 10 } }),
  });
}

function renderJobs(server: ReturnType<typeof createScriptedFetch>, store: RunStore, feed: RunFeed | null, me: Me = person) {
  render(() => (
    <Router>
      <Route path="*" component={() => <JobsPage store={store} feed={feed} fetch={server.fetch} log={createLogger()} me={me} />} />
    </Router>
  ));
}

function listCalls(server: ReturnType<typeof createScriptedFetch>): number {
  return server.calls.filter((call) => call.url.startsWith('/api/v1/staff/runs?')).length;
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('JobsPage', () => {
  it('groups the runs holding a Job by cluster and project, with the Job, duration and heartbeat', async () => {
    const running = job({ repository_full_name: 'acme/widgets', issue_number: 128, trigger_label: 'run:dev', agent_key: 'dev' });
    const waiting = job({
      status: 'waiting_mcp',
      wait_reason: 'approval_pending',
      job_name: 'stageline-run-9be3d210-1',
      namespace: 'stageline-acme-billing-57',
      started_at: ago(3_600_000),
      last_heartbeat_at: ago(5 * 60_000),
    });
    const other = job({ project_id: GLOBEX, cluster_id: 'kind-dev', job_name: 'stageline-run-77c0e5aa-1' });
    const unassigned = job({ cluster_id: null, job_name: 'stageline-run-0c19ab7e-1' });
    const parked = job({ status: 'waiting_backpressure', job_name: null });
    const server = jobsServer(() => [running, waiting, other, unassigned, parked]);
    const { feed } = stubFeed();
    renderJobs(server, createRunStore(), feed);

    await screen.findAllByTestId('job-row');
    expect(server.calls.map((call) => call.url)).toEqual(['/api/v1/staff/runs?limit=500&status=running%2Cwaiting_mcp%2Cwaiting_backpressure']);
    const clusters = screen.getAllByTestId('jobs-cluster');
    expect(clusters.map((cluster) => cluster.getAttribute('data-cluster-id'))).toEqual(['kind-dev', 'prod-eu-1', 'unassigned']);
    expect(within(clusters[0] as HTMLElement).getByTestId('jobs-project')).toHaveTextContent('globex');
    const prod = within(clusters[1] as HTMLElement);
    expect(prod.getByRole('heading', { level: 3 })).toHaveTextContent('Cluster prod-eu-1');
    expect(prod.getByTestId('jobs-project')).toHaveAttribute('data-project-id', ACME);
    expect(prod.getByRole('table')).toHaveTextContent('acme');
    // Longest running first; the parked run is not here.
    expect(prod.getAllByTestId('job-row').map((row) => row.getAttribute('data-run-id'))).toEqual([waiting.id, running.id]);
    expect(screen.queryByText(parked.id.slice(0, 8))).toBeNull();

    const row = prod.getAllByTestId('job-row')[1] as HTMLElement;
    expect(within(row).getByTestId('run-link')).toHaveAttribute('href', `/runs/${running.id}`);
    expect(row).toHaveTextContent('acme/widgets#128');
    expect(within(row).getByRole('link', { name: '#128' })).toHaveAttribute('href', running.issue_url);
    expect(row).toHaveTextContent('run:dev');
    expect(within(row).getByTestId('job-name')).toHaveTextContent('stageline-run-4f2a91c0-1stageline-acme-widgets-128');
    expect(within(row).getByTestId('job-duration')).toHaveTextContent('2 min 5 s');
    expect(within(row).getByTestId('job-heartbeat')).toHaveTextContent('just now');
    expect(row).toHaveAttribute('data-stale', 'false');
    expect(within(row).queryByTestId('job-stale')).toBeNull();

    const slow = prod.getAllByTestId('job-row')[0] as HTMLElement;
    expect(slow).toHaveAttribute('data-status', 'waiting_mcp');
    expect(within(slow).getByTestId('job-wait')).toHaveTextContent('approval_pending');
    expect(within(slow).getByTestId('job-heartbeat')).toHaveTextContent('5 min. ago');
    expect(slow).toHaveAttribute('data-stale', 'true');
    expect(within(slow).getByTestId('job-stale')).toHaveTextContent('stale');
    expect(screen.getByTestId('jobs-summary')).toHaveTextContent('4 jobs on 3 clusters · 1 stale');
  });

  it('follows the realtime store: a row updates in place, a finished run leaves, a started one arrives', async () => {
    const running = job({ version: 2 });
    const finishing = job({ version: 3, job_name: 'stageline-run-2-1' });
    const store = createRunStore();
    store.applyList({ items: [running, finishing], lastEventId: 10 }, 'replace');
    const server = jobsServer(() => [running, finishing]);
    renderJobs(server, store, stubFeed().feed);
    const rows = await screen.findAllByTestId('job-row');
    expect(rows).toHaveLength(2);
    const kept = rows.find((row) => row.getAttribute('data-run-id') === running.id);

    store.applyEvent(runStatusEvent(11, { ...running, status: 'waiting_mcp', wait_reason: 'interaction_response', version: 3 }));
    store.applyEvent(runStatusEvent(12, { ...finishing, status: 'succeeded', finished_at: new Date().toISOString(), version: 4 }));
    const started = job({ job_name: 'stageline-run-3-1', version: 2 });
    store.applyEvent(runStatusEvent(13, started));
    // A run that starts waiting without a Job (parked) is the wait queue's, not this screen's.
    store.applyEvent(runStatusEvent(14, job({ status: 'waiting_backpressure', job_name: null })));

    await vi.waitFor(() => expect(screen.queryByText(finishing.id.slice(0, 8))).toBeNull());
    const after = screen.getAllByTestId('job-row');
    expect(after.map((row) => row.getAttribute('data-run-id')).sort()).toEqual([running.id, started.id].sort());
    const same = after.find((row) => row.getAttribute('data-run-id') === running.id);
    expect(same).toBe(kept);
    expect(same).toHaveAttribute('data-status', 'waiting_mcp');
    expect(within(same as HTMLElement).getByTestId('job-wait')).toHaveTextContent('interaction_response');
    expect(listCalls(server)).toBe(1);
  });

  it('reloads every 30 s for heartbeats while live and every 10 s while the socket is down; the clock ticks', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    let beat = ago(20_000);
    const running = job({ started_at: ago(65_000) });
    const server = jobsServer(() => [{ ...running, last_heartbeat_at: beat }]);
    const { feed, setConnection } = stubFeed();
    renderJobs(server, createRunStore(), feed);
    const row = await screen.findByTestId('job-row');
    expect(within(row).getByTestId('job-duration')).toHaveTextContent(/^1 min 5 s$/);
    vi.advanceTimersByTime(1_000);
    expect(within(row).getByTestId('job-duration')).toHaveTextContent(/^1 min 6 s$/);

    beat = ago(200_000);
    vi.advanceTimersByTime(JOBS_REFRESH_MS - 1_000);
    await vi.waitFor(() => expect(row).toHaveAttribute('data-stale', 'true'));
    expect(listCalls(server)).toBe(2);

    // Down: one load at once, then the runs page's fallback rate.
    setConnection('reconnecting');
    expect(listCalls(server)).toBe(3);
    vi.advanceTimersByTime(POLL_INTERVAL_MS);
    expect(listCalls(server)).toBe(4);
    setConnection('polling');
    vi.advanceTimersByTime(POLL_INTERVAL_MS);
    expect(listCalls(server)).toBe(5);
    beat = ago(1_000);
    setConnection('live');
    await vi.waitFor(() => expect(row).toHaveAttribute('data-stale', 'false'));
    expect(listCalls(server)).toBe(6);
    vi.advanceTimersByTime(POLL_INTERVAL_MS);
    expect(listCalls(server)).toBe(6);
  });

  it('says so when no run holds a Job, and when the list cannot be loaded', async () => {
    let fail = false;
    const server = createScriptedFetch({
      'GET /api/v1/staff/runs': () =>
        fail ? { status: 503, body: { error: { code: 'unavailable', message: 'database down' } } } : { status: 200, body: { items: [], next_cursor: null, last_event_id: 1 } },
    });
    const { feed, setConnection } = stubFeed();
    renderJobs(server, createRunStore(), feed);
    expect(await screen.findByTestId('jobs-empty')).toHaveTextContent(NO_JOBS_TEXT);
    fail = true;
    setConnection('reconnecting');
    expect(await screen.findByTestId('jobs-error')).toHaveTextContent('Could not load the running jobs: database down');
  });

  it('tells a person without projects whom to ask, and loads nothing', () => {
    const server = jobsServer(() => []);
    renderJobs(server, createRunStore(), null, { ...person, projects: [] });
    expect(screen.getByTestId('no-projects')).toHaveTextContent(NO_PROJECTS_TEXT);
    expect(server.calls).toEqual([]);
  });
});
