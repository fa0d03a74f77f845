import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig } from './config.ts';

const host = { hostname: 'node-host' };
const base = { STAGELINE_EDGE_URL: 'http://127.0.0.1:8787/', STAGELINE_CLUSTER_TOKEN: 'secret-token' };

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
        databaseAdminUrls: {},
        logLevel: 'info',
        edgeTransport: 'websocket',
        maxRuns: 200,
        installation: 'stageline',
        namespaceTtl: { defaultSeconds: 86400, byRole: {} },
        jobProfiles: {},
        modelApiKey: undefined,
        jobEnv: {},
        runQuotaPods: 20,
        runLimitRange: { defaultRequest: { cpu: '100m', memory: '256Mi' }, default: { cpu: '2', memory: '4Gi' } },
        runEgress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'], ports: [443] },
        podFailureGraceMs: 60_000,
        namespaceCleanup: true,
        namespaceSweepLimit: 200,
        httpPort: 9090,
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
        STAGELINE_INSTALLATION: 'blue-release',
        STAGELINE_NAMESPACE_TTL: '12h',
        STAGELINE_NAMESPACE_TTL_BY_ROLE: '{"dev":"48h","qa":"90m"}',
        STAGELINE_JOB_PROFILES: '{"dev":{"image":"ghcr.io/acme/dev:1","resources":{"limits":{"cpu":"4","memory":"8Gi"}},"nodeSelector":{"pool":"agents"}}}',
        STAGELINE_MODEL_API_KEY: 'sk-model',
        STAGELINE_RUN_QUOTA_PODS: '5',
        STAGELINE_RUN_LIMIT_RANGE: '{"defaultRequest":{"cpu":"50m"},"default":{"cpu":"1"}}',
        STAGELINE_RUN_EGRESS: '{"cidrs":["0.0.0.0/0"],"except":["10.0.0.0/8"],"ports":[443,22]}',
        STAGELINE_POD_FAILURE_GRACE: '2m',
        STAGELINE_RUN_NAMESPACE_CLEANUP: 'false',
        STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT: '50',
        STAGELINE_HTTP_PORT: '0',
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
      installation: 'blue-release',
      namespaceTtl: { defaultSeconds: 43_200, byRole: { dev: 172_800, qa: 5400 } },
      jobProfiles: { dev: { image: 'ghcr.io/acme/dev:1', resources: { limits: { cpu: '4', memory: '8Gi' } }, nodeSelector: { pool: 'agents' } } },
      modelApiKey: 'sk-model',
      runQuotaPods: 5,
      runLimitRange: { defaultRequest: { cpu: '50m' }, default: { cpu: '1' } },
      runEgress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'], ports: [443, 22] },
      podFailureGraceMs: 120_000,
      namespaceCleanup: false,
      namespaceSweepLimit: 50,
      httpPort: 0,
    });
  });

  it('reads one database admin URL per environment from STAGELINE_DB_ADMIN_URL_<ENV>', () => {
    const result = parseConfig({ ...base, STAGELINE_DB_ADMIN_URL_DEV: 'postgres://a@dev/postgres', STAGELINE_DB_ADMIN_URL_PROD_EU: 'postgres://b@eu/postgres' }, host);
    expect(result.ok && result.value.databaseAdminUrls).toEqual({ dev: 'postgres://a@dev/postgres', 'prod-eu': 'postgres://b@eu/postgres' });
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
    [{ ...base, STAGELINE_INSTALLATION: 'no/slash' }, ['STAGELINE_INSTALLATION: expected a Kubernetes label value (at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends)']],
    [{ ...base, STAGELINE_NAMESPACE_TTL: 'forever' }, ['STAGELINE_NAMESPACE_TTL: expected a duration like 24h, got "forever"']],
    [{ ...base, STAGELINE_NAMESPACE_TTL_BY_ROLE: '{"dev":"long"}' }, ['STAGELINE_NAMESPACE_TTL_BY_ROLE: dev: expected a duration like 12h (e.g. {"dev":"48h"})']],
    [{ ...base, STAGELINE_JOB_PROFILES: '{"dev":{"imag":"x"}}' }, [expect.stringMatching(/^STAGELINE_JOB_PROFILES: dev: Unrecognized key: "imag"/)]],
    [{ ...base, STAGELINE_JOB_PROFILES: '{"dev":{"resources":{"limits":{"cpu":"lots"}}}}' }, [expect.stringMatching(/^STAGELINE_JOB_PROFILES: dev.resources.limits.cpu: expected a resource quantity/)]],
    [{ ...base, STAGELINE_RUN_LIMIT_RANGE: 'cpu=1' }, [expect.stringMatching(/^STAGELINE_RUN_LIMIT_RANGE: expected JSON, e.g. /)]],
    [{ ...base, STAGELINE_RUN_EGRESS: '{"cidrs":["203.0.113.0/24"],"except":["10.0.0.0/8"],"ports":[443]}' }, [expect.stringMatching(/^STAGELINE_RUN_EGRESS: every "except" entry must lie strictly inside one of "cidrs"/)]],
    [{ ...base, STAGELINE_RUN_EGRESS: '{"cidrs":["0.0.0.0/0"],"ports":[70000]}' }, [expect.stringMatching(/^STAGELINE_RUN_EGRESS: ports.0: /)]],
    [{ ...base, STAGELINE_RUN_NAMESPACE_CLEANUP: 'yes' }, ['STAGELINE_RUN_NAMESPACE_CLEANUP: expected true or false']],
  ])('rejects %j with clear issues', (env, issues) => {
    expect(parseConfig(env, host)).toEqual({ ok: false, error: { kind: 'invalid_config', issues } });
  });

  it.each([
    ['STAGELINE_CLAIM_LIMIT', '0'],
    ['STAGELINE_CLAIM_LIMIT', 'ten'],
    ['STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS', '-1'],
    ['STAGELINE_LOG_LEVEL', 'verbose'],
    ['STAGELINE_HTTP_PORT', '70000'],
    ['STAGELINE_RUN_QUOTA_PODS', '0'],
    ['STAGELINE_POD_FAILURE_GRACE', 'later'],
    ['STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT', '-3'],
  ])('rejects %s=%s naming the variable', (key, value) => {
    const result = parseConfig({ ...base, [key]: value }, host);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.issues.join('\n')).toMatch(new RegExp(`^${key}: `));
  });

  it('never echoes the model API key', () => {
    const result = parseConfig({ ...base, STAGELINE_MODEL_API_KEY: 'sk-do-not-print', STAGELINE_HTTP_PORT: 'x' }, host);
    expect(!result.ok && formatConfigError(result.error)).not.toContain('sk-do-not-print');
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
