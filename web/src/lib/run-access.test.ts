import { describe, expect, it } from 'vitest';
import { cancelRefusal } from './run-access.ts';
import type { Me } from './staff-me.ts';

const PROJECT = 'b9d6e1c2-0000-4000-8000-000000000001';
const me = (role: 'read' | 'read_write' | 'admin' | null, platformAdmin = false): Me => ({
  login: 'octocat',
  name: null,
  avatar_url: null,
  platform_admin: platformAdmin,
  projects: role === null ? [] : [{ id: PROJECT, slug: 'acme', name: 'Acme', role }],
});

describe('cancelRefusal', () => {
  it('lets read_write, admin and platform admins cancel a run that is still going', () => {
    for (const who of [me('read_write'), me('admin'), me(null, true)]) {
      expect(cancelRefusal(who, { project_id: PROJECT, status: 'running' })).toBeNull();
    }
  });

  it('says why not for a read member, a stranger and a finished run', () => {
    expect(cancelRefusal(me('read'), { project_id: PROJECT, status: 'running' })).toBe('Your role in this project (read) may not cancel runs.');
    expect(cancelRefusal(me(null), { project_id: PROJECT, status: 'running' })).toBe('You have no role in this run’s project.');
    expect(cancelRefusal(me('admin'), { project_id: PROJECT, status: 'succeeded' })).toBe('The run has finished (succeeded).');
  });
});
