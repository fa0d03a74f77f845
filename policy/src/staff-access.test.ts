import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProjectRole } from './actor-guard.ts';
import { deciderRoleOf, platformAccess, projectAccess, readableProjects, safeReturnPath, type StaffAccess, type StaffRight } from './staff-access.ts';

const P = 'p1';
const member = (role: ProjectRole): StaffAccess => ({ login: 'm', platformAdmin: false, roles: new Map([[P, role]]) });
const admin: StaffAccess = { login: 'root', platformAdmin: true, roles: new Map() };
const stranger: StaffAccess = { login: 's', platformAdmin: false, roles: new Map([['p2', 'admin']]) };

describe('projectAccess', () => {
  it.each<[string, StaffAccess, StaffRight, string]>([
    ['platform admin reads', admin, 'read', 'allow'],
    ['platform admin administers any project', admin, 'administer', 'allow'],
    ['project admin administers', member('admin'), 'administer', 'allow'],
    ['read_write operates', member('read_write'), 'operate', 'allow'],
    ['read_write may not administer', member('read_write'), 'administer', 'forbidden'],
    ['read reads', member('read'), 'read', 'allow'],
    ['read may not operate', member('read'), 'operate', 'forbidden'],
    ['another project admin sees nothing', stranger, 'read', 'hidden'],
    ['another project admin cannot operate', stranger, 'operate', 'hidden'],
  ])('%s', (_name, access, right, verdict) => {
    expect(projectAccess(access, P, right)).toBe(verdict);
  });

  it('a higher role never has fewer rights than a lower one', () => {
    const roles: ProjectRole[] = ['read', 'read_write', 'admin'];
    const rights: StaffRight[] = ['read', 'operate', 'administer'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...rights), (a, b, right) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const low = projectAccess(member(roles[lo] as ProjectRole), P, right);
        const high = projectAccess(member(roles[hi] as ProjectRole), P, right);
        return low !== 'allow' || high === 'allow';
      }),
    );
  });
});

describe('platform and lists', () => {
  it('only platform admins manage clusters', () => {
    expect(platformAccess(admin)).toBe('allow');
    expect(platformAccess(member('admin'))).toBe('forbidden');
  });

  it('lists the member projects, or all for a platform admin', () => {
    expect(readableProjects(admin)).toEqual({ kind: 'all' });
    expect(readableProjects(member('read'))).toEqual({ kind: 'some', ids: [P] });
  });

  it('maps a caller to the approval matrix role', () => {
    expect(deciderRoleOf(admin, P)).toBe('platform_admin');
    expect(deciderRoleOf(member('read_write'), P)).toBe('read_write');
    expect(deciderRoleOf(stranger, P)).toBeNull();
  });
});

describe('safeReturnPath', () => {
  it.each([
    ['/runs/1?x=2', '/runs/1?x=2'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['runs', '/'],
    ['/a\nb', '/'],
    [null, '/'],
  ])('%s → %s', (raw, expected) => {
    expect(safeReturnPath(raw)).toBe(expected);
  });
});
