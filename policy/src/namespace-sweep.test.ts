import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from './label-syntax.ts';
import { INSTALLATION_LABEL, MANAGED_BY_LABEL, planNamespaceSweep, PURPOSE_LABEL, RUN_ID_LABEL, RUNTIME_MODE_LABEL, type ObservedNamespace, type SweepInput } from './namespace-sweep.ts';
import { formatDuration, LEASE_EXPIRES_ANNOTATION, namespaceLeaseAnnotations, namespaceTtlSeconds } from './namespace-ttl.ts';

const now = new Date('2026-11-22T12:00:00Z');
const past = '2026-11-22T11:00:00.000Z';
const future = '2026-11-22T13:00:00.000Z';

function ns(name: string, patch: Partial<ObservedNamespace> = {}, labels: Record<string, string> = {}): ObservedNamespace {
  return {
    name,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [PURPOSE_LABEL]: 'run', [INSTALLATION_LABEL]: 'stageline', [RUNTIME_MODE_LABEL]: 'full-env', [RUN_ID_LABEL]: `run-${name}`, ...labels },
    annotations: { [LEASE_EXPIRES_ANNOTATION]: past },
    creationTimestamp: '2026-11-20T00:00:00Z',
    deletionTimestamp: null,
    ...patch,
  };
}

const base: Omit<SweepInput, 'namespaces'> = {
  now,
  installation: 'stageline',
  prefix: 'stageline-issue',
  fallbackTtlSeconds: 86400,
  activeRunIds: new Set(),
  busyNamespaces: new Set(),
  limit: 200,
};

describe('planNamespaceSweep', () => {
  it.each<[string, ObservedNamespace, Partial<SweepInput>, string, string]>([
    ['an expired idle namespace', ns('stageline-issue-a'), {}, 'delete', 'ttl_expired'],
    ['a lease in the future', ns('stageline-issue-a', { annotations: { [LEASE_EXPIRES_ANNOTATION]: future } }), {}, 'keep', 'not_expired'],
    ['a terminating namespace', ns('stageline-issue-a', { deletionTimestamp: past }), {}, 'keep', 'terminating'],
    ['an active run', ns('stageline-issue-a'), { activeRunIds: new Set(['run-stageline-issue-a']) }, 'keep', 'active_run_in_db'],
    ['a live Job', ns('stageline-issue-a'), { busyNamespaces: new Set(['stageline-issue-a']) }, 'keep', 'active_workloads_present'],
    ['no run-id label', ns('stageline-issue-a', {}, { [RUN_ID_LABEL]: '' }), {}, 'keep', 'missing_run_id_label'],
    ['another installation', ns('stageline-issue-a', {}, { [INSTALLATION_LABEL]: 'other' }), {}, 'keep', 'not_managed'],
    ['another manager', ns('stageline-issue-a', {}, { [MANAGED_BY_LABEL]: 'helm' }), {}, 'keep', 'not_managed'],
    ['a name outside the prefix', ns('kube-system'), {}, 'keep', 'not_managed'],
    ['a non-run purpose', ns('stageline-issue-a', {}, { [PURPOSE_LABEL]: 'prod' }), {}, 'keep', 'not_managed'],
  ])('%s -> %s (%s)', (_name, namespace, patch, action, reason) => {
    expect(planNamespaceSweep({ ...base, ...patch, namespaces: [namespace] })[0]).toMatchObject({ action, reason });
  });

  it('falls back to creation time + ttl without an annotation', () => {
    const young = ns('stageline-issue-y', { annotations: {}, creationTimestamp: '2026-11-22T00:00:00Z' });
    const old = ns('stageline-issue-o', { annotations: {}, creationTimestamp: '2026-11-20T00:00:00Z' });
    const [a, b] = planNamespaceSweep({ ...base, namespaces: [young, old] });
    expect(a).toMatchObject({ action: 'keep', reason: 'not_expired', leaseSource: 'created_at_fallback', expiresAt: '2026-11-23T00:00:00.000Z' });
    expect(b).toMatchObject({ action: 'delete', leaseSource: 'created_at_fallback' });
  });

  it('deletes at most `limit` per sweep', () => {
    const plan = planNamespaceSweep({ ...base, limit: 2, namespaces: ['a', 'b', 'c'].map((n) => ns(`stageline-issue-${n}`)) });
    expect(plan.map((d) => d.action)).toEqual(['delete', 'delete', 'keep']);
    expect(plan[2]?.reason).toBe('sweep_limit');
  });

  it('never deletes a namespace it does not manage (property)', () => {
    const labelValue = fc.constantFrom('', 'run', 'prod', MANAGED_BY, 'helm', 'stageline', 'other', 'full-env');
    const arbNamespace = fc.record({
      name: fc.oneof(fc.constantFrom('stageline-issue-x', 'default', 'kube-system', 'stageline-issuex', 'stageline-issue-'), fc.string()),
      labels: fc.dictionary(fc.constantFrom(MANAGED_BY_LABEL, PURPOSE_LABEL, INSTALLATION_LABEL, RUNTIME_MODE_LABEL, RUN_ID_LABEL, 'app'), labelValue),
      annotations: fc.dictionary(fc.constant(LEASE_EXPIRES_ANNOTATION), fc.constantFrom(past, future, 'garbage')),
      creationTimestamp: fc.option(fc.constantFrom('2026-11-20T00:00:00Z', 'bad'), { nil: null }),
      deletionTimestamp: fc.option(fc.constant(past), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(arbNamespace, { maxLength: 20 }), (namespaces) => {
        for (const d of planNamespaceSweep({ ...base, namespaces })) {
          if (d.action !== 'delete') {
            continue;
          }
          const n = namespaces.find((x) => x.name === d.name);
          expect(n?.labels[MANAGED_BY_LABEL]).toBe(MANAGED_BY);
          expect(n?.labels[PURPOSE_LABEL]).toBe('run');
          expect(n?.labels[INSTALLATION_LABEL]).toBe('stageline');
          expect(n?.name.startsWith('stageline-issue-')).toBe(true);
          expect(n?.deletionTimestamp).toBeNull();
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('namespace TTL', () => {
  it.each([
    ['dev', { dev: 3600 }, 3600],
    ['qa', { dev: 3600 }, 86400],
    ['dev', { dev: 0 }, 86400],
  ])('%s with %j -> %i', (role, byRole, want) => {
    expect(namespaceTtlSeconds(role, { defaultSeconds: 86400, byRole })).toBe(want);
  });
  it('formats like Go and writes the three annotations', () => {
    expect(formatDuration(86400)).toBe('24h0m0s');
    expect(formatDuration(5430)).toBe('1h30m30s');
    expect(namespaceLeaseAnnotations(now, 3600)).toEqual({
      'stageline.dev/namespace-lease-ttl': '1h0m0s',
      'stageline.dev/namespace-lease-expires-at': '2026-11-22T13:00:00.000Z',
      'stageline.dev/namespace-lease-updated-at': '2026-11-22T12:00:00.000Z',
    });
  });
});
