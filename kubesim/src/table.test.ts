import { expect, it } from 'vitest';
import { humanDuration, wantsTable } from './table.ts';

it.each([
  [-5000, '<invalid>'],
  [0, '0s'],
  [59_000, '59s'],
  [119_000, '119s'],
  [150_000, '2m30s'],
  [600_000, '10m'],
  [3 * 3600_000 + 5 * 60_000, '3h5m'],
  [30 * 3600_000, '30h'],
  [50 * 3600_000, '2d2h'],
  [30 * 86_400_000, '30d'],
  [3 * 365 * 86_400_000, '3y'],
])('humanDuration(%i) = %s', (ms, text) => {
  expect(humanDuration(ms)).toBe(text);
});

it('recognises the Accept header kubectl get sends', () => {
  expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
  expect(wantsTable('application/json, */*;q=0.8')).toBe(false);
});
