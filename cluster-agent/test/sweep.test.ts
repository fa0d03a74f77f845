/**
 * The sweeper against the in-memory cluster: a property test that it never
 * deletes a namespace it does not manage (or one that is live, busy or of an
 * active run, or anything at all when the edge cannot answer), and the
 * guarded delete when a namespace changes between list and delete.
 */
import type { RunState } from '@stageline/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNamespaceSweeper } from '../src/dispatch/sweep.ts';
import { createLogger } from '../src/lib/log.ts';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const PREFIX = 'stageline-issue';

interface Seed {
  name: string;
  labels: Record<string, string>;
  expiresAt: string | undefined;
  busy: boolean;
  active: boolean;
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** One way a namespace can fail to be ours; `none` keeps it ours (the common case, so deletions happen). */
const flaw = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('label' as const), key: fc.constantFrom('managed-by', 'cluster-agent', 'namespace-purpose', 'runtime-mode'), value: optional(fc.constantFrom('someone-else', 'green', 'stack')) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'prefix' as const }) },
);

const seedArb: fc.Arbitrary<Seed> = fc
  .record({
    suffix: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    flaw,
    runId: optional(fc.uuid()),
    expiresAt: optional(fc.constantFrom('2026-06-01T11:00:00.000Z', '2026-06-02T00:00:00.000Z', 'garbage')),
    busy: fc.boolean(),
    active: fc.boolean(),
  })
  .map((r) => {
    const labels: Record<string, string> = {
      'stageline.dev/managed-by': 'stageline-cluster-agent',
      'stageline.dev/cluster-agent': 'stageline',
      'stageline.dev/namespace-purpose': 'run',
      'stageline.dev/runtime-mode': 'full-env',
    };
    if (r.runId !== undefined) {
      labels['stageline.dev/run-id'] = r.runId;
    }
    if (r.flaw.kind === 'label') {
      delete labels[`stageline.dev/${r.flaw.key}`];
      if (r.flaw.value !== undefined) {
        labels[`stageline.dev/${r.flaw.key}`] = r.flaw.value;
      }
    }
    const prefix = r.flaw.kind === 'prefix' ? 'team' : PREFIX;
    return { name: `${prefix}-${r.suffix}`, labels, expiresAt: r.expiresAt, busy: r.busy, active: r.active };
  });

function isOurs(seed: Seed): boolean {
  const l = seed.labels;
  return (
    l['stageline.dev/managed-by'] === 'stageline-cluster-agent' &&
    l['stageline.dev/cluster-agent'] === 'stageline' &&
    l['stageline.dev/namespace-purpose'] === 'run' &&
    l['stageline.dev/runtime-mode'] !== undefined &&
    seed.name.startsWith(`${PREFIX}-`)
  );
}

function seedCluster(seeds: Seed[]): FakeKubeGateway {
  const kube = new FakeKubeGateway();
  for (const seed of seeds) {
    const annotations: Record<string, string> = seed.expiresAt === undefined ? {} : { 'stageline.dev/namespace-lease-expires-at': seed.expiresAt };
    // Created two hours ago: without a usable expiry annotation the 1 h fallback lease has run out.
    kube.seedNamespace({ metadata: { name: seed.name, labels: seed.labels, annotations, creationTimestamp: new Date('2026-06-01T10:00:00.000Z') } });
    if (seed.busy) {
      kube.seedJob({ metadata: { name: 'run-job', namespace: seed.name, labels: { 'stageline.dev/run-id': 'x' } } });
    }
  }
  return kube;
}

function sweeperFor(kube: FakeKubeGateway, answer: (ids: readonly string[]) => RunState[] | undefined) {
  return createNamespaceSweeper({
    gateway: kube,
    log: createLogger({ level: 'error', write: () => undefined }),
    installation: 'stageline',
    prefix: PREFIX,
    fallbackTtlSeconds: 3600,
    limit: 200,
    command: 'agent_tick',
    queryRuns: async (ids) => answer(ids),
    now: () => NOW,
  });
}

