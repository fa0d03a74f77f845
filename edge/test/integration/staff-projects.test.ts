/** Projects, repositories and members from the console (routes/staff-projects.ts). */
import { describe, expect, it } from 'vitest';
import { seedCluster } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

const send = (me: StaffSession, method: string, path: string, body?: unknown) =>
  staffFetch(me, path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

type Project = { id: string; slug: string; my_role: string | null; label_names: Record<string, string>; repositories: { id: string; full_name: string; unbound_at: string | null }[]; members: { login: string; role: string }[] };
const projectsOf = async (me: StaffSession) => ((await (await staffFetch(me, '/api/v1/staff/projects')).json()) as { items: Project[] }).items;

describe('projects', () => {
  it('a platform admin creates one; a slug is unique; a cluster must exist; others may not', async () => {
    const root = await signedIn({ platformAdmin: true });
    const seeded = await seedCluster();
    const slug = `proj-${crypto.randomUUID().slice(0, 8)}`;
    const created = await send(root, 'POST', '/api/v1/staff/projects', { slug, name: 'Shop', cluster_id: seeded.clusterId, slots: 3 });
    expect(created.status).toBe(201);
    expect((await send(root, 'POST', '/api/v1/staff/projects', { slug, name: 'Again' })).status).toBe(409);
    expect((await send(root, 'POST', '/api/v1/staff/projects', { slug: `${slug}-x`, name: 'X', cluster_id: 'no-such-cluster' })).status).toBe(400);
    expect((await send(root, 'POST', '/api/v1/staff/projects', { slug: 'Bad Slug', name: 'X' })).status).toBe(400);
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    expect((await send(admin, 'POST', '/api/v1/staff/projects', { slug: `${slug}-y`, name: 'Y' })).status).toBe(403);
  });

  it('a project admin changes settings the policy accepts and gets each refusal named; other roles cannot', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const writer = await signedIn({ roles: { [seeded.projectId]: 'read_write' } });
    const stranger = await signedIn({ roles: {} });
    const path = `/api/v1/staff/projects/${seeded.projectId}`;
    expect((await send(admin, 'PATCH', path, { label_names: { 'run:dev': 'ai:dev' }, slots: 4, agent_settings: { engine: 'claude' } })).status).toBe(200);
    expect((await projectsOf(admin)).find((p) => p.id === seeded.projectId)).toMatchObject({ my_role: 'admin', label_names: { 'run:dev': 'ai:dev' } });
    const refused = await send(admin, 'PATCH', path, { label_names: { 'run:dev': 'run:qa' }, agent_settings: { engine: 'notepad' } });
    expect(refused.status).toBe(400);
    const body = await refused.json<{ errors: string[] }>();
    expect(body.errors).toHaveLength(2);
    expect(body.errors.some((e) => e.startsWith('label_names:'))).toBe(true);
    expect(body.errors.some((e) => e.startsWith('agent_settings:'))).toBe(true);
    // Unchanged after the refusal.
    expect((await projectsOf(admin)).find((p) => p.id === seeded.projectId)?.label_names).toEqual({ 'run:dev': 'ai:dev' });
    expect((await send(admin, 'PATCH', path, { cluster_id: seeded.clusterId })).status).toBe(403);
    expect((await send(writer, 'PATCH', path, { slots: 1 })).status).toBe(403);
    expect((await send(stranger, 'PATCH', path, { slots: 1 })).status).toBe(404);
    expect((await send(admin, 'PATCH', path, { unknown: 1 })).status).toBe(400);
    const root = await signedIn({ platformAdmin: true });
    expect((await send(root, 'PATCH', `/api/v1/staff/projects/${crypto.randomUUID()}`, { slots: 1 })).status).toBe(404);
  });

  it('binds, unbinds and rebinds a repository; one bound elsewhere stays there', async () => {
    const seeded = await seedCluster();
    const other = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin', [other.projectId]: 'admin' } });
    const externalId = 700_000_000 + Math.floor(Math.random() * 1e8);
    const bound = await send(admin, 'POST', `/api/v1/staff/projects/${seeded.projectId}/repositories`, { external_id: externalId, full_name: 'octo-org/new-repo' });
    expect(bound.status).toBe(201);
    const { id } = await bound.json<{ id: string }>();
    expect((await send(admin, 'POST', `/api/v1/staff/projects/${other.projectId}/repositories`, { external_id: externalId, full_name: 'octo-org/new-repo' })).status).toBe(409);
    expect((await send(admin, 'DELETE', `/api/v1/staff/projects/${seeded.projectId}/repositories/${id}`)).status).toBe(204);
    expect((await projectsOf(admin)).find((p) => p.id === seeded.projectId)?.repositories.find((r) => r.id === id)?.unbound_at).not.toBeNull();
    expect((await send(admin, 'POST', `/api/v1/staff/projects/${seeded.projectId}/repositories`, { external_id: externalId, full_name: 'octo-org/new-repo' })).status).toBe(201);
    expect((await projectsOf(admin)).find((p) => p.id === seeded.projectId)?.repositories.find((r) => r.id === id)?.unbound_at).toBeNull();
    expect((await send(admin, 'DELETE', `/api/v1/staff/projects/${other.projectId}/repositories/${id}`)).status).toBe(404);
    expect((await send(admin, 'POST', `/api/v1/staff/projects/${seeded.projectId}/repositories`, { external_id: 1, full_name: 'no-slash' })).status).toBe(400);
  });

  it('gives and takes roles; the new member sees the project, and only it', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const newcomer = await signedIn({ roles: {} });
    expect(await projectsOf(newcomer)).toEqual([]);
    const path = `/api/v1/staff/projects/${seeded.projectId}/members/${newcomer.login}`;
    expect((await send(admin, 'PUT', path, { role: 'read' })).status).toBe(200);
    expect((await projectsOf(newcomer)).map((p) => [p.id, p.my_role])).toEqual([[seeded.projectId, 'read']]);
    expect((await send(newcomer, 'PUT', path, { role: 'admin' })).status).toBe(403);
    expect((await send(admin, 'PUT', path, { role: 'owner' })).status).toBe(400);
    expect((await send(admin, 'DELETE', path)).status).toBe(204);
    expect((await send(admin, 'DELETE', path)).status).toBe(404);
    expect(await projectsOf(newcomer)).toEqual([]);
  });
});
