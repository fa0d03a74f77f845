/**
 * Projects, repositories and members from the console (docs/domain.md §8.2):
 * what docs/deploy.md otherwise does with SQL.
 *
 * - `GET /api/v1/staff/projects` — the caller's projects (all for a platform
 *   admin), with repositories, members and settings;
 * - `POST /api/v1/staff/projects` — a new project (platform admins);
 * - `PATCH /api/v1/staff/projects/{projectId}` — name, slots, label names,
 *   agent settings, approval overrides (project admins); the cluster and the
 *   claimed installation (platform admins). Settings are checked by the
 *   policy's parsers before they are stored, so ingest never meets a bad one;
 * - `POST …/repositories`, `DELETE …/repositories/{repositoryId}` — bind and
 *   unbind a repository (project admins);
 * - `PUT …/members/{login}`, `DELETE …/members/{login}` — roles (project admins).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_LABEL_CATALOG, parseAgentSettings, parseApprovalOverrides, platformAccess, readableProjects, withLabelNames } from '@stageline/policy';
import { bindRepository, clusterExists, projectExists, insertProject, listProjects, removeMember, setMember, unbindRepository, updateProject, type ProjectChange } from '../db/project-admin-repo.ts';
import { memberRemovedEffects } from '../domain/console-access.ts';
import { errorBody } from '../lib/http-error.ts';
import { ErrorSchema, errors, json, uuidParam } from '../openapi/schemas.ts';
import { limitBody, SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { refuseUnless } from './staff-guard.ts';

/** `refuseUnless`, and a 404 for a project that does not exist (a platform admin passes the role check for any id). */
async function administerable(c: Parameters<typeof refuseUnless>[0], projectId: string): Promise<Response | null> {
  return refuseUnless(c, projectId, 'administer', 'project') ?? ((await projectExists(c.var.db, projectId)) ? null : c.json(errorBody('not_found', 'project not found'), 404));
}

const LOGIN = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'a GitHub login');
const ROLE = z.enum(['admin', 'read_write', 'read']);
const SLUG = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');
const CLUSTER = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

const ProjectSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    cluster_id: z.string().nullable(),
    slots: z.number().int().nullable(),
    label_names: z.record(z.string(), z.string()),
    agent_settings: z.record(z.string(), z.unknown()),
    approval_overrides: z.array(z.unknown()),
    github_installation_id: z.number().int().nullable(),
    my_role: ROLE.nullable(),
    repositories: z.array(z.object({ id: z.string(), full_name: z.string(), external_id: z.number().int(), unbound_at: z.string().nullable() })),
    members: z.array(z.object({ login: z.string(), role: ROLE })),
  })
  .openapi('Project');

const settingsError = json(ErrorSchema.extend({ errors: z.array(z.string()) }), 'Settings the policy refuses, each error named');
const projectParam = z.object({ projectId: uuidParam('projectId') });

const list = createRoute({ method: 'get', path: '/api/v1/staff/projects', tags: ['projects'], summary: 'The caller\'s projects', security: SESSION_SECURITY, responses: { 200: json(z.object({ items: z.array(ProjectSchema) }), 'Projects'), ...errors(401) } });

const create = createRoute({
  method: 'post',
  path: '/api/v1/staff/projects',
  tags: ['projects'],
  summary: 'A new project (platform admins)',
  security: SESSION_SECURITY,
  middleware: [limitBody(4096)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ slug: SLUG, name: z.string().min(1).max(100), cluster_id: CLUSTER.nullable().optional(), slots: z.number().int().min(0).max(1000).nullable().optional() }).strict() } } } },
  responses: { 201: json(z.object({ id: z.string(), slug: z.string() }), 'Created'), ...errors(400, 401, 403, 409, 413) },
});

const patch = createRoute({
  method: 'patch',
  path: '/api/v1/staff/projects/{projectId}',
  tags: ['projects'],
  summary: 'Change a project (project admins; cluster and installation: platform admins)',
  security: SESSION_SECURITY,
  middleware: [limitBody(32 * 1024)] as const,
  request: {
    params: projectParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              name: z.string().min(1).max(100),
              slots: z.number().int().min(0).max(1000).nullable(),
              label_names: z.record(z.string(), z.string()),
              agent_settings: z.record(z.string(), z.unknown()),
              approval_overrides: z.array(z.unknown()),
              cluster_id: CLUSTER.nullable(),
              github_installation_id: z.number().int().positive().nullable(),
            })
            .partial()
            .strict(),
        },
      },
    },
  },
  responses: { 200: json(z.object({ id: z.string() }), 'Changed'), 400: settingsError, ...errors(401, 403, 404, 409, 413) },
});

