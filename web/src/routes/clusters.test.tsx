// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, within } from '@solidjs/testing-library';
import { createSignal, Show } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeCluster, makeInstance } from '../../test/fixtures/make-ops.ts';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { createLogger } from '../lib/log.ts';
import type { Cluster } from '../lib/ops-api.ts';
import type { Me } from '../lib/staff-me.ts';
import { ClustersPage, TOKEN_WARNING } from './clusters.tsx';

const member: Me = { login: 'octocat', name: null, avatar_url: null, platform_admin: false, projects: [] };
const admin: Me = { ...member, platform_admin: true };

function clustersServer(initial: Cluster[]) {
  let clusters = initial;
  return createScriptedFetch({
    'GET /api/v1/staff/clusters': () => ({ status: 200, body: { items: clusters } }),
    'POST /api/v1/staff/clusters': (call) => {
      const { id, name } = call.body as { id: string; name?: string };
      if (clusters.some((cluster) => cluster.id === id)) {
        return { status: 409, body: { error: { code: 'conflict', message: `cluster ${id} exists; mint a new token for it instead` } } };
      }
      clusters = [...clusters, makeCluster({ id, name: name ?? id, online: false, instances: [], projects: [], last_seen_at: null })];
      return { status: 201, body: { id, name: name ?? id, token: `slc_token_for_${id}` } };
    },
    'POST /api/v1/staff/clusters/*/token': (call) => ({ status: 200, body: { id: call.url.split('/')[5], token: 'slc_rotated' } }),
  });
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
});

describe('ClustersPage', () => {
  it('shows each cluster with its agents, versions, heartbeat and busy slots', async () => {
    const server = clustersServer([
      makeCluster({ id: 'prod-eu-1', runs_holding_slots: 3, instances: [makeInstance({ agent_version: '1.2.0', protocol_version: '4' })] }),
      makeCluster({ id: 'lab', name: 'Lab', online: false, instances: [makeInstance({ live: false })], projects: [] }),
    ]);
    render(() => <ClustersPage fetch={server.fetch} log={createLogger()} me={member} />);
    const cards = await screen.findAllByTestId('cluster-card');
    expect(cards.map((card) => [card.dataset['clusterId'], card.dataset['online']])).toEqual([
      ['prod-eu-1', 'true'],
      ['lab', 'false'],
    ]);
    const [prod, lab] = cards as [HTMLElement, HTMLElement];
    expect(within(prod).getByTestId('cluster-slots')).toHaveTextContent('3');
    expect(within(prod).getByTestId('cluster-instance')).toHaveTextContent('1.2.0');
    expect(within(lab).getByTestId('cluster-instance')).toHaveAttribute('data-live', 'false');
    expect(lab).toHaveTextContent('Offline');
  });

  it('disables registering and rotating for someone who is not a platform admin, and says why', async () => {
    const server = clustersServer([makeCluster()]);
    render(() => <ClustersPage fetch={server.fetch} log={createLogger()} me={member} />);
    const card = await screen.findByTestId('cluster-card');
    expect(screen.getByTestId('register-cluster-submit')).toBeDisabled();
    expect(screen.getByTestId('register-cluster-hint')).toHaveTextContent('Only platform admins');
    expect(within(card).getByTestId('rotate-token')).toBeDisabled();
    fireEvent.submit(screen.getByTestId('register-cluster'));
    expect(server.writes()).toEqual([]);
  });

  it('registers a cluster and shows its token once, with the warning; the token is gone when dismissed', async () => {
    const server = clustersServer([]);
    render(() => <ClustersPage fetch={server.fetch} log={createLogger()} me={admin} />);
    await screen.findByText('No clusters yet.');
    fireEvent.input(screen.getByTestId('register-cluster-id'), { target: { value: 'prod-us' } });
    fireEvent.input(screen.getByTestId('register-cluster-name'), { target: { value: 'Production US' } });
    fireEvent.submit(screen.getByTestId('register-cluster'));
    const panel = await screen.findByTestId('cluster-token');
    expect(within(panel).getByTestId('cluster-token-value')).toHaveValue('slc_token_for_prod-us');
    expect(panel).toHaveTextContent(TOKEN_WARNING);
    await screen.findByTestId('cluster-card');
    expect(server.writes()).toEqual([{ method: 'POST', url: '/api/v1/staff/clusters', body: { id: 'prod-us', name: 'Production US' } }]);

    fireEvent.click(within(panel).getByTestId('cluster-token-dismiss'));
    expect(screen.queryByTestId('cluster-token')).toBeNull();
    expect(document.body.textContent).not.toContain('slc_token_for_prod-us');
  });

  it('forgets the token when the page is left', async () => {
    const server = clustersServer([]);
    const [shown, setShown] = createSignal(true);
    render(() => (
      <Show when={shown()}>
        <ClustersPage fetch={server.fetch} log={createLogger()} me={admin} />
      </Show>
    ));
    fireEvent.input(await screen.findByTestId('register-cluster-id'), { target: { value: 'lab' } });
    fireEvent.submit(screen.getByTestId('register-cluster'));
    await screen.findByTestId('cluster-token');
    setShown(false);
    setShown(true);
    await screen.findByTestId('cluster-card');
    expect(screen.queryByTestId('cluster-token')).toBeNull();
  });

  it('refuses a bad id before sending and shows a taken id’s 409', async () => {
    const server = clustersServer([makeCluster({ id: 'prod' })]);
    render(() => <ClustersPage fetch={server.fetch} log={createLogger()} me={admin} />);
    await screen.findByTestId('cluster-card');
    fireEvent.input(screen.getByTestId('register-cluster-id'), { target: { value: 'Prod EU' } });
    fireEvent.submit(screen.getByTestId('register-cluster'));
    expect(await screen.findByTestId('register-cluster-errors')).toHaveTextContent('lower-case letters');
    expect(server.writes()).toEqual([]);
    fireEvent.input(screen.getByTestId('register-cluster-id'), { target: { value: 'prod' } });
    fireEvent.submit(screen.getByTestId('register-cluster'));
    await vi.waitFor(() => expect(screen.getByTestId('register-cluster-errors')).toHaveTextContent('cluster prod exists'));
    expect(screen.queryByTestId('cluster-token')).toBeNull();
  });

  it('rotates a token only after confirming', async () => {
    const server = clustersServer([makeCluster({ id: 'prod' })]);
    render(() => <ClustersPage fetch={server.fetch} log={createLogger()} me={admin} />);
    const card = await screen.findByTestId('cluster-card');
    fireEvent.click(within(card).getByTestId('rotate-token'));
    expect(server.writes()).toEqual([]);
    fireEvent.click(within(card).getByTestId('rotate-token-cancel'));
    fireEvent.click(within(card).getByTestId('rotate-token'));
    fireEvent.click(within(card).getByTestId('rotate-token-confirm'));
    const panel = await screen.findByTestId('cluster-token');
    expect(within(panel).getByTestId('cluster-token-value')).toHaveValue('slc_rotated');
    expect(panel).toHaveTextContent('The old token has stopped working.');
    expect(server.writes()).toEqual([{ method: 'POST', url: '/api/v1/staff/clusters/prod/token', body: undefined }]);
  });
});
