/**
 * A project's namespace retention (docs/domain.md §5.7 rule 2, protocol 1.6
 * `ClaimedRun.namespaceTtlSeconds`): the namespace lease follows the TTL the
 * claim carries and falls back to the Helm config's without one; a revise that
 * reuses the issue's namespace extends it by the same rule.
 */
import type { V1Namespace } from '@kubernetes/client-node';
import type { ClaimedRun } from '@stageline/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { materializeRun, type MaterializeSettings } from '../src/dispatch/materialize-run.ts';
import { claimedRun } from './support/claimed-run.ts';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { startAgent, type StartedAgent } from './support/start-agent.ts';

const HOUR = 3600;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const TTL = 'stageline.dev/namespace-lease-ttl';
const EXPIRES = 'stageline.dev/namespace-lease-expires-at';

/** Helm: 24h, dev 48h (STAGELINE_NAMESPACE_TTL / _BY_ROLE). */
const settings: MaterializeSettings = {
  installation: 'stageline',
  namespacePrefix: 'stageline-issue',
  namespaceTtl: { defaultSeconds: 24 * HOUR, byRole: { dev: 48 * HOUR } },
  quotaPods: 20,
  limitRange: { defaultRequest: {}, default: {} },
  egress: { cidrs: ['0.0.0.0/0'], except: [], ports: [443] },
  modelApiKey: undefined,
};

let issue = 100;

function claimed(overrides: Partial<ClaimedRun> = {}): ClaimedRun {
  return claimedRun({ runId: crypto.randomUUID(), correlationId: 'delivery-1', issueNumber: (issue += 1), leaseUntil: '2026-06-01T12:45:00.000Z', ...overrides });
}

const after = (seconds: number, from = NOW): string => new Date(from.getTime() + seconds * 1000).toISOString();

async function lease(kube: FakeKubeGateway, run: ClaimedRun, now = NOW) {
  const result = await materializeRun(run, kube, settings, now);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error));
  }
  const annotations = kube.namespaces.get(result.value.namespace)?.metadata?.annotations ?? {};
  return { ...result.value, ttl: annotations[TTL], expiresAt: annotations[EXPIRES] };
}

describe('materializeRun: the namespace lease', () => {
  it.each<[string, Partial<ClaimedRun>, number, string]>([
    ['the project TTL of the claim', { namespaceTtlSeconds: 2 * HOUR }, 2 * HOUR, '2h0m0s'],
    ['the project TTL over Helm’s default for the role', { agentKey: 'qa', triggerKind: 'qa', triggerLabel: 'run:qa', namespaceTtlSeconds: 90 * 60 }, 90 * 60, '1h30m0s'],
    ['Helm’s by-role TTL without one (an edge before 1.6)', {}, 48 * HOUR, '48h0m0s'],
    ['Helm’s by-role TTL when the project leaves it to the cluster', { namespaceTtlSeconds: null }, 48 * HOUR, '48h0m0s'],
    ['Helm’s default for a role Helm does not name', { agentKey: 'qa', triggerKind: 'qa', triggerLabel: 'run:qa' }, 24 * HOUR, '24h0m0s'],
    ['Helm’s when the claim’s value is outside the project bounds', { namespaceTtlSeconds: 60 }, 48 * HOUR, '48h0m0s'],
  ])('%s', async (_name, overrides, seconds, text) => {
    const got = await lease(new FakeKubeGateway(), claimed(overrides));
    expect(got).toMatchObject({ placement: 'run_namespace', ttlSeconds: seconds, ttl: text, expiresAt: after(seconds) });
  });

  it('a revise reusing the issue’s namespace extends it from now by its own claim, then by Helm’s without one', async () => {
    const kube = new FakeKubeGateway();
    const first = await lease(kube, claimed({ issueNumber: 500, namespaceTtlSeconds: 2 * HOUR }));
    const revise = { issueNumber: 500, triggerKind: 'dev_revise', triggerLabel: 'run:dev:revise' };
    const oneHourLater = new Date(NOW.getTime() + HOUR * 1000);
    const second = await lease(kube, claimed({ ...revise, namespaceTtlSeconds: 3 * HOUR }), oneHourLater);
    expect(second).toMatchObject({ placement: 'revise_reuse', namespace: first.namespace, ttl: '3h0m0s', expiresAt: after(3 * HOUR, oneHourLater) });
    const twoHoursLater = new Date(NOW.getTime() + 2 * HOUR * 1000);
    const third = await lease(kube, claimed(revise), twoHoursLater);
    expect(third).toMatchObject({ placement: 'revise_reuse', namespace: first.namespace, ttl: '48h0m0s', expiresAt: after(48 * HOUR, twoHoursLater) });
  });
});

describe('the agent', () => {
  let edge: FakeEdge | undefined;
  let agent: StartedAgent | undefined;

  afterEach(async () => {
    await agent?.stop();
    await edge?.close();
    agent = undefined;
    edge = undefined;
  });

  it('keeps the lease of a claimed run with the project TTL the frame carried, and Helm’s without it', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    agent = startAgent(edge, { gateway: kube }, { STAGELINE_NAMESPACE_TTL: '24h', STAGELINE_NAMESPACE_TTL_BY_ROLE: '{"dev":"48h"}' });
    const withProject = edge.addRun({ issueNumber: 31, namespaceTtlSeconds: 2 * HOUR });
    const withoutProject = edge.addRun({ issueNumber: 32 });
    const namespaceOf = (runId: string): V1Namespace | undefined =>
      [...kube.namespaces.values()].find((ns) => ns.metadata?.labels?.['stageline.dev/run-id'] === runId);
    const ttlOf = (runId: string): string | undefined => namespaceOf(runId)?.metadata?.annotations?.[TTL];
    await vi.waitFor(() => expect([ttlOf(withProject), ttlOf(withoutProject)]).toEqual(['2h0m0s', '48h0m0s']), { timeout: 10_000, interval: 20 });
    // The keepalive renews each lease (every 200 ms here) by the same rule.
    const renewedAfter = namespaceOf(withProject)?.metadata?.annotations?.['stageline.dev/namespace-lease-updated-at'] ?? '';
    await vi.waitFor(() => expect(namespaceOf(withProject)?.metadata?.annotations?.['stageline.dev/namespace-lease-updated-at']).not.toBe(renewedAfter), { timeout: 10_000, interval: 20 });
    expect([ttlOf(withProject), ttlOf(withoutProject)]).toEqual(['2h0m0s', '48h0m0s']);
  });
});
