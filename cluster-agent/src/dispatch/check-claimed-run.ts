/**
 * The agent re-checks a claimed run before it touches the cluster (docs/domain.md
 * §3.5, "both sides evaluate"): the fields that become label values must be
 * valid ones, and the derived names must be DNS labels.
 */
import { err, isDns1123Label, isLabelValue, ok, runJobName, runNamespaceName, type Result } from '@stageline/policy';
import type { ClaimedRun } from '@stageline/protocol';

export interface RunPlacement {
  namespace: string;
  jobName: string;
}

/** @example checkClaimedRun(run, 'stageline-issue') // ok({ namespace: 'stageline-issue-p1-i7-r…', jobName: 'stageline-run-…-1' }) */
export function checkClaimedRun(run: ClaimedRun, namespacePrefix: string): Result<RunPlacement, string> {
  const labelled: Array<[string, string]> = [
    ['runId', run.runId],
    ['projectId', run.projectId],
    ['agentKey', run.agentKey],
  ];
  for (const [field, value] of labelled) {
    if (!isLabelValue(value)) {
      return err(`${field} ${JSON.stringify(value.slice(0, 80))} is not a valid label value`);
    }
  }
  const namespace = runNamespaceName({ prefix: namespacePrefix, projectId: run.projectId, issueNumber: run.issueNumber, runId: run.runId });
  const jobName = runJobName(run.runId, run.attemptNo);
  if (!isDns1123Label(namespace) || !namespace.startsWith(`${namespacePrefix}-`)) {
    return err(`namespace name ${JSON.stringify(namespace)} is not a valid run namespace`);
  }
  if (!isDns1123Label(jobName)) {
    return err(`job name ${JSON.stringify(jobName)} is not a DNS label`);
  }
  return ok({ namespace, jobName });
}
