import { projectAccess } from '@stageline/policy';
import { Hono } from 'hono';
import { channelOf } from '../composition/durable-objects.ts';
import { parseLastEventId } from '../do/channel-state.ts';
import { ALL_SCOPE, projectScope } from '../db/realtime-repo.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Console WebSocket (docs/domain.md §8.4), handed to one channel's object:
 * `?project=<id>` for a project the caller may read, or none for a platform
 * admin's channel of every project. The session cookie came with the
 * upgrade (`withStaff`); the caller's role is checked here at join, and the
 * socket is closed when that access ends (a `close_console_sockets` effect).
 */
export const realtime = new Hono<AppEnv>().get('/api/v1/realtime', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return c.json(errorBody('invalid_argument', 'expected a WebSocket upgrade'), 426);
  }
  if (parseLastEventId(c.req.query('last_event_id') ?? null) === null) {
    return c.json(errorBody('invalid_argument', 'last_event_id must be a non-negative integer', 'last_event_id'), 400);
  }
  const project = c.req.query('project');
  let scope: string;
  if (project === undefined) {
    if (!c.var.staff.platformAdmin) {
      return c.json(errorBody('invalid_argument', 'name a project (?project=<id>); only platform admins follow every project', 'project'), 400);
    }
    scope = ALL_SCOPE;
  } else {
    if (!UUID.test(project)) {
      return c.json(errorBody('invalid_argument', 'project must be a UUID', 'project'), 400);
    }
    if (projectAccess(c.var.staff, project, 'read') !== 'allow') {
      return c.json(errorBody('not_found', 'project not found'), 404);
    }
    scope = projectScope(project);
  }
  const url = new URL(c.req.url);
  url.searchParams.set('scope', scope);
  // Who owns the socket, so it is closed when their access ends (a member removed, a session ended).
  url.searchParams.set('login', c.var.staff.login);
  url.searchParams.set('session', c.var.staff.sessionId);
  return channelOf(c.env, scope).fetch(new Request(url, c.req.raw));
});
