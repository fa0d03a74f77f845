// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { makeProject } from '../../test/fixtures/make-ops.ts';
import type { FetchLike } from './api.ts';
import {
  bindRepository,
  createProject,
  fetchProjects,
  LOGIN_PATTERN,
  removeMember,
  REPOSITORY_PATTERN,
  setMember,
  unbindRepository,
  updateProject,
} from './projects-api.ts';
import { StaffApiError } from './staff-request.ts';

type Call = { url: string; method: string; body: unknown };

function answer(status: number, body?: unknown): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
      return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status }));
    },
  };
}

describe('fetchProjects', () => {
  it('reads projects with settings, repositories and members', async () => {
    const project = makeProject({
      slots: 3,
      label_names: { 'run:dev': 'ai:dev' },
      agent_settings: { engine: 'claude' },
      approval_overrides: [{ tool: 'secret_sync', mode: 'deny' }],
      my_role: null,
    });
    await expect(fetchProjects({ fetch: answer(200, { items: [project] }).fetch })).resolves.toEqual([project]);
  });

  it('skips projects of the wrong shape, and members or repositories of the wrong shape inside good ones', async () => {
    const project = makeProject();
    const body = {
      items: [
        { ...project, members: [...project.members, { login: 'mona', role: 'owner' }], repositories: [...project.repositories, { id: 1 }] },
        { ...project, id: 'other', label_names: { 'run:dev': 7 } },
        { ...project, id: 'third', my_role: 'superuser' },
      ],
    };
    await expect(fetchProjects({ fetch: answer(200, body).fetch })).resolves.toEqual([project]);
  });
});

describe('project writes', () => {
  it('creates, patches, binds, unbinds and sets and removes members on the edge’s paths', async () => {
    const id = 'b9d6e1c2-0000-4000-8000-000000000001';
    const created = answer(201, { id, slug: 'acme' });
    await expect(createProject({ slug: 'acme', name: 'Acme' }, { fetch: created.fetch })).resolves.toEqual({ id, slug: 'acme' });
    const patched = answer(200, { id });
    await updateProject(id, { slots: 4, agent_settings: { engine: 'codex' } }, { fetch: patched.fetch });
    const bound = answer(201, { id: 'r-1', full_name: 'acme/api' });
    await expect(bindRepository(id, { external_id: 12, full_name: 'acme/api' }, { fetch: bound.fetch })).resolves.toEqual({
      id: 'r-1',
      full_name: 'acme/api',
    });
    const unbound = answer(204);
    await unbindRepository(id, 'r-1', { fetch: unbound.fetch });
    const member = answer(200, { login: 'mona', role: 'read_write' });
    await expect(setMember(id, 'Mona', 'read_write', { fetch: member.fetch })).resolves.toEqual({ login: 'mona', role: 'read_write' });
    const removed = answer(204);
    await removeMember(id, 'mona', { fetch: removed.fetch });

    const calls = [created, patched, bound, unbound, member, removed].map((server) => server.calls[0]);
    expect(calls).toEqual([
      { method: 'POST', url: '/api/v1/staff/projects', body: { slug: 'acme', name: 'Acme' } },
      { method: 'PATCH', url: `/api/v1/staff/projects/${id}`, body: { slots: 4, agent_settings: { engine: 'codex' } } },
      { method: 'POST', url: `/api/v1/staff/projects/${id}/repositories`, body: { external_id: 12, full_name: 'acme/api' } },
      { method: 'DELETE', url: `/api/v1/staff/projects/${id}/repositories/r-1`, body: undefined },
      { method: 'PUT', url: `/api/v1/staff/projects/${id}/members/Mona`, body: { role: 'read_write' } },
      { method: 'DELETE', url: `/api/v1/staff/projects/${id}/members/mona`, body: undefined },
    ]);
  });

  it('names every refused setting of a PATCH', async () => {
    const refused = {
      error: { code: 'invalid_argument', message: 'label_names: unknown label id run:nope' },
      errors: ['label_names: unknown label id run:nope', 'agent_settings: engine must be one of codex, claude'],
    };
    const failure = updateProject('p', { label_names: { 'run:nope': 'x' }, agent_settings: { engine: 'gpt' } }, { fetch: answer(400, refused).fetch });
    await expect(failure).rejects.toBeInstanceOf(StaffApiError);
    await expect(failure).rejects.toMatchObject({ status: 400, errors: refused.errors, message: refused.error.message });
  });

  it.each([
    [403, 'forbidden', 'only platform admins move a project to another cluster or installation'],
    [409, 'conflict', 'this repository is bound to another project'],
  ])('passes a %i through as code %s', async (status, code, message) => {
    const failure = bindRepository('p', { external_id: 1, full_name: 'a/b' }, { fetch: answer(status, { error: { code, message } }).fetch });
    await expect(failure).rejects.toMatchObject({ status, code, message, errors: [] });
  });

  it('checks logins and repository names like the edge', () => {
    expect(['octocat', 'mona-lisa', 'A1'].every((login) => LOGIN_PATTERN.test(login))).toBe(true);
    expect(['-mona', 'mona_lisa', '@mona', 'a'.repeat(40)].some((login) => LOGIN_PATTERN.test(login))).toBe(false);
    expect(REPOSITORY_PATTERN.test('acme/widgets.js')).toBe(true);
    expect(REPOSITORY_PATTERN.test('acme')).toBe(false);
    expect(REPOSITORY_PATTERN.test('acme/wid gets')).toBe(false);
  });
});
