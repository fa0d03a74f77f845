import { describe, expect, it } from 'vitest';
import { decideReadiness, type ReadinessInput } from './readiness.ts';

const base: ReadinessInput = { now: 100_000, windowMs: 30_000, edge: { lastContactAt: 95_000, compatible: true }, kubeOk: true };

describe('decideReadiness', () => {
  it.each<[string, Partial<ReadinessInput>, ReturnType<typeof decideReadiness>]>([
    ['healthy', {}, { ready: true }],
    ['contact exactly at the window edge', { edge: { lastContactAt: 70_000, compatible: true } }, { ready: true }],
    ['edge silent for longer than the window', { edge: { lastContactAt: 69_999, compatible: true } }, { ready: false, reason: 'edge_unreachable' }],
    ['never welcomed', { edge: { lastContactAt: undefined, compatible: undefined } }, { ready: false, reason: 'edge_unreachable' }],
    ['incompatible edge', { edge: { lastContactAt: 99_000, compatible: false } }, { ready: false, reason: 'edge_incompatible' }],
    ['last API call failed', { kubeOk: false }, { ready: false, reason: 'kubernetes_api_failing' }],
    ['no API call yet', { kubeOk: undefined }, { ready: false, reason: 'kubernetes_api_unchecked' }],
  ])('%s', (_name, change, want) => {
    expect(decideReadiness({ ...base, ...change })).toEqual(want);
  });
});
