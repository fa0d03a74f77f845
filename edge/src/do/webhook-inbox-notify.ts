import { enqueueGitHub } from '../domain/enqueue-github.ts';
import type { EffectBatch } from '../domain/github-port.ts';
import type { CanceledRun, IngestOutcome } from '../domain/ingest-webhook.ts';
import { announceRuns, publishEvents } from '../domain/publish-events.ts';
import { bootstrapInstalledRepositories, type GitHubAppEnv } from '../github/bootstrap-installation.ts';
import type { Logger } from '../lib/log.ts';

/**
 * After a delivery was committed (answered directly by the route, or drained
 * later by the WebhookInbox): console events; `run.available` for a new run;
 * `run.cancel` for canceled runs an agent held (issue close, a stage label
 * ending a discussion, mode:discussion removed); `issue.cleanup` after an
 * issue close so the cluster deletes its namespaces; and the GitHub writes
 * the decision implies (status comment, eyes, explanations, need:input) to the
 * installation's outbox; the label taxonomy for repositories the App was
 * just installed on. Best effort: agents also claim on connect and on
 * their reconcile tick, and the outbox retries on its own once queued.
 */
export async function notifyIngested(env: Pick<Env, 'CHANNEL' | 'AGENT_HUB' | 'GITHUB_OUTBOX' | 'WEBHOOK_INBOX'> & GitHubAppEnv, outcome: IngestOutcome, log: Logger): Promise<void> {
  const tasks: Promise<unknown>[] = [];
  const github: EffectBatch[] = [];
  switch (outcome.kind) {
    case 'duplicate':
      return;
    case 'ignored':
      if (outcome.github !== null) {
        github.push(outcome.github);
      }
      for (const externalId of outcome.rebound ?? []) {
        tasks.push(env.WEBHOOK_INBOX.get(env.WEBHOOK_INBOX.idFromName(`repo:${externalId}`)).forgetRepository(externalId));
      }
      if (outcome.labelBootstrap !== undefined) {
        tasks.push(bootstrapInstalledRepositories(env, outcome.labelBootstrap, log));
      }
      break;
    case 'accepted':
      tasks.push(publishEvents(env, outcome.events));
      if (outcome.clusterId !== null) {
        tasks.push(...cancelFrames(env, outcome.clusterId, outcome.canceled, 'discussion_ended'));
        tasks.push(announceRuns(env, outcome.clusterId, [outcome.runId]));
      }
      if (outcome.github !== null) {
        github.push(outcome.github);
      }
      github.push(...outcome.canceledGitHub);
      break;
    case 'runs_canceled':
      tasks.push(publishEvents(env, outcome.events));
      if (outcome.clusterId !== null) {
        tasks.push(...cancelFrames(env, outcome.clusterId, outcome.canceled, outcome.reason));
      }
      github.push(...outcome.github);
      break;
    case 'issue_closed':
      tasks.push(publishEvents(env, outcome.events));
      if (outcome.clusterId !== null) {
        tasks.push(...cancelFrames(env, outcome.clusterId, outcome.canceled, 'issue_closed'));
        const hub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(outcome.clusterId));
        tasks.push(hub.broadcast({ type: 'issue.cleanup', projectId: outcome.projectId, issueNumber: outcome.issueNumber, reason: 'issue_closed' }));
      }
      github.push(...outcome.github);
      break;
  }
  if (github.length > 0) {
    tasks.push(enqueueGitHub(env, github, log));
  }
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === 'rejected') {
      log.warn('post-commit notify failed', { outcome: outcome.kind, runId: outcome.kind === 'accepted' ? outcome.runId : undefined, error: result.reason });
    }
  }
}

/** Held runs need their Job deleted; pending ones were never dispatched. */
function cancelFrames(env: Pick<Env, 'AGENT_HUB'>, clusterId: string, canceled: readonly CanceledRun[], reason: string): Promise<unknown>[] {
  const hub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(clusterId));
  return canceled
    .filter((r) => r.previousStatus !== 'pending')
    .map((run) => hub.cancel({ type: 'run.cancel', runId: run.runId, epoch: run.epoch, jobName: run.jobName, namespace: run.namespace, reason }));
}
