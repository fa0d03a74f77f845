/**
 * The staff API as one OpenAPI-described app: every `/api/v1/staff/*` route
 * and the description itself at `GET /api/v1/openapi.json` (docs/domain.md
 * §8.2). The realtime socket and the `/auth/*` sign-in routes are plain Hono
 * routes, described in prose there.
 */
import { staffInbox } from '../routes/staff-inbox.ts';
import { staffMe } from '../routes/staff-me.ts';
import { staffRepositories } from '../routes/staff-repositories.ts';
import { staffRunActions } from '../routes/staff-run-actions.ts';
import { staffRuns } from '../routes/staff-runs.ts';
import { staffRunTimeline } from '../routes/staff-run-timeline.ts';
import { staffTelegram } from '../routes/staff-telegram.ts';
import { staffOps } from '../routes/staff-ops.ts';
import { staffProjects } from '../routes/staff-projects.ts';
import { staffErrors } from '../routes/staff-errors.ts';
import { staffHeld } from '../routes/staff-held.ts';
import { staffRoutes } from './staff-app.ts';

export const OPENAPI_PATH = '/api/v1/openapi.json';
/** Bumped when an answer changes shape; additions keep it. */
export const STAFF_API_VERSION = '1.2.0';

export function staffApi() {
  const api = staffRoutes();
  api.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'stageline_session',
    description: 'The session cookie set by GitHub sign-in (`GET /auth/github/login`). State-changing calls also send `X-CSRF-Token` with the value of the `stageline_csrf` cookie.',
  });
  api.route('/', staffMe).route('/', staffRuns).route('/', staffRunTimeline).route('/', staffRunActions).route('/', staffRepositories).route('/', staffInbox).route('/', staffTelegram).route('/', staffOps).route('/', staffProjects).route('/', staffErrors).route('/', staffHeld);
  api.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: 'Stageline staff API',
      version: STAFF_API_VERSION,
      description: 'What the console reads and does. Every answer that is not 2xx has the shape `{"error": {"code", "message", "field"?}}`. Lists answer the caller\'s projects only; a thing in another project answers 404.',
    },
    servers: [{ url: '/' }],
  });
  return api;
}
