import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig, parseDurationMs } from './config.ts';

const host = { hostname: 'node-host' };
const base = { STAGELINE_EDGE_URL: 'http://127.0.0.1:8787/', STAGELINE_CLUSTER_TOKEN: 'secret-token' };

describe('parseDurationMs', () => {
  it.each([
    ['5000', 5000],
    ['5s', 5000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2m', 120_000],
  ])('%s -> %i', (text, want) => expect(parseDurationMs(text)).toBe(want));

  it.each(['', 's', '5 s', '5d', '-5s', '1m-3s', 'abc'])('rejects %j', (text) => expect(parseDurationMs(text)).toBeUndefined());
});

describe('parseConfig', () => {
  it('fills the Appendix B defaults', () => {
    const result = parseConfig(base, host);
    expect(result).toEqual({
      ok: true,
      value: {
        edgeUrl: 'http://127.0.0.1:8787',
        edgeSocketUrl: 'ws://127.0.0.1:8787/agent/connect',
        edgeFramesUrl: 'http://127.0.0.1:8787/agent/v1/frames',
        clusterToken: 'secret-token',
        instanceId: 'node-host',
        runNamespacePrefix: 'stageline-issue',
        jobImage: 'ghcr.io/stageline/runner:latest',
        jobCommand: ['stageline-runner'],
        jobActiveDeadlineSeconds: 18000,
        jobTtlSeconds: 600,
        reconcileIntervalMs: 5000,
        heartbeatIntervalMs: 15000,
        claimLimit: 10,
        logLevel: 'info',
      },
    });
    expect(result.ok && Object.isFrozen(result.value)).toBe(true);
  });

  it('reads every variable', () => {
    const result = parseConfig(
      {
        STAGELINE_EDGE_URL: 'https://edge.example.com/base',
        STAGELINE_CLUSTER_TOKEN: 't',
        STAGELINE_INSTANCE_ID: 'c9/agent-0',
        STAGELINE_RUN_NAMESPACE_PREFIX: 'sl',
        STAGELINE_JOB_IMAGE: 'runner:1',
        STAGELINE_JOB_COMMAND: '["node","-e","1"]',
        STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS: '60',
        STAGELINE_JOB_TTL_SECONDS: '0',
        STAGELINE_RECONCILE_INTERVAL: '250',
        STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL: '1m',
        STAGELINE_CLAIM_LIMIT: '3',
        STAGELINE_LOG_LEVEL: 'debug',
      },
      host,
    );
    expect(result.ok && result.value).toMatchObject({
      edgeSocketUrl: 'wss://edge.example.com/base/agent/connect',
      edgeFramesUrl: 'https://edge.example.com/base/agent/v1/frames',
      instanceId: 'c9/agent-0',
      runNamespacePrefix: 'sl',
      jobImage: 'runner:1',
      jobCommand: ['node', '-e', '1'],
      jobActiveDeadlineSeconds: 60,
      jobTtlSeconds: 0,
      reconcileIntervalMs: 250,
      heartbeatIntervalMs: 60_000,
      claimLimit: 3,
      logLevel: 'debug',
    });
  });

  it('prefers HOSTNAME from the environment (the pod name)', () => {
    const result = parseConfig({ ...base, HOSTNAME: 'agent-7d9f' }, host);
    expect(result.ok && result.value.instanceId).toBe('agent-7d9f');
  });

  it('treats empty strings as unset', () => {
    const result = parseConfig({ ...base, STAGELINE_CLAIM_LIMIT: '', STAGELINE_LOG_LEVEL: '' }, host);
    expect(result.ok && result.value.claimLimit).toBe(10);
  });

  it.each([
    [{}, ['STAGELINE_EDGE_URL: required (http(s) base URL of the edge)', 'STAGELINE_CLUSTER_TOKEN: required']],
    [{ ...base, STAGELINE_EDGE_URL: 'ftp://x' }, ['STAGELINE_EDGE_URL: expected an http(s) URL']],
    [{ ...base, STAGELINE_JOB_COMMAND: 'stageline-runner' }, ['STAGELINE_JOB_COMMAND: expected a JSON array of non-empty strings, e.g. ["stageline-runner"]']],
    [{ ...base, STAGELINE_RECONCILE_INTERVAL: 'soon' }, ['STAGELINE_RECONCILE_INTERVAL: expected milliseconds or a duration like 5s, got "soon"']],
    [{ ...base, STAGELINE_RUN_NAMESPACE_PREFIX: 'Bad_Prefix' }, ['STAGELINE_RUN_NAMESPACE_PREFIX: expected a DNS label of at most 30 characters']],
  ])('rejects %j with clear issues', (env, issues) => {
    expect(parseConfig(env, host)).toEqual({ ok: false, error: { kind: 'invalid_config', issues } });
  });

  it.each([
    ['STAGELINE_CLAIM_LIMIT', '0'],
    ['STAGELINE_CLAIM_LIMIT', 'ten'],
    ['STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS', '-1'],
    ['STAGELINE_LOG_LEVEL', 'verbose'],
  ])('rejects %s=%s naming the variable', (key, value) => {
    const result = parseConfig({ ...base, [key]: value }, host);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.issues.join('\n')).toMatch(new RegExp(`^${key}: `));
  });

  it('formats issues without echoing values', () => {
    const result = parseConfig({ STAGELINE_CLUSTER_TOKEN: 'do-not-print', STAGELINE_EDGE_URL: 'nope' }, host);
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : formatConfigError(result.error);
    expect(text).toContain('invalid configuration');
    expect(text).toContain('STAGELINE_EDGE_URL');
    expect(text).not.toContain('do-not-print');
  });
});
