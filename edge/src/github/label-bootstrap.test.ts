import { DEFAULT_LABEL_CATALOG, labelDefinitions } from '@stageline/policy';
import { describe, expect, it } from 'vitest';
import { planLabelBootstrap } from './label-bootstrap.ts';

const defs = labelDefinitions(DEFAULT_LABEL_CATALOG);
const dev = defs.find((d) => d.name === 'run:dev');

describe('planLabelBootstrap', () => {
  it('creates every label on an empty repository', () => {
    const plan = planLabelBootstrap([], defs);
    expect(plan.create).toHaveLength(53);
    expect(plan.update).toEqual([]);
  });

  it('is a no-op when all labels exist as defined', () => {
    const plan = planLabelBootstrap(defs, defs);
    expect(plan).toEqual({ create: [], update: [], kept: defs.map((d) => d.name) });
  });

  it.each([
    ['a user label of another case is kept, never renamed', { name: 'RUN:DEV', color: 'ff0000', description: 'our team' }, 'kept'],
    ['a user label without the Stageline prefix keeps its colour', { name: 'run:dev', color: 'ff0000', description: null }, 'kept'],
    ['our own label is refreshed when its colour differs', { name: 'Run:Dev', color: 'ff0000', description: dev?.description ?? '' }, 'update'],
  ] as const)('%s', (_, existing, expected) => {
    const plan = planLabelBootstrap([existing], defs);
    expect(plan.create).toHaveLength(52);
    if (expected === 'kept') {
      expect(plan.kept).toEqual([existing.name]);
      expect(plan.update).toEqual([]);
    } else {
      expect(plan.update).toEqual([{ name: 'Run:Dev', color: dev?.color, description: dev?.description }]);
    }
  });
});
