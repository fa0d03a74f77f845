import { announceRuns, publishEvents } from '../domain/publish-events.ts';
import type { IngestOutcome } from '../domain/ingest-webhook.ts';
import type { Logger } from '../lib/log.ts';

/**
 * After a delivery was committed (answered directly by the route, or drained
 * later by the WebhookInbox): console events, `run.available` for a new run;
 * for an issue close `run.cancel` for canceled runs an agent held, then
 * `issue.cleanup` so the cluster deletes the issue's namespaces. Best effort:
 * agents also claim on connect and on their reconcile tick.
 */
export async function notifyIngested(env: Pick<Env, 'CHANNEL' | 'AGENT_HUB'>, outcome: IngestOutcome, log: Logger): Promise<void> {
  if (outcome.kind !== 'accepted' && outcome.kind !== 'issue_closed') {
    return;
  }
  const tasks: Promise<unknown>[] = [publishEvents(env, outcome.events)];
  if (outcome.kind === 'accepted' && outcome.clusterId !== null) {
    tasks.push(announceRuns(env, outcome.clusterId, [outcome.runId]));
  }
  if (outcome.kind === 'issue_closed' && outcome.clusterId !== null) {
    const hub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(outcome.clusterId));
    for (const run of outcome.canceled.filter((r) => r.previousStatus !== 'pending')) {
      tasks.push(hub.cancel({ type: 'run.cancel', runId: run.runId, epoch: run.epoch, jobName: run.jobName, namespace: run.namespace, reason: 'issue_closed' }));
    }
    tasks.push(hub.broadcast({ type: 'issue.cleanup', projectId: outcome.projectId, issueNumber: outcome.issueNumber, reason: 'issue_closed' }));
  }
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === 'rejected') {
      const fields = outcome.kind === 'accepted' ? { runId: outcome.runId } : { issueNumber: outcome.issueNumber };
      log.warn(outcome.kind === 'accepted' ? 'post-commit notify failed' : 'post-close notify failed', { ...fields, error: result.reason });
    }
  }
}
