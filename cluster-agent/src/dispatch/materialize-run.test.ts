import { describe, expect, it } from 'vitest';
import type { NamespaceSnapshot } from '../kube/kube-gateway.ts';
import { pickReusableNamespace, type MaterializeSettings } from './materialize-run.ts';

const settings: MaterializeSettings = {
  installation: 'stageline',
  namespacePrefix: 'stageline-issue',
  namespaceTtl: { defaultSeconds: 86_400, byRole: {} },
  quotaPods: 20,
  limitRange: { defaultRequest: {}, default: {} },
  egress: { cidrs: ['0.0.0.0/0'], except: [], ports: [443] },
  modelApiKey: undefined,
};

const NOW = new Date('2026-06-01T12:00:00.000Z');

function ns(name: string, expiresAt: string, change: Partial<NamespaceSnapshot> = {}, labels: Record<string, string> = {}): NamespaceSnapshot {
  return {
    name,
    uid: name,
    resourceVersion: '1',
    labels: {
      'stageline.dev/managed-by': 'stageline-cluster-agent',
      'stageline.dev/cluster-agent': 'stageline',
      'stageline.dev/namespace-purpose': 'run',
      'stageline.dev/runtime-mode': 'full-env',
      ...labels,
    },
    annotations: { 'stageline.dev/namespace-lease-expires-at': expiresAt },
    creationTimestamp: '2026-06-01T00:00:00.000Z',
    deletionTimestamp: null,
    ...change,
  };
}

describe('pickReusableNamespace (docs/domain.md §5.7 rule 5)', () => {
  it.each<[string, NamespaceSnapshot[], string | undefined]>([
    ['none', [], undefined],
    ['the one with the latest lease wins', [ns('stageline-issue-a', '2026-06-01T13:00:00Z'), ns('stageline-issue-b', '2026-06-02T00:00:00Z')], 'stageline-issue-b'],
    ['an expired lease is not reused', [ns('stageline-issue-a', '2026-06-01T11:59:59Z')], undefined],
    ['a terminating namespace is not reused', [ns('stageline-issue-a', '2026-06-02T00:00:00Z', { deletionTimestamp: '2026-06-01T11:00:00Z' })], undefined],
    ['another installation’s is not reused', [ns('stageline-issue-a', '2026-06-02T00:00:00Z', {}, { 'stageline.dev/cluster-agent': 'green' })], undefined],
    ['a name outside the prefix is not reused', [ns('team-a', '2026-06-02T00:00:00Z')], undefined],
    ['no lease annotation is not reused', [ns('stageline-issue-a', 'never')], undefined],
  ])('%s', (_name, candidates, want) => {
    expect(pickReusableNamespace(candidates, settings, NOW)?.name).toBe(want);
  });
});
