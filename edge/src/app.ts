import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env.ts';
import { errorBody } from './lib/http-error.ts';
import { withAgent, withDb, withRoot, withStaff } from './composition/middleware.ts';
import { agentConnect } from './routes/agent-connect.ts';
import { approverCallback } from './routes/approver-callback.ts';
import { telegramWebhook } from './routes/telegram-webhook.ts';
import { staffAuth } from './routes/staff-auth.ts';
import { githubWebhooks } from './routes/github-webhooks.ts';
import { realtime } from './routes/realtime.ts';
import { mcpRoute } from './routes/mcp.ts';
import { runnerApi } from './routes/runner-api.ts';
import { setup } from './routes/setup.ts';
import { staffApi } from './openapi/staff-api.ts';

export function createApp() {
  const app = new Hono<AppEnv>();
  app.use(withRoot);
  // Routes that read Postgres get one pool per request, closed when it is done.
  for (const path of ['/agent/*', '/api/v1/staff/*', '/api/v1/realtime', '/api/v1/approvals/*', '/auth/*', '/runner/*', '/mcp', '/telegram/*']) {
    app.use(path, withDb);
  }
  app.use('/agent/*', withAgent);
  // Every staff read and action, and the console's realtime socket, need a signed-in member.
  app.use('/api/v1/staff/*', withStaff);
  app.use('/api/v1/realtime', withStaff);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/', githubWebhooks);
  app.route('/', agentConnect);
  app.route('/', staffAuth);
  app.route('/', staffApi());
  app.route('/', setup);
  app.route('/', realtime);
  app.route('/', runnerApi);
  app.route('/', mcpRoute);
  app.route('/', approverCallback);
  app.route('/', telegramWebhook);
  app.notFound((c) => c.json(errorBody('not_found', 'no such endpoint'), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // A validator's refusal (e.g. malformed JSON) gets the one error shape; a prepared response goes as is.
      return error.res !== undefined ? error.getResponse() : c.json(errorBody(error.status === 413 ? 'payload_too_large' : error.status >= 500 ? 'internal' : 'invalid_argument', error.message), error.status);
    }
    c.var.log.error('unhandled error', { error, path: c.req.path });
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  return app;
}

export type ApiType = ReturnType<typeof createApp>;
