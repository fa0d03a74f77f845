// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { makeCluster, makeInstance, makeOpsRun, makeQueueHistory, makeQueueItem, makeRefusedDelivery } from '../../test/fixtures/make-ops.ts';
import type { FetchLike } from './api.ts';
import {
  CLUSTER_ID_PATTERN,
  fetchClusters,
  fetchErrors,
  fetchFailedPage,
  fetchQueue,
  fetchQueueHistory,
  fetchRefusedPage,
  registerCluster,
  rotateClusterToken,
  toOpsRun,
} from './ops-api.ts';

type Call = { url: string; method: string; body: unknown };

function answer(status: number, body: unknown): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
      return Promise.resolve(new Response(JSON.stringify(body), { status }));
    },
  };
}

describe('fetchQueue', () => {
  it('reads the waiting runs with cause, since, waited time and SLA, scoped to a project when asked', async () => {
    const item = makeQueueItem({ cause: 'no_free_slot', sla: 'late', run: makeOpsRun({ wait_reason: null, runner_reason: null }) });
    const server = answer(200, { items: [item] });
    await expect(fetchQueue({ fetch: server.fetch, project: 'p-1' })).resolves.toEqual([item]);
    await fetchQueue({ fetch: server.fetch });
    expect(server.calls.map((call) => call.url)).toEqual(['/api/v1/staff/queue?project=p-1', '/api/v1/staff/queue']);
  });

  it('skips items with an unknown cause or SLA or a broken run', async () => {
    const good = makeQueueItem();
    const server = answer(200, {
      items: [good, { ...good, cause: 'sleeping' }, { ...good, sla: 'fine' }, { ...good, run: { id: 'x' } }, { ...good, waited_ms: 'long' }],
    });
    await expect(fetchQueue({ fetch: server.fetch })).resolves.toEqual([good]);
  });

  it('rejects a body without items', async () => {
    await expect(fetchQueue({ fetch: answer(200, { runs: [] }).fetch })).rejects.toMatchObject({ code: 'invalid_response' });
  });
});

describe('fetchQueueHistory', () => {
  it('asks for the hours and bucket size and reads the buckets', async () => {
    const history = makeQueueHistory(3, (i) => ({ waiting: i, started: 1, mean_wait_ms: 60_000 * i, max_wait_ms: 90_000 }));
    const server = answer(200, history);
    await expect(fetchQueueHistory({ fetch: server.fetch, hours: 24, bucketMinutes: 15, project: 'p-1' })).resolves.toEqual(history);
    expect(server.calls[0]?.url).toBe('/api/v1/staff/queue/history?hours=24&bucket_minutes=15&project=p-1');
  });

  it('turns the 1000-bucket refusal into an error naming the field', async () => {
    const server = answer(400, { error: { code: 'invalid_argument', message: 'at most 1000 buckets: widen bucket_minutes', field: 'bucket_minutes' } });
    await expect(fetchQueueHistory({ fetch: server.fetch, hours: 168, bucketMinutes: 1 })).rejects.toMatchObject({
      status: 400,
      field: 'bucket_minutes',
    });
  });

  it('skips malformed buckets and reads a missing truncated as false', async () => {
    const history = makeQueueHistory(1);
    const { truncated: _truncated, ...rest } = history;
    const server = answer(200, { ...rest, buckets: [...history.buckets, { at: 'x', waiting: 'many' }] });
    await expect(fetchQueueHistory({ fetch: server.fetch, hours: 1, bucketMinutes: 15 })).resolves.toEqual({ ...history, truncated: false });
  });
});

