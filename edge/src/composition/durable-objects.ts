/**
 * The one place that turns a name into a Durable Object stub. Every object's
 * naming rule lives here, so two callers can never address "the same" object
 * under two spellings (e.g. `repo:42` vs `42`).
 */
import type { AgentHub } from '../do/agent-hub.ts';
import type { Channel } from '../do/channel.ts';
import type { GitHubOutbox } from '../do/github-outbox.ts';
import type { WebhookInbox } from '../do/webhook-inbox.ts';

/**
 * Ids by name, per namespace: an id is a plain value (hashing the name costs a
 * little on every call), while a stub is bound to the request that made it.
 */
const ids = new WeakMap<DurableObjectNamespace, Map<string, DurableObjectId>>();

function idOf(namespace: DurableObjectNamespace, name: string): DurableObjectId {
  let byName = ids.get(namespace);
  if (byName === undefined) {
    byName = new Map();
    ids.set(namespace, byName);
  }
  let id = byName.get(name);
  if (id === undefined) {
    if (byName.size >= 10_000) {
      byName.clear();
    }
    id = namespace.idFromName(name);
    byName.set(name, id);
  }
  return id;
}

export type DurableObjectEnv = Pick<Env, 'AGENT_HUB' | 'CHANNEL' | 'GITHUB_OUTBOX' | 'WEBHOOK_INBOX'>;

/** The sockets of one cluster's agents. */
export function agentHubOf(env: Pick<Env, 'AGENT_HUB'>, clusterId: string): DurableObjectStub<AgentHub> {
  return env.AGENT_HUB.get(idOf(env.AGENT_HUB, clusterId));
}

/** The console fan-out of one scope: a project's, or platform admins' `all` (db/realtime-repo.ts). */
export function channelOf(env: Pick<Env, 'CHANNEL'>, scope: string): DurableObjectStub<Channel> {
  return env.CHANNEL.get(idOf(env.CHANNEL, scope));
}

/** The ordered, rate-limited GitHub writes of one App installation. */
export function githubOutboxOf(env: Pick<Env, 'GITHUB_OUTBOX'>, installationId: number): DurableObjectStub<GitHubOutbox> {
  return env.GITHUB_OUTBOX.get(idOf(env.GITHUB_OUTBOX, String(installationId)));
}

/** The in-order webhook inbox of one repository (by GitHub's repository id; `null`: deliveries without one). */
export function webhookInboxOf(env: Pick<Env, 'WEBHOOK_INBOX'>, repositoryExternalId: number | null): DurableObjectStub<WebhookInbox> {
  return env.WEBHOOK_INBOX.get(idOf(env.WEBHOOK_INBOX, repositoryExternalId === null ? 'repo:none' : `repo:${repositoryExternalId}`));
}

/** The repository id a webhook payload names, which picks its inbox. */
export function repositoryIdOf(payload: object): number | null {
  const repository = 'repository' in payload ? payload.repository : undefined;
  const id = typeof repository === 'object' && repository !== null && 'id' in repository ? repository.id : undefined;
  return typeof id === 'number' ? id : null;
}
