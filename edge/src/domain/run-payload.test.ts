import { decideRun, DEFAULT_LABEL_CATALOG, parseRunSpec, routeDelivery, runLaunchOf, runPayloadSchema, withLabelNames, type LabelCatalog, type RunFacts } from '@stageline/policy';
import { describe, expect, it } from 'vitest';
import { buildRunPayload } from './run-payload.ts';
import { readWebhookFacts, toDeliveryFacts } from './webhook-facts.ts';

const FACTS: RunFacts = {
  actor: { senderLogin: 'octocat', senderType: 'User', permission: 'write', projectRole: null },
  lineage: { candidateNamespace: null, candidateBuildRef: null, hasPriorRun: false },
  activeDiscussion: false,
  lastRunLabels: [],
  defaults: { model: 'gpt-5.4', reasoningEffort: 'high', defaultRef: 'main', productionNamespace: null },
};

function labeled(label: string, extra: Record<string, unknown> = {}) {
  return {
    action: 'labeled',
    label: { name: label },
    sender: { id: 1, login: 'octocat', type: 'User' },
    installation: { id: 42 },
    repository: { id: 7, full_name: 'acme/app', name: 'app', private: true },
    issue: { id: 100, number: 12, title: 'Fix it', html_url: 'https://github.com/acme/app/issues/12', state: 'open', labels: [{ name: label }] },
    ...extra,
  };
}

/** What ingest stores for this delivery (routeDelivery → decideRun → buildRunPayload). */
function built(payload: Record<string, unknown>, catalog: LabelCatalog) {
  const facts = readWebhookFacts(payload);
  if (facts === null) {
    throw new Error('unreadable test payload');
  }
  const route = routeDelivery(toDeliveryFacts('issues', facts, { repositoryBound: true, botLogin: null }), catalog);
  if (route.kind !== 'run') {
    throw new Error(`expected a run, got ${route.kind}`);
  }
  const decision = decideRun(route.intent, FACTS, catalog);
  if (decision.kind !== 'create_run') {
    throw new Error(`expected create_run, got ${decision.kind}`);
  }
  return buildRunPayload({ deliveryId: 'd-1', event: 'issues', payload, receivedAt: new Date('2026-12-04T10:00:00Z') }, facts, decision);
}

describe('buildRunPayload and the run contract', () => {
  it('stores what the contract reads back, through JSON', () => {
    const payload = built(labeled('run:dev'), DEFAULT_LABEL_CATALOG);
    const stored: unknown = JSON.parse(JSON.stringify(payload));
    expect(runPayloadSchema.parse(stored)).toEqual(payload);
    expect(payload).toMatchObject({ repository: { fork: false }, pull_request: null, trigger: { label: 'run:dev', kind: 'dev' }, raw_payload: labeled('run:dev') });
  });

  it('records the launch the project catalog decided: a renamed repair label keeps its repair profile', () => {
    const renamed = withLabelNames(DEFAULT_LABEL_CATALOG, { 'run:ai-repair': 'AI: fix production' });
    if (!renamed.ok) {
      throw new Error(renamed.error.join('; '));
    }
    const payload = built(labeled('AI: fix production'), renamed.value);
    const spec = parseRunSpec(JSON.parse(JSON.stringify(payload)));
    expect(spec.ok && runLaunchOf(spec.value)).toMatchObject({ accessProfile: 'repair', runtimeMode: 'code-only', targetEnv: 'production' });
    expect(payload.trigger).toEqual({ source: 'issue_label', label: 'AI: fix production', kind: 'ai_repair' });
  });
});
