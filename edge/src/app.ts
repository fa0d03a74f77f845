import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env.ts';
import { errorBody } from './lib/http-error.ts';
import { withAgent, withDb, withRoot, withStaff } from './composition/middleware.ts';
import { agentConnect } from './routes/agent-connect.ts';
import { approverCallback } from './routes/approver-callback.ts';
import { telegramWebhook } from './routes/telegram-webhook.ts';
import { staffTelegram } from './routes/staff-telegram.ts';
import { staffAuth } from './routes/staff-auth.ts';
import { staffMe } from './routes/staff-me.ts';
import { staffInbox } from './routes/staff-inbox.ts';
import { githubWebhooks } from './routes/github-webhooks.ts';
import { realtime } from './routes/realtime.ts';
import { mcpRoute } from './routes/mcp.ts';
import { runnerApi } from './routes/runner-api.ts';
import { setup } from './routes/setup.ts';
import { staffRepositories } from './routes/staff-repositories.ts';
import { staffRunActions } from './routes/staff-run-actions.ts';
import { staffRuns } from './routes/staff-runs.ts';

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
  app.route('/', staffMe);
  app.route('/', staffRuns);
  app.route('/', staffRunActions);
  app.route('/', staffRepositories);
  app.route('/', setup);
  app.route('/', realtime);
  app.route('/', runnerApi);
  app.route('/', mcpRoute);
  app.route('/', approverCallback);
  app.route('/', telegramWebhook);
  app.route('/', staffTelegram);
  app.route('/', staffInbox);
  app.notFound((c) => c.json(errorBody('not_found', 'no such endpoint'), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return error.getResponse();
    }
    c.var.log.error('unhandled error', { error, path: c.req.path });
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  return app;
}

export type ApiType = ReturnType<typeof createApp>;
