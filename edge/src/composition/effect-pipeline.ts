/**
 * Carries out the effects use cases return (domain/effects.ts), after their
 * transaction committed. Every path that commits (direct ingest, inbox drain,
 * reconciler, staff actions, agent frames) hands its effects here, so each
 * channel is wired once.
 *
 * Best effort by design: the state is committed, and every consumer has its
 * own catch-up (agents claim on connect and on their reconcile tick, consoles
 * replay from `last_event_id`, the GitHub outbox retries once a write is
 * queued). A failed effect is logged with its kind and target, never its data.
 */
import { deliverPushes } from '../approvers/deliver-pushes.ts';
import { createDb } from '../db/client.ts';
import { ALL_SCOPE, type RealtimeEvent } from '../db/realtime-repo.ts';
import { readSettings } from '../env.ts';
import { deliverTelegram, readTelegramSettings, telegramApi } from '../telegram/outbox.ts';
import { QUIET_MS } from '../do/channel-state.ts';
import type { Effect } from '../domain/effects.ts';
import { enqueueGitHub } from '../domain/enqueue-github.ts';
import { bootstrapInstalledRepositories, type GitHubAppEnv } from '../github/bootstrap-installation.ts';
import type { Logger } from '../lib/log.ts';
import { agentHubOf, channelOf, webhookInboxOf, type DurableObjectEnv } from './durable-objects.ts';

export type PipelineEnv = DurableObjectEnv & GitHubAppEnv & Pick<Env, 'DATABASE_URL' | 'WS_PROXY'>;

export interface EffectPipeline {
  /** Resolves when every effect was attempted; never rejects. */
  run(effects: readonly Effect[], log?: Logger): Promise<void>;
}

export function createEffectPipeline(env: PipelineEnv, baseLog: Logger): EffectPipeline {
  /** Until when a Channel is known to have no console (do/channel-state.ts QUIET_MS): its publishes are skipped. */
  const quietUntil = new Map<string, number>();
  const publishTo = async (scope: string, events: RealtimeEvent[]): Promise<number> => {
    if (Date.now() < (quietUntil.get(scope) ?? 0)) {
      return 0;
    }
    const listeners = await channelOf(env, scope).publish(events);
    if (listeners === 0) {
      quietUntil.set(scope, Date.now() + QUIET_MS);
    }
    return listeners;
  };
  // Each event goes to its project's channel and to the platform admins' one.
  const publish = async (events: RealtimeEvent[]): Promise<number> => {
    const byScope = new Map<string, RealtimeEvent[]>([[ALL_SCOPE, events]]);
    for (const event of events) {
      byScope.set(event.scope, [...(byScope.get(event.scope) ?? []), event]);
    }
    const counts = await Promise.all([...byScope].map(([scope, list]) => publishTo(scope, list)));
    return counts.reduce((a, b) => a + b, 0);
  };
  return {
    async run(effects, log = baseLog) {
      if (effects.length === 0) {
        return;
      }
      // GitHub writes keep their order (one outbox call after the other); the rest go in parallel.
      const github = effects.flatMap((e) => (e.kind === 'github_writes' ? [e.batch] : []));
      const tasks: { kind: Effect['kind']; target: string | undefined; done: Promise<unknown> }[] = effects.filter((e) => e.kind !== 'github_writes').map((effect) => ({ kind: effect.kind, target: targetOf(effect), done: carryOut(env, effect, log, publish) }));
      if (github.length > 0) {
        // enqueueGitHub logs and swallows its own failures per installation.
        tasks.push({ kind: 'github_writes', target: undefined, done: enqueueGitHub(env, github, log) });
      }
      const results = await Promise.allSettled(tasks.map((t) => t.done));
      results.forEach((result, i) => {
        if (result.status === 'rejected') {
          log.warn('effect failed', { effect: tasks[i]?.kind, target: tasks[i]?.target, error: result.reason });
        }
      });
    },
  };
}

async function carryOut(env: PipelineEnv, effect: Effect, log: Logger, publish: (events: RealtimeEvent[]) => Promise<number>): Promise<unknown> {
  switch (effect.kind) {
    case 'publish_realtime':
      return publish(effect.events);
    case 'close_console_sockets':
      return Promise.all(effect.scopes.map((scope) => channelOf(env, scope).closeSockets(effect.owner, effect.reason)));
    case 'announce_runs':
      return agentHubOf(env, effect.clusterId).announce(effect.runIds);
    case 'agent_broadcast':
      return agentHubOf(env, effect.clusterId).broadcast(effect.frame);
    case 'agent_send':
      return agentHubOf(env, effect.clusterId).sendOne(effect.instanceId, effect.frame);
    case 'deliver_approval_pushes':
      return deliverApprovalPushes(env, effect.pushIds, log);
    case 'telegram_deliver':
      return deliverTelegramCalls(env, effect.ids, log);
    case 'forget_repository':
      return webhookInboxOf(env, effect.repositoryExternalId).forgetRepository(effect.repositoryExternalId);
    case 'bootstrap_labels':
      return bootstrapInstalledRepositories(env, { installationId: effect.installationId, repositories: effect.repositories, labelNames: effect.labelNames }, log);
    case 'github_writes':
      return enqueueGitHub(env, [effect.batch], log);
  }
}

/** Its own short-lived pool: the pipeline runs after the caller's transaction, and maybe after its pool closed. */
async function deliverApprovalPushes(env: PipelineEnv, pushIds: string[], log: Logger): Promise<unknown> {
  const publicUrl = readSettings(env as Env).consoleUrl;
  if (publicUrl === null) {
    log.warn('approval pushes not sent: STAGELINE_CONSOLE_URL (the public origin for callbacks) is not set', { pushes: pushIds.length });
    return 0;
  }
  const handle = createDb(env);
  try {
    const settings = readSettings(env as Env);
    return await deliverPushes({ db: handle.db, now: () => new Date(), dataKey: settings.dataKey, callbackKey: settings.runTokenKey, publicUrl, fetch: (input, init) => fetch(input, init), log }, { ids: pushIds });
  } finally {
    await handle.close();
  }
}

async function deliverTelegramCalls(env: PipelineEnv, ids: string[], log: Logger): Promise<unknown> {
  const settings = readTelegramSettings(env as Env);
  if (settings === null) {
    log.warn('telegram calls not made: the bot is not configured', { calls: ids.length });
    return 0;
  }
  const handle = createDb(env);
  try {
    return await deliverTelegram({ db: handle.db, api: telegramApi(settings), now: () => new Date(), log }, { ids });
  } finally {
    await handle.close();
  }
}

/** Where an effect went, for the log (ids only). */
function targetOf(effect: Effect): string | undefined {
  switch (effect.kind) {
    case 'announce_runs':
    case 'agent_broadcast':
    case 'agent_send':
      return `cluster:${effect.clusterId}`;
    case 'telegram_deliver':
      return `telegram:${effect.ids.length}`;
    case 'github_writes':
      return `installation:${effect.batch.repo.installationId}`;
    case 'forget_repository':
      return `repo:${effect.repositoryExternalId}`;
    case 'bootstrap_labels':
      return `installation:${effect.installationId}`;
    case 'close_console_sockets':
      return `channels:${effect.scopes.length}`;
    default:
      return undefined;
  }
}