const bind = createRoute({
  method: 'post',
  path: '/api/v1/staff/projects/{projectId}/repositories',
  tags: ['projects'],
  summary: 'Bind a GitHub repository (project admins)',
  security: SESSION_SECURITY,
  middleware: [limitBody(2048)] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ external_id: z.number().int().positive(), full_name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'owner/name') }).strict() } } },
  },
  responses: { 201: json(z.object({ id: z.string(), full_name: z.string() }), 'Bound'), ...errors(400, 401, 403, 404, 409, 413) },
});

const unbind = createRoute({
  method: 'delete',
  path: '/api/v1/staff/projects/{projectId}/repositories/{repositoryId}',
  tags: ['projects'],
  summary: 'Unbind a repository; its runs stay (project admins)',
  security: SESSION_SECURITY,
  request: { params: z.object({ projectId: uuidParam('projectId'), repositoryId: uuidParam('repositoryId') }) },
  responses: { 204: { description: 'Unbound' }, ...errors(400, 401, 403, 404) },
});

const loginParam = z.object({ projectId: uuidParam('projectId'), login: LOGIN.openapi({ param: { name: 'login', in: 'path' } }) });

const putMember = createRoute({
  method: 'put',
  path: '/api/v1/staff/projects/{projectId}/members/{login}',
  tags: ['projects'],
  summary: 'Give a GitHub login a role in the project (project admins)',
  security: SESSION_SECURITY,
  middleware: [limitBody(1024)] as const,
  request: { params: loginParam, body: { required: true, content: { 'application/json': { schema: z.object({ role: ROLE }).strict() } } } },
  responses: { 200: json(z.object({ login: z.string(), role: ROLE }), 'The role'), ...errors(400, 401, 403, 404, 413) },
});

const deleteMember = createRoute({
  method: 'delete',
  path: '/api/v1/staff/projects/{projectId}/members/{login}',
  tags: ['projects'],
  summary: 'Take a login\'s role away (project admins)',
  security: SESSION_SECURITY,
  request: { params: loginParam },
  responses: { 204: { description: 'Removed' }, ...errors(400, 401, 403, 404) },
});

