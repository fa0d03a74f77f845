/**
 * The edge's composition root: the one place that reads `Env` and builds
 * what the use cases need from it — settings, the logger, database access,
 * the GitHub App client and the effect pipeline (which owns every Durable
 * Object address, composition/durable-objects.ts). The Worker builds one per
 * request (middleware in composition/middleware.ts), each Durable Object and
 * the cron one for their lifetime. Use cases receive narrowed values, never
 * `Env`.
 */
import { createDb, type DbHandle } from '../db/client.ts';
import { createWarmPool, type WarmPool } from '../db/warm-pool.ts';
import { isGitHubAppConfigured, readGitHubAppSettings, readSettings, type Settings } from '../env.ts';
import { createGitHubApp, type GitHubApp } from '../github/github-app.ts';
import { createLogger, parseLogLevel, type LogFields, type Logger } from '../lib/log.ts';
import { createEffectPipeline, type EffectPipeline } from './effect-pipeline.ts';

export interface EdgeRoot {
  readonly settings: Settings;
  readonly log: Logger;
  readonly effects: EffectPipeline;
  /** The GitHub App (JWT, installation tokens, REST), built on first use; undefined when not configured. */
  githubApp(): GitHubApp | undefined;
  /** A pool for one unit of work (a Worker request); the caller closes it. */
  openDb(): DbHandle;
  /** A pool kept between calls (a Durable Object may hold sockets across events). */
  warmPool(max?: number): WarmPool;
}

/** Settings by `Env` object: its values do not change while the isolate lives, and a Worker builds a root per request. */
const settingsByEnv = new WeakMap<Env, Settings>();

function settingsOf(env: Env): Settings {
  let settings = settingsByEnv.get(env);
  if (settings === undefined) {
    settings = readSettings(env);
    settingsByEnv.set(env, settings);
  }
  return settings;
}

export function createEdgeRoot(env: Env, fields: LogFields = {}): EdgeRoot {
  const settings = settingsOf(env);
  const log = createLogger(fields, parseLogLevel(env.STAGELINE_LOG_LEVEL));
  let app: GitHubApp | undefined | null = null;
  return {
    settings,
    log,
    effects: createEffectPipeline(env, log),
    githubApp() {
      if (app === null) {
        app = isGitHubAppConfigured(env) ? createGitHubApp({ settings: readGitHubAppSettings(env), log, now: Date.now }) : undefined;
      }
      return app;
    },
    openDb: () => createDb(env),
    warmPool: (max) => createWarmPool(env, max),
  };
}
