import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardActor, isGitHubLogin, type ActorFacts } from './actor-guard.ts';

const human: ActorFacts = { senderType: 'User', senderLogin: 'octocat', permission: null, projectRole: null };

describe('guardActor (docs/domain.md §2.6)', () => {
  it.each([
    [{ senderType: 'Bot' }, 'sender_type_bot_not_permitted'],
    [{ senderType: 'Organization' }, 'sender_type_organization_not_permitted'],
    [{ senderType: null }, 'sender_type_unknown_not_permitted'],
    [{ senderLogin: '  ' }, 'sender_login_missing'],
    [{ senderLogin: 'a'.repeat(40) }, 'sender_login_invalid'],
    [{ senderLogin: '-octo' }, 'sender_login_invalid'],
    [{ senderLogin: 'octo cat' }, 'sender_login_invalid'],
    [{ senderLogin: 'octo\u0000cat', permission: 'admin' }, 'sender_login_invalid'],
    [{ senderLogin: 'octo/../cat', projectRole: 'admin' }, 'sender_login_invalid'],
    [{ permission: 'read' }, 'sender_permission_read_not_permitted'],
    [{ permission: 'triage' }, 'sender_permission_triage_not_permitted'],
    [{ permission: 'none' }, 'sender_permission_none_not_permitted'],
    [{ permission: 'none', projectRole: 'read' }, 'sender_role_read_not_permitted'],
  ] as const)('denies %o with %s', (patch, reason) => {
    expect(guardActor({ ...human, ...patch })).toMatchObject({ kind: 'denied', reason });
  });

  it.each([
    [{ permission: 'write' }, 'repository_permission_write'],
    [{ permission: 'maintain' }, 'repository_permission_maintain'],
    [{ permission: 'admin' }, 'repository_permission_admin'],
    [{ senderType: 'user', permission: 'write' }, 'repository_permission_write'],
    [{ projectRole: 'read_write' }, 'project_member_read_write'],
    [{ projectRole: 'admin', permission: 'none' }, 'project_member_admin'],
  ] as const)('allows %o as %s', (patch, reason) => {
    expect(guardActor({ ...human, ...patch })).toEqual({ kind: 'allowed', reason });
  });

  it('asks for the permission before deciding a human without a project role, and retries when GitHub cannot say', () => {
    expect(guardActor(human)).toEqual({ kind: 'need_permission' });
    expect(guardActor({ ...human, permission: 'unavailable' })).toEqual({ kind: 'retry', reason: 'sender_permission_unavailable' });
    expect(guardActor({ ...human, permission: 'unavailable', projectRole: 'read' })).toMatchObject({ kind: 'retry' });
  });

  it('never lets anything but a User through, whatever its permission or role', () => {
    fc.assert(
      fc.property(
        fc.string().filter((t) => t.trim().toLowerCase() !== 'user'),
        fc.constantFrom('admin', 'maintain', 'write', 'read', 'none', 'unavailable', null),
        fc.constantFrom('admin', 'read_write', 'read', null),
        (senderType, permission, projectRole) => {
          expect(guardActor({ senderType, senderLogin: 'x', permission, projectRole }).kind).toBe('denied');
        },
      ),
    );
  });

  it('knows a GitHub login by its shape', () => {
    for (const login of ['octocat', 'a', 'Octo-Cat-1', 'a'.repeat(39), 'old--name-', 'stageline[bot]']) {
      expect(isGitHubLogin(login), login).toBe(true);
    }
    for (const login of ['', 'a'.repeat(40), '-x', 'x y', 'x\u0000', 'é', 'x[bot]y', 'x/y']) {
      expect(isGitHubLogin(login), login).toBe(false);
    }
  });
});
