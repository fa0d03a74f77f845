/**
 * Projects, repositories and members (docs/domain.md §8.2; edge/src/routes/staff-projects.ts):
 *
 *   GET    /api/v1/staff/projects                                   the caller's projects
 *   POST   /api/v1/staff/projects {slug, name, cluster_id?, slots?}  platform admins; 409 slug taken
 *   PATCH  /api/v1/staff/projects/:id {name?, slots?, label_names?, agent_settings?,
 *          approval_overrides?, cluster_id?, github_installation_id?}
 *                                                                  project admins (the last two:
 *                                                                  platform admins); 400 names every
 *                                                                  refused setting in `errors`
 *   POST   /api/v1/staff/projects/:id/repositories {external_id, full_name}   409 bound elsewhere
 *   DELETE /api/v1/staff/projects/:id/repositories/:repositoryId
 *   PUT    /api/v1/staff/projects/:id/members/:login {role}
 *   DELETE /api/v1/staff/projects/:id/members/:login
 *
 * A non-2xx answer throws `StaffApiError` (with `errors` for refused settings).
 */
import type { FetchLike } from './api.ts';
import { isRecord } from './run.ts';
import type { ProjectRole } from './staff-me.ts';
import { invalidResponse, staffRequest } from './staff-request.ts';

export type { ProjectRole };

export const PROJECTS_PATH = '/api/v1/staff/projects';

export const PROJECT_ROLES = ['admin', 'read_write', 'read'] as const satisfies readonly ProjectRole[];

/** What the edge accepts (staff-projects.ts `SLUG`, `LOGIN`, the bind body's `full_name`). */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
export const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

export type ProjectRepository = { id: string; full_name: string; external_id: number; unbound_at: string | null };

export type ProjectMember = { login: string; role: ProjectRole };

export type Project = {
  id: string;
  slug: string;
  name: string;
  cluster_id: string | null;
  /** `null`: the edge's default (`STAGELINE_SLOTS_PER_PROJECT`). */
  slots: number | null;
  label_names: Record<string, string>;
  agent_settings: Record<string, unknown>;
  approval_overrides: unknown[];
  github_installation_id: number | null;
  my_role: ProjectRole | null;
  repositories: ProjectRepository[];
  members: ProjectMember[];
};

/** The fields a PATCH may carry; absent ones stay as they are. */
export type ProjectChange = Partial<
  Pick<Project, 'name' | 'slots' | 'label_names' | 'agent_settings' | 'approval_overrides' | 'cluster_id' | 'github_installation_id'>
>;

export type NewProject = { slug: string; name: string; cluster_id?: string | null; slots?: number | null };

export type ProjectsApiOptions = { fetch: FetchLike; signal?: AbortSignal };

export async function fetchProjects(options: ProjectsApiOptions): Promise<Project[]> {
  const body = await staffRequest(options.fetch, 'GET', PROJECTS_PATH, { signal: options.signal });
  if (!isRecord(body) || !Array.isArray(body['items'])) {
    throw invalidResponse('The projects list');
  }
  return body['items'].map(toProject).filter((project): project is Project => project !== null);
}

export async function createProject(input: NewProject, options: ProjectsApiOptions): Promise<{ id: string; slug: string }> {
  const body = await staffRequest(options.fetch, 'POST', PROJECTS_PATH, { body: input, signal: options.signal });
  if (!isRecord(body) || typeof body['id'] !== 'string' || typeof body['slug'] !== 'string') {
    throw invalidResponse('The new project');
  }
  return { id: body['id'], slug: body['slug'] };
}

export async function updateProject(projectId: string, change: ProjectChange, options: ProjectsApiOptions): Promise<void> {
  await staffRequest(options.fetch, 'PATCH', projectPath(projectId), { body: change, signal: options.signal });
}

export async function bindRepository(
  projectId: string,
  input: { external_id: number; full_name: string },
  options: ProjectsApiOptions,
): Promise<{ id: string; full_name: string }> {
  const body = await staffRequest(options.fetch, 'POST', `${projectPath(projectId)}/repositories`, { body: input, signal: options.signal });
  if (!isRecord(body) || typeof body['id'] !== 'string' || typeof body['full_name'] !== 'string') {
    throw invalidResponse('The bound repository');
  }
  return { id: body['id'], full_name: body['full_name'] };
}

export async function unbindRepository(projectId: string, repositoryId: string, options: ProjectsApiOptions): Promise<void> {
  const path = `${projectPath(projectId)}/repositories/${encodeURIComponent(repositoryId)}`;
  await staffRequest(options.fetch, 'DELETE', path, { signal: options.signal });
}

export async function setMember(projectId: string, login: string, role: ProjectRole, options: ProjectsApiOptions): Promise<ProjectMember> {
  const body = await staffRequest(options.fetch, 'PUT', memberPath(projectId, login), { body: { role }, signal: options.signal });
  const member = toMember(body);
  if (member === null) {
    throw invalidResponse('The member');
  }
  return member;
}

export async function removeMember(projectId: string, login: string, options: ProjectsApiOptions): Promise<void> {
  await staffRequest(options.fetch, 'DELETE', memberPath(projectId, login), { signal: options.signal });
}

export function isProjectRole(value: unknown): value is ProjectRole {
  return typeof value === 'string' && (PROJECT_ROLES as readonly string[]).includes(value);
}

/** One project row; `null` when a field has the wrong type. Repositories and members of the wrong shape are skipped. */
export function toProject(raw: unknown): Project | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { id, slug, name, cluster_id, slots, label_names, agent_settings, approval_overrides, github_installation_id, my_role } = raw;
  if (
    typeof id !== 'string' ||
    typeof slug !== 'string' ||
    typeof name !== 'string' ||
    !(cluster_id === null || typeof cluster_id === 'string') ||
    !(slots === null || Number.isInteger(slots)) ||
    !isStringRecord(label_names) ||
    !isRecord(agent_settings) ||
    !Array.isArray(approval_overrides) ||
    !(github_installation_id === null || Number.isInteger(github_installation_id)) ||
    !(my_role === null || isProjectRole(my_role)) ||
    !Array.isArray(raw['repositories']) ||
    !Array.isArray(raw['members'])
  ) {
    return null;
  }
  return {
    id,
    slug,
    name,
    cluster_id,
    slots: slots as number | null,
    label_names,
    agent_settings,
    approval_overrides,
    github_installation_id: github_installation_id as number | null,
    my_role,
    repositories: raw['repositories'].map(toRepository).filter((repository): repository is ProjectRepository => repository !== null),
    members: raw['members'].map(toMember).filter((member): member is ProjectMember => member !== null),
  };
}

function toRepository(raw: unknown): ProjectRepository | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { id, full_name, external_id, unbound_at } = raw;
  if (typeof id !== 'string' || typeof full_name !== 'string' || !Number.isInteger(external_id) || !(unbound_at === null || typeof unbound_at === 'string')) {
    return null;
  }
  return { id, full_name, external_id: external_id as number, unbound_at };
}

function toMember(raw: unknown): ProjectMember | null {
  return isRecord(raw) && typeof raw['login'] === 'string' && isProjectRole(raw['role']) ? { login: raw['login'], role: raw['role'] } : null;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

function projectPath(projectId: string): string {
  return `${PROJECTS_PATH}/${encodeURIComponent(projectId)}`;
}

function memberPath(projectId: string, login: string): string {
  return `${projectPath(projectId)}/members/${encodeURIComponent(login)}`;
}
