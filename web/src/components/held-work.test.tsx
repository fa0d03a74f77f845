// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, within } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { makeDeadWrite, makeParked } from '../../test/fixtures/make-held.ts';
import { createLogger } from '../lib/log.ts';
import type { Me } from '../lib/staff-me.ts';
import { HeldWorkPanels } from './held-work.tsx';

const PROJECT = '0a1b2c3d-0000-4000-8000-000000000001';
const admin: Me = { login: 'maintainer', name: null, avatar_url: null, platform_admin: false, projects: [{ id: PROJECT, slug: 'app', name: 'App', role: 'admin' }] };
const reader: Me = { ...admin, login: 'viewer', projects: [{ id: PROJECT, slug: 'app', name: 'App', role: 'read' }] };

const parked = (sequence: number) => makeParked({ project_id: PROJECT, sequence, delivery_id: `delivery-${sequence}`, error: { name: 'NeonDbError', code: '23514' } });
const dead = makeDeadWrite({ project_id: PROJECT });

/** The edge's held work as a small state machine: replayed or dropped items leave the lists. */
function heldServer() {
  let items = { parked: [parked(1), parked(2)], dead: [dead] };
  return createScriptedFetch({
    'GET /api/v1/staff/errors/held': () => ({ status: 200, body: { parked_deliveries: items.parked, dead_writes: items.dead, truncated: false } }),
    'POST /api/v1/staff/errors/parked/42/1/replay': () => {
      items = { ...items, parked: items.parked.filter((p) => p.sequence !== 1) };
      return { status: 200, body: { outcome: 'accepted', run_id: 'r-1' } };
    },
    'POST /api/v1/staff/errors/parked/42/2/replay': () => ({ status: 422, body: { error: { code: 'failed_precondition', message: 'it failed again and stays parked' }, failure: { name: 'NeonDbError' } } }),
    'DELETE /api/v1/staff/errors/parked/42/2': () => {
      items = { ...items, parked: items.parked.filter((p) => p.sequence !== 2) };
      return { status: 204, body: null };
    },
    'POST /api/v1/staff/errors/dead-writes/9/3/retry': () => {
      items = { ...items, dead: [] };
      return { status: 200, body: { outcome: 'requeued' } };
    },
  });
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
});

const rowsOf = async (testId: string) => (await screen.findAllByTestId(testId)).map((row) => row.dataset['deliveryId'] ?? row.dataset['key']);

describe('HeldWorkPanels', () => {
  it('lists parked deliveries with their error and refused writes with what GitHub said', async () => {
    render(() => <HeldWorkPanels fetch={heldServer().fetch} log={createLogger()} me={admin} />);
    expect(await rowsOf('parked-delivery')).toEqual(['delivery-1', 'delivery-2']);
    const [first] = screen.getAllByTestId('parked-delivery') as [HTMLElement];
    expect(first).toHaveTextContent('NeonDbError (23514)');
    const [write] = (await screen.findAllByTestId('dead-write')) as [HTMLElement];
    expect(write).toHaveTextContent('forbidden 403');
    expect(write).toHaveTextContent('#12');
  });

  it('replays, says so and drops the row; a replay that fails again keeps the row and shows why; a drop asks first', async () => {
    const server = heldServer();
    render(() => <HeldWorkPanels fetch={server.fetch} log={createLogger()} me={admin} />);
    const [one] = (await screen.findAllByTestId('parked-delivery')) as [HTMLElement];
    fireEvent.click(within(one).getByTestId('parked-replay'));
    expect(await screen.findByTestId('held-notice')).toHaveTextContent('run was created');
    await vi.waitFor(() => expect(screen.getAllByTestId('parked-delivery').map((r) => r.dataset['deliveryId'])).toEqual(['delivery-2']));

    // The list was read again: the row left is a new element.
    fireEvent.click(within(screen.getAllByTestId('parked-delivery')[0] as HTMLElement).getByTestId('parked-replay'));
    await vi.waitFor(() => expect(screen.getByTestId('held-notice')).toHaveTextContent('failed again'));
    expect(screen.getAllByTestId('parked-delivery')).toHaveLength(1);

    fireEvent.click(within(screen.getAllByTestId('parked-delivery')[0] as HTMLElement).getByTestId('parked-drop'));
    expect(server.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Drop it' }));
    expect(await screen.findByText('No parked deliveries.')).toBeInTheDocument();

    fireEvent.click(within(screen.getByTestId('dead-write')).getByTestId('dead-retry'));
    expect(await screen.findByText('No refused GitHub writes.')).toBeInTheDocument();
    expect(server.calls.map((c) => `${c.method} ${c.url}`).filter((c) => !c.startsWith('GET'))).toEqual([
      'POST /api/v1/staff/errors/parked/42/1/replay',
      'POST /api/v1/staff/errors/parked/42/2/replay',
      'DELETE /api/v1/staff/errors/parked/42/2',
      'POST /api/v1/staff/errors/dead-writes/9/3/retry',
    ]);
  });

  it('shows a read member every control disabled with the reason and sends nothing', async () => {
    const server = heldServer();
    render(() => <HeldWorkPanels fetch={server.fetch} log={createLogger()} me={reader} />);
    const [row] = (await screen.findAllByTestId('parked-delivery')) as [HTMLElement];
    const replay = within(row).getByTestId('parked-replay');
    expect(replay).toBeDisabled();
    expect(replay.getAttribute('title')).toMatch(/your role is read/);
    expect(within(screen.getByTestId('dead-write')).getByTestId('dead-retry')).toBeDisabled();
    fireEvent.click(replay);
    expect(server.calls.every((c) => c.method === 'GET')).toBe(true);
  });
});
