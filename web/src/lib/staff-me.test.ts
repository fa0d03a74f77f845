// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { toMe, toRealtimeScopes, type Me } from './staff-me.ts';

const base: Me = { login: 'octocat', name: null, avatar_url: null, platform_admin: false, projects: [] };

describe('toMe', () => {
  it('keeps well-formed projects and skips the rest', () => {
    const me = toMe({
      login: 'octocat',
      name: 'Mona',
      avatar_url: 'https://avatars.example/1',
      platform_admin: false,
      projects: [
        { id: 'p1', slug: 'acme', name: 'Acme', role: 'admin' },
        { id: 'p2', slug: 'beta', name: 'Beta', role: null },
        { id: 'p3', slug: 'bad', name: 'Bad', role: 'owner' },
        { id: 4 },
      ],
    });
    expect(me.projects.map((project) => [project.id, project.role])).toEqual([
      ['p1', 'admin'],
      ['p2', null],
    ]);
    expect(me.name).toBe('Mona');
  });

  it('rejects a body that names nobody', () => {
    expect(() => toMe({ projects: [] })).toThrow(/unexpected shape/);
  });
});

describe('toRealtimeScopes', () => {
  it('gives a platform admin one socket for every project', () => {
    expect(toRealtimeScopes({ ...base, platform_admin: true, projects: [{ id: 'p1', slug: 'a', name: 'A', role: null }] })).toEqual([
      { kind: 'all' },
    ]);
  });

  it('gives a member one socket per project, and none without projects', () => {
    const projects = [
      { id: 'p1', slug: 'a', name: 'A', role: 'read' as const },
      { id: 'p2', slug: 'b', name: 'B', role: 'admin' as const },
    ];
    expect(toRealtimeScopes({ ...base, projects })).toEqual([
      { kind: 'project', projectId: 'p1' },
      { kind: 'project', projectId: 'p2' },
    ]);
    expect(toRealtimeScopes(base)).toEqual([]);
  });
});
