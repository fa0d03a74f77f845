import { describe, expect, it } from 'vitest';
import { parseRunSpec, runLaunchOf, runPayloadSchema, type RunPayload } from './run-payload.ts';

const payload: RunPayload = {
  source: 'github',
  delivery_id: 'd-1',
  correlation_id: 'd-1',
  event_type: 'issues',
  action: 'labeled',
  received_at: '2026-12-04T10:00:00.000Z',
  installation_id: 42,
  repository: { id: 7, full_name: 'acme/app', name: 'app', private: false, fork: false },
  sender: { id: 1, login: 'octocat' },
  issue: { id: 100, number: 12, title: 'Fix it', html_url: 'https://github.com/acme/app/issues/12', state: 'open' },
  pull_request: null,
  discussion_mode: false,
  trigger: { source: 'issue_label', label: 'AI: repair', kind: 'ai_repair' },
  agent: { key: 'sre' },
  stage: { write_scope: 'any', prompt_kind: 'work', pr_output: false },
  runtime: { mode: 'code-only', source: 'trigger_default', target_env: 'production', namespace: null, build_ref: 'main', access_profile: 'repair' },
  profile: { model: 'gpt-5.4', model_source: 'agent_default', reasoning_effort: 'high', reasoning_source: 'issue_label' },
  profile_hints: { last_run_issue_labels: ['AI: repair'], last_run_pull_request_labels: [] },
  actor: { reason: 'project_member_read_write' },
  raw_payload: { action: 'labeled', issue: { number: 12 } },
};

describe('run payload contract', () => {
  it('reads back what was stored as JSON, raw payload included', () => {
    const stored: unknown = JSON.parse(JSON.stringify(payload));
    expect(runPayloadSchema.parse(stored)).toEqual(payload);
  });

  it('reads a spec without the raw payload (the runner and claim projection)', () => {
    const { raw_payload: _raw, ...spec } = payload;
    expect(parseRunSpec(spec)).toEqual({ ok: true, value: spec });
  });

  it('rejects a payload missing a field, naming it', () => {
    const { runtime: _runtime, ...withoutRuntime } = payload;
    expect(parseRunSpec(withoutRuntime)).toEqual({ ok: false, error: expect.stringContaining('run_payload.runtime') });
    const { profile_hints: _hints, ...withoutHints } = payload;
    expect(runPayloadSchema.safeParse(withoutHints).success).toBe(false);
    expect(parseRunSpec({ ...payload, runtime: { ...payload.runtime, access_profile: undefined } })).toEqual({
      ok: false,
      error: expect.stringContaining('run_payload.runtime.access_profile'),
    });
    expect(parseRunSpec({})).toMatchObject({ ok: false });
    expect(parseRunSpec(null)).toMatchObject({ ok: false });
  });

  it('rejects values outside the policy vocabulary', () => {
    expect(parseRunSpec({ ...payload, runtime: { ...payload.runtime, access_profile: 'admin' } })).toMatchObject({ ok: false });
    expect(parseRunSpec({ ...payload, runtime: { ...payload.runtime, mode: 'full' } })).toMatchObject({ ok: false });
    expect(parseRunSpec({ ...payload, stage: { ...payload.stage, write_scope: 'everything' } })).toMatchObject({ ok: false });
  });

  it('projects the launch decision as decided, never from the trigger kind', () => {
    expect(runLaunchOf(payload)).toEqual({
      runtimeMode: 'code-only',
      targetEnv: 'production',
      accessProfile: 'repair',
      buildRef: 'main',
      namespace: null,
      model: 'gpt-5.4',
      reasoningEffort: 'high',
      writeScope: 'any',
      promptKind: 'work',
      discussion: false,
      pullRequestNumber: null,
    });
    const onPullRequest = { ...payload, pull_request: { id: 5, number: 9, title: 'PR', html_url: null, state: 'open', head: { ref: 'f', sha: 'a' }, base: { ref: 'main', sha: null } } };
    expect(runLaunchOf(onPullRequest).pullRequestNumber).toBe(9);
  });
});
