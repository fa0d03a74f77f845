import { describe, expect, it } from 'vitest';
import { canAdministerProject, projectAdminHint } from './ops-access.ts';
import type { Me } from './staff-me.ts';

const base: Me = { login: 'octocat', name: null, avatar_url: null, platform_admin: false, projects: [] };
const project = (role: 'admin' | 'read_write' | 'read' | null) => ({ id: 'p', slug: 'p', name: 'P', role });

describe('canAdministerProject', () => {
  it.each([
    ['a project admin', { ...base, projects: [project('admin')] }, true],
    ['a platform admin without a role', { ...base, platform_admin: true }, true],
    ['a read_write member', { ...base, projects: [project('read_write')] }, false],
    ['a read member', { ...base, projects: [project('read')] }, false],
    ['someone outside the project', base, false],
  ])('%s: %s', (_who, me, allowed) => {
    expect(canAdministerProject(me, 'p')).toBe(allowed);
    expect(projectAdminHint(me, 'p') === null).toBe(allowed);
  });

  it('says which role the person has', () => {
    expect(projectAdminHint({ ...base, projects: [project('read')] }, 'p')).toBe('Only admins of this project can change it (your role is read).');
    expect(projectAdminHint(base, 'p')).toBe('Only admins of this project can change it (you have no role in it).');
  });
});
