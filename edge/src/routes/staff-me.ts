/** `GET /api/v1/staff/me`: who is signed in, their projects and roles (docs/domain.md §8.1). */
import { Hono } from 'hono';
import { allProjects, membershipsOf } from '../db/staff-repo.ts';
import type { AppEnv } from '../env.ts';

export const staffMe = new Hono<AppEnv>().get('/api/v1/staff/me', async (c) => {
  const staff = c.var.staff;
  const members = await membershipsOf(c.var.db, staff.login);
  const role = new Map(members.map((m) => [m.projectId, m.role]));
  // A platform admin sees every project; their own membership role, if any, is still shown.
  const projects = staff.platformAdmin ? await allProjects(c.var.db) : members;
  return c.json(
    {
      login: staff.login,
      name: staff.name,
      avatar_url: staff.avatarUrl,
      platform_admin: staff.platformAdmin,
      projects: projects.map((p) => ({ id: p.projectId, slug: p.projectSlug, name: p.projectName, role: role.get(p.projectId) ?? null })),
    },
    200,
    { 'cache-control': 'no-store' },
  );
});
