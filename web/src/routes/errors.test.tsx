// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { Route, Router } from '@solidjs/router';
import { cleanup, fireEvent, render, screen, within } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeOpsRun, makeRefusedDelivery } from '../../test/fixtures/make-ops.ts';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { createLogger } from '../lib/log.ts';
import type { Me } from '../lib/staff-me.ts';
import { ErrorsPage } from './errors.tsx';

const person: Me = { login: 'octocat', name: null, avatar_url: null, platform_admin: false, projects: [] };

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

describe('ErrorsPage', () => {
  it('lists refused deliveries filtered by reason on the edge, and failed runs with the runner’s reason and a link', async () => {
    const bot = makeRefusedDelivery({ reason: 'sender_type_bot_not_permitted' });
    const unbound = makeRefusedDelivery({ reason: 'repository_not_bound', event: 'issue_comment', action: 'created' });
    const failed = makeOpsRun({ status: 'timed_out', runner_reason: 'agent exceeded the active deadline', status_reason: 'deadline_exceeded' });
    const server = createScriptedFetch({
      'GET /api/v1/staff/errors/held': () => ({ status: 200, body: { parked_deliveries: [], dead_writes: [], truncated: false } }),
      'GET /api/v1/staff/errors': (call) => {
        const reason = new URL(call.url, 'http://x').searchParams.get('reason');
        const deliveries = [bot, unbound].filter((delivery) => reason === null || delivery.reason === reason);
        return { status: 200, body: { refused_deliveries: deliveries, failed_runs: [failed] } };
      },
    });
    render(() => (
      <Router>
        <Route path="*" component={() => <ErrorsPage fetch={server.fetch} log={createLogger()} me={person} />} />
      </Router>
    ));
    expect(await screen.findAllByTestId('error-delivery')).toHaveLength(2);
    const run = screen.getByTestId('error-run');
    expect(within(run).getByTestId('run-link')).toHaveAttribute('href', `/runs/${failed.id}`);
    expect(within(run).getByTestId('error-run-reason')).toHaveTextContent('agent exceeded the active deadline');
    expect(run).toHaveTextContent('deadline_exceeded');
    expect(run).toHaveTextContent('timed_out');

    fireEvent.input(screen.getByTestId('errors-reason'), { target: { value: 'repository_not_bound' } });
    fireEvent.submit(screen.getByTestId('errors-filter'));
    await vi.waitFor(() => expect(screen.getAllByTestId('error-delivery')).toHaveLength(1));
    expect(screen.getByTestId('error-delivery')).toHaveAttribute('data-reason', 'repository_not_bound');
    expect(server.calls.map((call) => call.url).filter((url) => url.startsWith('/api/v1/staff/errors?'))).toEqual(['/api/v1/staff/errors?limit=100', '/api/v1/staff/errors?reason=repository_not_bound&limit=100']);

    expect(window.location.search).toBe('?reason=repository_not_bound');

    fireEvent.click(screen.getByTestId('errors-filter-clear'));
    await vi.waitFor(() => expect(screen.getAllByTestId('error-delivery')).toHaveLength(2));
    expect(window.location.search).toBe('');
    expect(screen.getByTestId('errors-reason')).toHaveValue('');
  });

  it('loads older refused deliveries and failed runs page by page with their cursors, keeping the reason', async () => {
    window.history.replaceState(null, '', '/errors?reason=repository_not_bound');
    const older = makeRefusedDelivery({ reason: 'repository_not_bound', delivery_id: 'older-delivery' });
    const newer = makeRefusedDelivery({ reason: 'repository_not_bound', delivery_id: 'newer-delivery' });
    const firstRun = makeOpsRun({ status: 'failed' });
    const olderRun = makeOpsRun({ status: 'timed_out' });
    const server = createScriptedFetch({
      'GET /api/v1/staff/errors/held': () => ({ status: 200, body: { parked_deliveries: [], dead_writes: [], truncated: false } }),
      'GET /api/v1/staff/errors': () => ({ status: 200, body: { refused_deliveries: [newer], refused_next_cursor: 'refused-2', failed_runs: [firstRun], failed_next_cursor: 'failed-2' } }),
      'GET /api/v1/staff/errors/refused-deliveries': () => ({ status: 200, body: { items: [older], next_cursor: null } }),
      'GET /api/v1/staff/errors/failed-runs': () => ({ status: 200, body: { items: [olderRun], next_cursor: null } }),
    });
    render(() => (
      <Router>
        <Route path="*" component={() => <ErrorsPage fetch={server.fetch} log={createLogger()} me={person} />} />
      </Router>
    ));
    fireEvent.click(await screen.findByTestId('errors-refused-more'));
    await vi.waitFor(() => expect(screen.getAllByTestId('error-delivery').map((row) => row.dataset['deliveryId'])).toEqual(['newer-delivery', 'older-delivery']));
    expect(screen.queryByTestId('errors-refused-more')).toBeNull();
    fireEvent.click(screen.getByTestId('errors-failed-more'));
    await vi.waitFor(() => expect(screen.getAllByTestId('error-run').map((row) => row.dataset['runId'])).toEqual([firstRun.id, olderRun.id]));
    expect(screen.queryByTestId('errors-failed-more')).toBeNull();
    expect(server.calls.map((call) => call.url).filter((url) => /refused-deliveries|failed-runs/.test(url))).toEqual([
      '/api/v1/staff/errors/refused-deliveries?limit=100&cursor=refused-2&reason=repository_not_bound',
      '/api/v1/staff/errors/failed-runs?limit=100&cursor=failed-2',
    ]);
  });

  it('takes the reason from the address, so a reload shows the same list', async () => {
    window.history.replaceState(null, '', '/errors?reason=repository_not_bound');
    const unbound = makeRefusedDelivery({ reason: 'repository_not_bound' });
    const server = createScriptedFetch({
      'GET /api/v1/staff/errors/held': () => ({ status: 200, body: { parked_deliveries: [], dead_writes: [], truncated: false } }),
      'GET /api/v1/staff/errors': (call) => {
        const reason = new URL(call.url, 'http://x').searchParams.get('reason');
        return { status: 200, body: { refused_deliveries: reason === 'repository_not_bound' ? [unbound] : [], failed_runs: [] } };
      },
    });
    render(() => (
      <Router>
        <Route path="*" component={() => <ErrorsPage fetch={server.fetch} log={createLogger()} me={person} />} />
      </Router>
    ));
    expect(await screen.findByTestId('error-delivery')).toHaveAttribute('data-reason', 'repository_not_bound');
    expect(screen.getByTestId('errors-reason')).toHaveValue('repository_not_bound');
    expect(server.calls.map((call) => call.url).filter((url) => url.startsWith('/api/v1/staff/errors?'))).toEqual(['/api/v1/staff/errors?reason=repository_not_bound&limit=100']);

    // Filtering by the reason already applied reloads the list without a new address.
    fireEvent.submit(screen.getByTestId('errors-filter'));
    await vi.waitFor(() => expect(server.calls.filter((call) => call.url.startsWith('/api/v1/staff/errors?'))).toHaveLength(2));
    expect(window.location.search).toBe('?reason=repository_not_bound');
  });
});
