/**
 * `GET /api/v1/staff/me` (docs/domain.md §8.2): who is signed in, their
 * projects and roles. A 401 means "not signed in" (staff-fetch.ts has already
 * tried a refresh).
 */
import { ApiError, globalFetch, readJson, toApiError, type FetchLike } from './api.ts';
import type { RealtimeScope } from './realtime.ts';
import { isRecord } from './run.ts';

export const ME_PATH = '/api/v1/staff/me';

export type ProjectRole = 'admin' | 'read_write' | 'read';

export type MeProject = {
  id: string;
  slug: string;
  name: string;
  /** `null`: a platform admin who is not a member of this project. */
  role: ProjectRole | null;
};

export type Me = {
  login: string;
  name: string | null;
  avatar_url: string | null;
  platform_admin: boolean;
  projects: MeProject[];
};

const ROLES: readonly string[] = ['admin', 'read_write', 'read'] satisfies ProjectRole[];

export async function fetchMe(options: { fetch?: FetchLike; signal?: AbortSignal } = {}): Promise<Me> {
  const doFetch = options.fetch ?? globalFetch;
  const response = await doFetch(ME_PATH, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal: options.signal });
  const body = await readJson(response);
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  return toMe(body);
}

/** Parses the body; a project entry of the wrong shape is skipped, a wrong person is fatal. */
export function toMe(body: unknown): Me {
  if (
    !isRecord(body) ||
    typeof body['login'] !== 'string' ||
    typeof body['platform_admin'] !== 'boolean' ||
    !Array.isArray(body['projects'])
  ) {
    throw new ApiError(200, 'invalid_response', 'The signed-in person has an unexpected shape');
  }
  return {
    login: body['login'],
    name: typeof body['name'] === 'string' ? body['name'] : null,
    avatar_url: typeof body['avatar_url'] === 'string' ? body['avatar_url'] : null,
    platform_admin: body['platform_admin'],
    projects: body['projects'].map(toMeProject).filter((project): project is MeProject => project !== null),
  };
}

function toMeProject(raw: unknown): MeProject | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { id, slug, name, role } = raw;
  if (typeof id !== 'string' || typeof slug !== 'string' || typeof name !== 'string') {
    return null;
  }
  if (role !== null && !(typeof role === 'string' && ROLES.includes(role))) {
    return null;
  }
  return { id, slug, name, role: role as ProjectRole | null };
}

/**
 * The realtime sockets the console opens (docs/domain.md §8.4): one channel of
 * every project for a platform admin, else one per project; none without projects.
 */
export function toRealtimeScopes(me: Me): RealtimeScope[] {
  if (me.platform_admin) {
    return [{ kind: 'all' }];
  }
  return me.projects.map((project) => ({ kind: 'project', projectId: project.id }));
}
