// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { Route, Router } from '@solidjs/router';
import { cleanup, fireEvent, render, screen, within } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeOpsRun, makeQueueHistory, makeQueueItem, PROJECT_ID } from '../../test/fixtures/make-ops.ts';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { createLogger } from '../lib/log.ts';
import type { QueueItem } from '../lib/ops-api.ts';
import type { Me } from '../lib/staff-me.ts';
import { EMPTY_QUEUE_TEXT, QUEUE_REFRESH_MS, QueuePage } from './queue.tsx';

const person: Me = {
  login: 'octocat',
  name: null,
  avatar_url: null,
  platform_admin: false,
  projects: [{ id: PROJECT_ID, slug: 'acme', name: 'Acme', role: 'read' }],
};

function queueServer(items: () => QueueItem[]) {
  return createScriptedFetch({
    'GET /api/v1/staff/queue': () => ({ status: 200, body: { items: items() } }),
    'GET /api/v1/staff/queue/history': () => ({
      status: 200,
      body: makeQueueHistory(96, (i) => ({ waiting: i % 5, started: i % 3, mean_wait_ms: i % 3 === 0 ? null : 120_000, max_wait_ms: 300_000 })),
    }),
  });
}

function renderQueue(server: ReturnType<typeof createScriptedFetch>) {
  render(() => (
    <Router>
      <Route path="*" component={() => <QueuePage fetch={server.fetch} log={createLogger()} me={person} />} />
    </Router>
  ));
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  window.history.replaceState(null, '', '/');
});

describe('QueuePage', () => {
  it('lists waiting runs with a link, why they wait in words, the SLA and the heartbeat', async () => {
    const since = new Date(Date.now() - 7 * 60_000).toISOString();
    const item = makeQueueItem({
      cause: 'cluster_offline',
      sla: 'breached',
      since,
      waited_ms: 7 * 60_000,
      run: makeOpsRun({ repository_full_name: 'acme/billing', issue_number: 57, trigger_label: 'run:plan', agent_key: 'sa', cluster_id: 'prod-eu-1' }),
    });
    renderQueue(queueServer(() => [item]));
    const row = await screen.findByTestId('queue-row');
    expect(row).toHaveAttribute('data-run-id', item.run.id);
    expect(row).toHaveAttribute('data-cause', 'cluster_offline');
    expect(within(row).getByTestId('run-link')).toHaveAttribute('href', `/runs/${item.run.id}`);
    expect(row).toHaveTextContent('acme/billing#57');
    expect(row).toHaveTextContent('run:plan');
    expect(within(row).getByTestId('queue-cause')).toHaveTextContent('No agent of cluster prod-eu-1 is connected.');
    expect(row).toHaveTextContent('7 min. ago');
    expect(row).toHaveTextContent('Breached');
    expect(screen.getByTestId('queue-counts')).toHaveTextContent('1 waiting · 1 breached · 0 late');
    expect(await screen.findByTestId('queue-summary')).toHaveTextContent(/^Now 0 waiting, peak 4;/);
  });

  it('says so when nothing waits, and fetches the queue again every 10 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let items: QueueItem[] = [];
    const server = queueServer(() => items);
    renderQueue(server);
    expect(await screen.findByText(EMPTY_QUEUE_TEXT)).toBeInTheDocument();
    items = [makeQueueItem()];
    vi.advanceTimersByTime(QUEUE_REFRESH_MS);
    await screen.findByTestId('queue-row');
    expect(server.calls.filter((call) => call.url === '/api/v1/staff/queue')).toHaveLength(2);
    expect(server.calls.filter((call) => call.url.startsWith('/api/v1/staff/queue/history'))).toHaveLength(1);
  });

  it('asks for 24 h of history in 15-minute buckets', async () => {
    const server = queueServer(() => []);
    renderQueue(server);
    await screen.findByTestId('queue-summary');
    expect(server.calls.map((call) => call.url)).toContain('/api/v1/staff/queue/history?hours=24&bucket_minutes=15');
    expect(screen.getByRole('button', { name: '24 h' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('takes the chart’s window from the address, and puts another one there', async () => {
    window.history.replaceState(null, '', '/queue?window=6h');
    const server = queueServer(() => []);
    renderQueue(server);
    await screen.findByTestId('queue-summary');
    const history = () => server.calls.map((call) => call.url).filter((url) => url.startsWith('/api/v1/staff/queue/history'));
    expect(history()).toEqual(['/api/v1/staff/queue/history?hours=6&bucket_minutes=5']);
    expect(screen.getByRole('heading', { name: /last 6 h$/ })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '6 h' })).toHaveAttribute('aria-pressed', 'true');

    fireEvent.click(screen.getByRole('button', { name: '7 d' }));
    await vi.waitFor(() => expect(window.location.search).toBe('?window=7d'));
    await screen.findByRole('heading', { name: /last 7 d$/ });
    await screen.findByTestId('queue-summary');
    expect(history()).toEqual(['/api/v1/staff/queue/history?hours=6&bucket_minutes=5', '/api/v1/staff/queue/history?hours=168&bucket_minutes=60']);
    expect(screen.getByRole('button', { name: '7 d' })).toHaveAttribute('aria-pressed', 'true');

    // The default window leaves the address without the key.
    fireEvent.click(screen.getByRole('button', { name: '24 h' }));
    await vi.waitFor(() => expect(window.location.search).toBe(''));
    await vi.waitFor(() => expect(history().at(-1)).toBe('/api/v1/staff/queue/history?hours=24&bucket_minutes=15'));
  });
});