describe('namespace sweeper', () => {
  it('never deletes a namespace it does not manage, nor a live, busy or active one, nor anything without an answer', async () => {
    const unique = fc.uniqueArray(seedArb, { selector: (s) => s.name, maxLength: 12 });
    let deletions = 0;
    await fc.assert(
      fc.asyncProperty(unique, fc.boolean(), async (seeds, edgeAnswers) => {
        const kube = seedCluster(seeds);
        const activeIds = new Set(seeds.filter((s) => s.active).map((s) => s.labels['stageline.dev/run-id']));
        const answer = (ids: readonly string[]) => (edgeAnswers ? ids.map((runId) => ({ runId, status: 'succeeded' as const, active: activeIds.has(runId) })) : undefined);
        await sweeperFor(kube, answer).sweep();
        const deleted = kube.mutations.flatMap((m) => (m.op === 'deleteNamespace' ? [m.name] : []));
        deletions += deleted.length;
        for (const name of deleted) {
          const seed = seeds.find((s) => s.name === name);
          expect(seed && isOurs(seed)).toBe(true);
          expect(seed?.expiresAt === undefined || Date.parse(seed.expiresAt) <= NOW.getTime() || Number.isNaN(Date.parse(seed.expiresAt))).toBe(true);
          expect(seed?.busy).toBe(false);
          expect(seed?.active).toBe(false);
          expect(edgeAnswers).toBe(true);
        }
        // Every other mutation would be a write to someone's namespace: there are none.
        expect(kube.mutations.filter((m) => m.op !== 'deleteNamespace')).toEqual([]);
      }),
      { numRuns: 200 },
    );
    // The property is not vacuous: some generated clusters did have deletable namespaces.
    expect(deletions).toBeGreaterThan(0);
  });

  it('leaves a namespace that changed between list and delete (a revise run took it)', async () => {
    const runId = '3f2a9b1c-0000-4000-8000-000000000001';
    const kube = seedCluster([
      {
        name: `${PREFIX}-taken`,
        labels: {
          'stageline.dev/managed-by': 'stageline-cluster-agent',
          'stageline.dev/cluster-agent': 'stageline',
          'stageline.dev/namespace-purpose': 'run',
          'stageline.dev/runtime-mode': 'full-env',
          'stageline.dev/run-id': runId,
        },
        expiresAt: '2026-06-01T11:00:00.000Z',
        busy: false,
        active: false,
      },
    ]);
    const sweeper = sweeperFor(kube, (ids) => {
      // While the edge answers, a revise run extends the lease.
      void kube.patchNamespaceAnnotations(`${PREFIX}-taken`, { 'stageline.dev/namespace-lease-expires-at': '2026-06-02T11:00:00.000Z' }, kube.namespaces.get(`${PREFIX}-taken`)?.metadata?.resourceVersion ?? '');
      return ids.map((id) => ({ runId: id, status: 'succeeded', active: false }));
    });
    const summary = await sweeper.sweep();
    expect(summary).toMatchObject({ deleted: 0, kept: 1 });
    expect(kube.namespaces.has(`${PREFIX}-taken`)).toBe(true);
  });

  it('counts a run the edge did not answer for as active', async () => {
    const kube = seedCluster([
      {
        name: `${PREFIX}-unanswered`,
        labels: {
          'stageline.dev/managed-by': 'stageline-cluster-agent',
          'stageline.dev/cluster-agent': 'stageline',
          'stageline.dev/namespace-purpose': 'run',
          'stageline.dev/runtime-mode': 'full-env',
          'stageline.dev/run-id': '3f2a9b1c-0000-4000-8000-000000000002',
        },
        expiresAt: undefined,
        busy: false,
        active: false,
      },
    ]);
    // No expiry annotation: creationTimestamp + fallback TTL (1 h) has passed.
    const summary = await sweeperFor(kube, () => []).sweep();
    expect(summary).toMatchObject({ deleted: 0, kept: 1, expired: 1 });
  });
});
