/** `GET /api/v1/staff/me`: who is signed in, their projects and roles (docs/domain.md §8.1). */
import { createRoute, z } from '@hono/zod-openapi';
import { allProjects, membershipsOf } from '../db/staff-repo.ts';
import { errors, json } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';

const MeSchema = z
  .object({
    login: z.string(),
    name: z.string().nullable(),
    avatar_url: z.string().nullable(),
    platform_admin: z.boolean(),
    projects: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(['admin', 'read_write', 'read']).nullable() })),
  })
  .openapi('Me');

const me = createRoute({
  method: 'get',
  path: '/api/v1/staff/me',
  tags: ['session'],
  summary: 'The signed-in person, their projects and roles',
  security: SESSION_SECURITY,
  responses: { 200: json(MeSchema, 'The caller'), ...errors(401) },
});

export const staffMe = staffRoutes().openapi(me, async (c) => {
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
