/**
 * What a use case asks the world to do after its transaction committed, as
 * data. Use cases never call Durable Objects, GitHub or sockets themselves:
 * they return these, and the edge's one effect pipeline
 * (composition/effect-pipeline.ts) carries them out on every path (direct
 * ingest, inbox drain, reconciler, staff actions, agent frames). A new
 * channel (Telegram, HTTP approvers) is a new case here and in the pipeline,
 * nowhere else.
 */
import type { EdgeFrame } from '@stageline/protocol';
import type { RealtimeEvent } from '../db/realtime-repo.ts';
import type { SocketOwner } from '../do/channel-state.ts';
import type { EffectBatch } from './github-port.ts';

export type AgentBroadcast = Extract<EdgeFrame, { type: 'run.cancel' | 'issue.cleanup' }>;
export type AgentDirected = Extract<EdgeFrame, { type: 'secret.apply' | 'database.apply' }>;

export type Effect =
  /** Committed console events, to the realtime channel. */
  | { kind: 'publish_realtime'; events: RealtimeEvent[] }
  /** Someone's access to these channels ended (removed from a project, signed out): close their console sockets there. */
  | { kind: 'close_console_sockets'; scopes: string[]; owner: SocketOwner; reason: string }
  /** New runs the cluster's agents may claim. */
  | { kind: 'announce_runs'; clusterId: string; runIds: string[] }
  /**
   * One frame for one agent of the cluster: the preferred instance (a run's
   * lease holder) when it is connected, else any ready agent. May carry a
   * secret value: the pipeline logs only the kind and the cluster.
   */
  | { kind: 'agent_send'; clusterId: string; instanceId: string | null; frame: AgentDirected }
  /** Queued Bot API calls, made now (telegram/outbox.ts; the sweep retries). */
  | { kind: 'telegram_deliver'; ids: string[] }
  /** Queued pushes to HTTP approvers, sent now (approvers/deliver-pushes.ts; the sweep retries). */
  | { kind: 'deliver_approval_pushes'; pushIds: string[] }
  /** A frame for every ready agent of the cluster (cancel a run, clean up an issue). */
  | { kind: 'agent_broadcast'; clusterId: string; frame: AgentBroadcast }
  /** GitHub writes for one installation's outbox. */
  | { kind: 'github_writes'; batch: EffectBatch }
  /** A repository's binding changed: its inbox looks it up again. */
  | { kind: 'forget_repository'; repositoryExternalId: number }
  /** The App was installed on these repositories: queue the label taxonomy there, under the project's label names. */
  | { kind: 'bootstrap_labels'; installationId: number; repositories: readonly { id: number; fullName: string }[]; labelNames: Readonly<Record<string, string>> };

/** A run ended by a close, a stage label or staff, as it was before (its holder is told). */
export interface CanceledRun {
  runId: string;
  previousStatus: string;
  epoch: number;
  jobName: string | null;
  namespace: string | null;
}

/** Held runs need their Job deleted; pending ones were never dispatched, so no agent is told. */
export function cancelFrames(clusterId: string | null, canceled: readonly CanceledRun[], reason: string): Effect[] {
  if (clusterId === null) {
    return [];
  }
  return canceled
    .filter((run) => run.previousStatus !== 'pending')
    .map((run) => ({
      kind: 'agent_broadcast',
      clusterId,
      frame: { type: 'run.cancel', runId: run.runId, epoch: run.epoch, jobName: run.jobName, namespace: run.namespace, reason },
    }));
}

/** Console events as an effect, or nothing when there are none. */
export function realtimeEffects(events: readonly RealtimeEvent[]): Effect[] {
  return events.length === 0 ? [] : [{ kind: 'publish_realtime', events: [...events] }];
}

/** Queued Telegram calls to make now (the cron retries what fails), or nothing. */
export function telegramEffects(ids: readonly string[]): Effect[] {
  return ids.length === 0 ? [] : [{ kind: 'telegram_deliver', ids: [...ids] }];
}

/** GitHub write batches as effects (empty batches dropped). */
export function githubEffects(batches: readonly (EffectBatch | null)[]): Effect[] {
  return batches.filter((b): b is EffectBatch => b !== null && b.effects.length > 0).map((batch) => ({ kind: 'github_writes', batch }));
}