export const staffProjects = staffRoutes()
  .openapi(list, async (c) => {
    const scope = readableProjects(c.var.staff);
    const rows = await listProjects(c.var.db, scope.kind === 'all' ? null : scope.ids);
    return c.json(
      {
        items: rows.map(({ project: p, repositories, members }) => ({
          id: p.id,
          slug: p.slug,
          name: p.name,
          cluster_id: p.clusterId,
          slots: p.slots,
          label_names: p.labelNames,
          agent_settings: p.agentSettings,
          approval_overrides: p.approvalOverrides,
          github_installation_id: p.githubInstallationId,
          my_role: c.var.staff.roles.get(p.id) ?? null,
          repositories: repositories.map((r) => ({ id: r.id, full_name: r.fullName, external_id: r.externalId, unbound_at: r.unboundAt?.toISOString() ?? null })),
          members: members.map((m) => ({ login: m.githubLogin, role: m.role })),
        })),
      },
      200,
    );
  })
  .openapi(create, async (c) => {
    if (platformAccess(c.var.staff) !== 'allow') {
      return c.json(errorBody('forbidden', 'only platform admins create projects'), 403);
    }
    const body = c.req.valid('json');
    if (body.cluster_id != null && !(await clusterExists(c.var.db, body.cluster_id))) {
      return c.json(errorBody('invalid_argument', 'no such cluster', 'cluster_id'), 400);
    }
    const row = await insertProject(c.var.db, { slug: body.slug, name: body.name, clusterId: body.cluster_id ?? null, slots: body.slots ?? null });
    if (row === null) {
      return c.json(errorBody('conflict', `project ${body.slug} exists`), 409);
    }
    c.var.log.info('project created', { projectId: row.id, by: c.var.staff.login });
    return c.json({ id: row.id, slug: row.slug }, 201);
  })
  .openapi(patch, async (c) => {
    const { projectId } = c.req.valid('param');
    const body = c.req.valid('json');
    const refused = await administerable(c, projectId);
    if (refused !== null) {
      return refused as never;
    }
    if ((body.cluster_id !== undefined || body.github_installation_id !== undefined) && platformAccess(c.var.staff) !== 'allow') {
      return c.json(errorBody('forbidden', 'only platform admins move a project to another cluster or installation'), 403);
    }
    const problems: string[] = [];
    if (body.label_names !== undefined) {
      const catalog = withLabelNames(DEFAULT_LABEL_CATALOG, body.label_names);
      problems.push(...(catalog.ok ? [] : catalog.error.map((e) => `label_names: ${e}`)));
    }
    if (body.agent_settings !== undefined) {
      problems.push(...parseAgentSettings(body.agent_settings).errors.map((e) => `agent_settings: ${e}`));
    }
    if (body.approval_overrides !== undefined) {
      problems.push(...parseApprovalOverrides(body.approval_overrides).errors.map((e) => `approval_overrides: ${e}`));
    }
    if (body.cluster_id != null && !(await clusterExists(c.var.db, body.cluster_id))) {
      problems.push('cluster_id: no such cluster');
    }
    if (problems.length > 0) {
      return c.json({ ...errorBody('invalid_argument', problems[0] ?? 'invalid settings'), errors: problems }, 400);
    }
    const change: ProjectChange = {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.slots === undefined ? {} : { slots: body.slots }),
      ...(body.label_names === undefined ? {} : { labelNames: body.label_names }),
      ...(body.agent_settings === undefined ? {} : { agentSettings: body.agent_settings }),
      ...(body.approval_overrides === undefined ? {} : { approvalOverrides: body.approval_overrides }),
      ...(body.cluster_id === undefined ? {} : { clusterId: body.cluster_id }),
      ...(body.github_installation_id === undefined ? {} : { githubInstallationId: body.github_installation_id }),
    };
    if (Object.keys(change).length === 0) {
      return c.json({ id: projectId }, 200);
    }
    const updated = await updateProject(c.var.db, projectId, change);
    if (updated === 'installation_taken') {
      return c.json(errorBody('conflict', 'another project claims this installation'), 409);
    }
    c.var.log.info('project changed', { projectId, fields: Object.keys(change), by: c.var.staff.login });
    return c.json({ id: projectId }, 200);
  })
  .openapi(bind, async (c) => {
    const { projectId } = c.req.valid('param');
    const refused = await administerable(c, projectId);
    if (refused !== null) {
      return refused as never;
    }
    const body = c.req.valid('json');
    const [owner = '', name = ''] = body.full_name.split('/');
    const result = await bindRepository(c.var.db, projectId, { externalId: body.external_id, owner, name, fullName: body.full_name });
    if (result.kind === 'elsewhere') {
      return c.json(errorBody('conflict', 'this repository is bound to another project'), 409);
    }
    c.var.log.info('repository bound', { projectId, repositoryId: result.row.id, by: c.var.staff.login });
    return c.json({ id: result.row.id, full_name: result.row.fullName }, 201);
  })
  .openapi(unbind, async (c) => {
    const { projectId, repositoryId } = c.req.valid('param');
    const refused = await administerable(c, projectId);
    if (refused !== null) {
      return refused as never;
    }
    if (!(await unbindRepository(c.var.db, projectId, repositoryId, new Date()))) {
      return c.json(errorBody('not_found', 'repository not found in this project'), 404);
    }
    c.var.log.info('repository unbound', { projectId, repositoryId, by: c.var.staff.login });
    return c.body(null, 204);
  })
  .openapi(putMember, async (c) => {
    const { projectId, login } = c.req.valid('param');
    const refused = await administerable(c, projectId);
    if (refused !== null) {
      return refused as never;
    }
    const { role } = c.req.valid('json');
    await setMember(c.var.db, projectId, login, role);
    c.var.log.info('member role set', { projectId, login: login.toLowerCase(), role, by: c.var.staff.login });
    return c.json({ login: login.toLowerCase(), role }, 200);
  })
  .openapi(deleteMember, async (c) => {
    const { projectId, login } = c.req.valid('param');
    const refused = await administerable(c, projectId);
    if (refused !== null) {
      return refused as never;
    }
    if (!(await removeMember(c.var.db, projectId, login))) {
      return c.json(errorBody('not_found', 'no such member'), 404);
    }
    c.var.log.info('member removed', { projectId, login: login.toLowerCase(), by: c.var.staff.login });
    c.executionCtx.waitUntil(c.var.root.effects.run(memberRemovedEffects(projectId, login), c.var.log));
    return c.body(null, 204);
  });
