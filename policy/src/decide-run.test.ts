import { describe, expect, it } from 'vitest';
import { decideRun, type RunFacts } from './decide-run.ts';
import { DEFAULT_LABEL_CATALOG as C } from './label-catalog.ts';
import { routeDelivery, type DeliveryFacts, type RunIntent } from './route-delivery.ts';

const delivery: DeliveryFacts = {
  event: 'issues',
  action: 'labeled',
  labelName: 'run:dev',
  senderType: 'User',
  senderLogin: 'octocat',
  botLogin: 'stageline[bot]',
  repositoryBound: true,
  issue: { number: 7, labels: [], isPullRequest: false },
  pullRequest: null,
  reviewState: null,
  installation: null,
};
const facts: RunFacts = {
  actor: { senderType: 'User', senderLogin: 'octocat', permission: 'write', projectRole: null },
  lineage: { candidateNamespace: null, candidateBuildRef: null, hasPriorRun: false },
  activeDiscussion: false,
  lastRunLabels: [],
  defaults: { model: 'gpt-5.4', reasoningEffort: 'high', defaultRef: 'main', productionNamespace: 'shop-prod' },
};

function intentFor(label: string, patch: Partial<DeliveryFacts> = {}): RunIntent {
  const route = routeDelivery({ ...delivery, labelName: label, issue: { number: 7, labels: [label], isPullRequest: false }, ...patch }, C);
  if (route.kind !== 'run') {
    throw new Error(`expected a run route, got ${route.kind}`);
  }
  return route.intent;
}

describe('decideRun', () => {
  it('creates a dev run on a new candidate namespace from the default branch', () => {
    expect(decideRun(intentFor('run:dev'), facts, C)).toMatchObject({
      kind: 'create_run',
      actorReason: 'repository_permission_write',
      profile: { model: 'gpt-5.4', reasoningEffort: 'high' },
      runtime: { mode: 'full-env', targetEnv: 'ai', accessProfile: 'candidate', namespace: null, buildRef: 'main' },
    });
  });

  it('asks for the permission first, and refuses a reader with a comment but no need:input', () => {
    expect(decideRun(intentFor('run:dev'), { ...facts, actor: { ...facts.actor, permission: null } }, C)).toEqual({ kind: 'need_permission', login: 'octocat' });
    const refused = decideRun(intentFor('run:dev'), { ...facts, actor: { ...facts.actor, permission: 'read' } }, C);
    expect(refused).toMatchObject({ kind: 'refuse', reason: 'sender_permission_read_not_permitted', needInput: false, thread: { kind: 'issue', number: 7 } });
    expect(refused.kind === 'refuse' && refused.message).toContain('@octocat');
  });

  it('refuses bots even with write access', () => {
    expect(decideRun(intentFor('run:dev'), { ...facts, actor: { ...facts.actor, senderType: 'Bot' } }, C)).toMatchObject({ kind: 'refuse', reason: 'sender_type_bot_not_permitted' });
  });

  it('refuses a revise on an issue without any earlier run, asking for input', () => {
    expect(decideRun(intentFor('run:plan:revise'), facts, C)).toMatchObject({ kind: 'refuse', reason: 'revise_without_lineage', needInput: true });
    expect(decideRun(intentFor('run:plan:revise'), { ...facts, lineage: { ...facts.lineage, hasPriorRun: true } }, C)).toMatchObject({ kind: 'create_run' });
  });

  it('refuses qa and release without a candidate, and reuses the candidate when there is one', () => {
    for (const label of ['run:qa', 'run:qa:revise', 'run:release', 'run:release:revise']) {
      expect(decideRun(intentFor(label), { ...facts, lineage: { ...facts.lineage, hasPriorRun: true } }, C)).toMatchObject({ kind: 'refuse', reason: 'issue_trigger_candidate_not_found', needInput: true });
    }
    const lineage = { candidateNamespace: 'stageline-issue-x', candidateBuildRef: 'sha1', hasPriorRun: true };
    expect(decideRun(intentFor('run:qa'), { ...facts, lineage }, C)).toMatchObject({ kind: 'create_run', runtime: { namespace: 'stageline-issue-x', buildRef: 'sha1', accessProfile: 'candidate' } });
  });

  it('sends postdeploy and ops to the production namespace, read-only, on the default ref', () => {
    expect(decideRun(intentFor('run:ops'), facts, C)).toMatchObject({ kind: 'create_run', runtime: { targetEnv: 'production', accessProfile: 'production-readonly', namespace: 'shop-prod', buildRef: 'main' } });
  });

  it('refuses two model labels on the issue, with need:input', () => {
    const intent = intentFor('run:dev', { issue: { number: 7, labels: ['run:dev', '[ai-model-gpt-5.2]', '[ai-model-gpt-5.4]'], isPullRequest: false } });
    expect(decideRun(intent, facts, C)).toMatchObject({ kind: 'refuse', reason: 'multiple_model_labels', needInput: true });
  });

  it('uses the issue model label, else the last run hints', () => {
    const intent = intentFor('run:dev', { issue: { number: 7, labels: ['run:dev', '[ai-model-gpt-5.2]'], isPullRequest: false } });
    expect(decideRun(intent, { ...facts, lastRunLabels: ['[ai-reasoning-low]'] }, C)).toMatchObject({ kind: 'create_run', profile: { model: 'gpt-5.2', modelSource: 'issue_label', reasoningEffort: 'low', reasoningSource: 'last_run_context' } });
  });

  it('skips a discussion while another listens, and forces discussions to code-only', () => {
    const intent = intentFor('mode:discussion');
    expect(decideRun(intent, { ...facts, activeDiscussion: true }, C)).toMatchObject({ kind: 'skip', reason: 'discussion_run_active' });
    expect(decideRun(intent, facts, C)).toMatchObject({ kind: 'create_run', runtime: { mode: 'code-only' } });
  });

  it('runs a reviewer on the PR head', () => {
    const route = routeDelivery({ ...delivery, event: 'pull_request', labelName: 'need:reviewer', issue: null, pullRequest: { number: 3, labels: [], headSha: 'feed', headRef: 'b', updatedAt: null } }, C);
    expect(route.kind).toBe('run');
    if (route.kind === 'run') {
      expect(decideRun(route.intent, facts, C)).toMatchObject({ kind: 'create_run', runtime: { buildRef: 'feed', accessProfile: 'candidate' } });
    }
  });
});
