import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_CATALOG as C, withLabelNames } from './label-catalog.ts';
import { labelDefinitions } from './label-definitions.ts';

describe('labelDefinitions', () => {
  it('describes every label once, with a GitHub colour and a description of at most 100 characters', () => {
    const defs = labelDefinitions(C);
    // 28 run:* + 5 state + 8 need + mode + 7 models + 4 reasonings.
    expect(defs).toHaveLength(53);
    expect(new Set(defs.map((d) => d.name.toLowerCase())).size).toBe(defs.length);
    for (const d of defs) {
      expect(d.color).toMatch(/^[0-9a-f]{6}$/);
      expect(d.description.length).toBeGreaterThan(0);
      expect(d.description.length).toBeLessThanOrEqual(100);
    }
    expect(defs.find((d) => d.name === 'need:reviewer')?.description).toContain('reviewer');
  });

  it('uses the configured names', () => {
    const renamed = withLabelNames(C, { 'run:dev': 'ai:dev' });
    expect(renamed.ok && labelDefinitions(renamed.value).some((d) => d.name === 'ai:dev')).toBe(true);
  });
});
