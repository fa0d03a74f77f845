import { describe, expect, it } from 'vitest';
import { namespaceTtlSeconds, type NamespaceTtlConfig } from './namespace-ttl.ts';
import {
  isProjectNamespaceTtlSeconds,
  NAMESPACE_TTL_ROLES,
  parseProjectNamespaceTtl,
  projectNamespaceTtlSeconds,
  runNamespaceTtlSeconds,
  type ProjectNamespaceTtl,
} from './project-namespace-ttl.ts';

const RANGE = 'must be between 10m and 720h (30 days)';
const MALFORMED = 'must be a duration like 24h or 1h30m (units h, m, s)';

describe('parseProjectNamespaceTtl', () => {
  it.each<[string, unknown, ProjectNamespaceTtl | null]>([
    ['default and roles', { default: '24h', by_role: { dev: '48h', qa: '1h30m' } }, { defaultSeconds: 86_400, byRole: { dev: 172_800, qa: 5400 } }],
    ['only a default', { default: '10m' }, { defaultSeconds: 600, byRole: {} }],
    ['only roles', { by_role: { reviewer: '720h' } }, { defaultSeconds: null, byRole: { reviewer: 2_592_000 } }],
    ['nothing set', {}, null],
    ['an empty by_role', { by_role: {} }, null],
  ])('reads %s', (_name, raw, want) => {
    expect(parseProjectNamespaceTtl(raw)).toEqual({ value: want, errors: [] });
  });

  it.each<[string, unknown, string[]]>([
    ['below the minimum', { default: '9m59s' }, [`namespace_ttl.default ${RANGE}`]],
    ['above the maximum', { default: '721h' }, [`namespace_ttl.default ${RANGE}`]],
    ['days (Go has no d unit)', { default: '2d' }, [`namespace_ttl.default ${MALFORMED}`]],
    ['a bare number', { default: '86400' }, [`namespace_ttl.default ${MALFORMED}`]],
    ['a JSON number', { by_role: { dev: 3600 } }, [`namespace_ttl.by_role.dev ${MALFORMED}`]],
    ['an unknown role', { by_role: { designer: '2h' } }, [`namespace_ttl.by_role: unknown agent key designer (one of ${NAMESPACE_TTL_ROLES.join(', ')})`]],
    ['a list of roles', { by_role: ['dev'] }, ['namespace_ttl.by_role must be an object of agent key → duration, e.g. {"dev": "48h"}']],
    ['an unknown key', { defaults: '2h' }, ['unknown namespace_ttl setting defaults']],
    ['a string', '24h', ['namespace_ttl must be an object like {"default": "24h", "by_role": {"dev": "48h"}}']],
  ])('refuses %s', (_name, raw, errors) => {
    expect(parseProjectNamespaceTtl(raw)).toEqual({ value: null, errors });
  });

  it('keeps the good parts next to a bad one', () => {
    expect(parseProjectNamespaceTtl({ default: 'soon', by_role: { dev: '2h', qa: '1m' } })).toEqual({
      value: { defaultSeconds: null, byRole: { dev: 7200 } },
      errors: [`namespace_ttl.default ${MALFORMED}`, `namespace_ttl.by_role.qa ${RANGE}`],
    });
  });

  it('knows every agent the catalog and review runs use', () => {
    expect([...NAMESPACE_TTL_ROLES].sort()).toEqual(['dev', 'em', 'km', 'pm', 'qa', 'reviewer', 'sa', 'sre']);
  });
});

describe('projectNamespaceTtlSeconds: project by_role → project default → null', () => {
  const both: ProjectNamespaceTtl = { defaultSeconds: 3600, byRole: { dev: 7200 } };
  const rolesOnly: ProjectNamespaceTtl = { defaultSeconds: null, byRole: { dev: 7200 } };
  it.each<[string, ProjectNamespaceTtl | null, number | null]>([
    ['dev', both, 7200],
    ['qa', both, 3600],
    ['dev', rolesOnly, 7200],
    ['qa', rolesOnly, null],
    ['dev', null, null],
    // An inherited key is no role.
    ['constructor', rolesOnly, null],
  ])('%s with %j -> %j', (role, ttl, want) => {
    expect(projectNamespaceTtlSeconds(role, ttl)).toBe(want);
  });
});

describe('runNamespaceTtlSeconds: the claim’s project value, else Helm’s', () => {
  const helm: NamespaceTtlConfig = { defaultSeconds: 86_400, byRole: { dev: 172_800 } };
  it.each<[string, number | null | undefined, number]>([
    ['dev', 7200, 7200],
    ['qa', 7200, 7200],
    ['dev', null, 172_800],
    ['qa', undefined, 86_400],
    // Out of the project bounds (a misbehaving edge): Helm decides, nothing is clamped.
    ['dev', 60, 172_800],
    ['qa', 31 * 24 * 3600, 86_400],
    ['qa', 7200.5, 86_400],
  ])('%s with %j -> %i', (role, project, want) => {
    expect(runNamespaceTtlSeconds(role, project, helm)).toBe(want);
    if (project == null) {
      expect(want).toBe(namespaceTtlSeconds(role, helm));
    }
  });

  it('bounds are inclusive', () => {
    expect([599, 600, 2_592_000, 2_592_001].map(isProjectNamespaceTtlSeconds)).toEqual([false, true, true, false]);
  });
});