describe('clusters', () => {
  it('lists clusters, skipping broken instances and rows', async () => {
    const cluster = makeCluster({ instances: [makeInstance({ live: false })] });
    const server = answer(200, { items: [{ ...cluster, instances: [...cluster.instances, { instance_id: 1 }] }, { id: 'broken' }] });
    await expect(fetchClusters({ fetch: server.fetch })).resolves.toEqual([cluster]);
  });

  it('registers with the id (and the name when given) and returns the token once', async () => {
    const server = answer(201, { id: 'prod', name: 'Production', token: 'slc_abc' });
    await expect(registerCluster({ id: 'prod', name: ' Production ' }, { fetch: server.fetch })).resolves.toEqual({
      id: 'prod',
      name: 'Production',
      token: 'slc_abc',
    });
    await registerCluster({ id: 'prod', name: '  ' }, { fetch: server.fetch });
    expect(server.calls.map((call) => [call.method, call.url, call.body])).toEqual([
      ['POST', '/api/v1/staff/clusters', { id: 'prod', name: 'Production' }],
      ['POST', '/api/v1/staff/clusters', { id: 'prod' }],
    ]);
  });

  it('reports a taken id as the 409 it is', async () => {
    const server = answer(409, { error: { code: 'conflict', message: 'cluster prod exists; mint a new token for it instead' } });
    await expect(registerCluster({ id: 'prod' }, { fetch: server.fetch })).rejects.toMatchObject({ status: 409, code: 'conflict' });
  });

  it('rotates a token by POST to the cluster’s token path', async () => {
    const server = answer(200, { id: 'prod eu', token: 'slc_new' });
    await expect(rotateClusterToken('prod eu', { fetch: server.fetch })).resolves.toEqual({ id: 'prod eu', name: null, token: 'slc_new' });
    expect(server.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/staff/clusters/prod%20eu/token' });
  });

  it('refuses a token answer without a token', async () => {
    await expect(rotateClusterToken('prod', { fetch: answer(200, { id: 'prod' }).fetch })).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it.each([
    ['prod', true],
    ['prod-eu-1', true],
    ['0', true],
    ['Prod', false],
    ['-prod', false],
    ['prod_eu', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('cluster id %s is %s', (id, valid) => {
    expect(CLUSTER_ID_PATTERN.test(id)).toBe(valid);
  });
});

describe('fetchErrors', () => {
  it('passes the reason filter and limit and reads deliveries and failed runs', async () => {
    const delivery = makeRefusedDelivery({ action: null });
    const run = makeOpsRun({ status: 'failed', runner_reason: 'agent exited 1', status_reason: 'job_failed' });
    const server = answer(200, { refused_deliveries: [delivery, { delivery_id: 5 }], refused_next_cursor: 'r2', failed_runs: [run, { id: 'x' }] });
    await expect(fetchErrors({ fetch: server.fetch, reason: 'repository_not_bound', limit: 50 })).resolves.toEqual({
      refused_deliveries: [delivery],
      refused_next_cursor: 'r2',
      failed_runs: [run],
      failed_next_cursor: null,
    });
    await fetchErrors({ fetch: server.fetch });
    expect(server.calls.map((call) => call.url)).toEqual(['/api/v1/staff/errors?reason=repository_not_bound&limit=50', '/api/v1/staff/errors']);
  });
});

describe('the errors lists page by page', () => {
  it('asks a list\'s own route with the cursor (and the reason), and reads its items and next cursor', async () => {
    const delivery = makeRefusedDelivery();
    const run = makeOpsRun({ status: 'timed_out' });
    const refused = answer(200, { items: [delivery, { delivery_id: 5 }], next_cursor: 'r3' });
    await expect(fetchRefusedPage({ fetch: refused.fetch, reason: 'repository_not_bound', limit: 100, cursor: 'r2' })).resolves.toEqual({ items: [delivery], next_cursor: 'r3' });
    const failed = answer(200, { items: [run], next_cursor: null });
    await expect(fetchFailedPage({ fetch: failed.fetch, limit: 100, cursor: 'f2' })).resolves.toEqual({ items: [run], next_cursor: null });
    expect([...refused.calls, ...failed.calls].map((call) => call.url)).toEqual([
      '/api/v1/staff/errors/refused-deliveries?limit=100&cursor=r2&reason=repository_not_bound',
      '/api/v1/staff/errors/failed-runs?limit=100&cursor=f2',
    ]);
    await expect(fetchFailedPage({ fetch: answer(200, { rows: [] }).fetch, limit: 100, cursor: 'f2' })).rejects.toThrow(/failed runs page/);
  });
});

describe('toOpsRun', () => {
  it('fills wait and runner fields the edge left out with null', () => {
    const { wait_reason: _w, runner_reason: _r, ...bare } = makeOpsRun();
    expect(toOpsRun(bare)).toMatchObject({ wait_reason: null, runner_reason: null });
  });
});
