import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/fixtures/make-run.ts';
import type { FetchLike } from './api.ts';
import { cancelRun, fetchLogHistory, fetchLogTail, fetchRun, fetchTimeline } from './run-detail-api.ts';

type Call = { url: string; init: RequestInit | undefined };

function server(status: number, body: unknown): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, init });
      return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
    },
  };
}

const ID = '4f2a91c0-0000-4000-8000-000000000001';

describe('run page API', () => {
  it('reads one run, and reports a 404 as such', async () => {
    const run = makeRun({ id: ID, pull_request_url: 'https://github.com/acme/widgets/pull/7' });
    const ok = server(200, run);
    await expect(fetchRun(ok.fetch, ID)).resolves.toEqual(run);
    expect(ok.calls[0]?.url).toBe(`/api/v1/staff/runs/${ID}`);
    const missing = server(404, { error: { code: 'not_found', message: 'run not found' } });
    await expect(fetchRun(missing.fetch, ID)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('reads the log tail and history pages', async () => {
    const tail = server(200, { run_id: ID, status: 'running', tail_lines: ['a', 'b'] });
    await expect(fetchLogTail(tail.fetch, ID, 200)).resolves.toEqual({ status: 'running', lines: ['a', 'b'] });
    expect(tail.calls[0]?.url).toBe(`/api/v1/staff/runs/${ID}/logs?tail_lines=200`);

    const history = server(200, { run_id: ID, lines: ['a'], next_after_seq: 4, done: false });
    await expect(fetchLogHistory(history.fetch, ID, null, 100)).resolves.toEqual({ lines: ['a'], nextAfterSeq: 4, done: false });
    await fetchLogHistory(history.fetch, ID, 4, 100);
    expect(history.calls.map((call) => call.url)).toEqual([
      `/api/v1/staff/runs/${ID}/logs/history?limit_chunks=100`,
      `/api/v1/staff/runs/${ID}/logs/history?limit_chunks=100&after_seq=4`,
    ]);
  });

  it('reads the timeline, skipping malformed events', async () => {
    const flow = { id: 1, at: '2026-03-01T10:00:00.000Z', actor_type: 'system', actor_id: null, event_type: 'run.available', payload: {} };
    const event = { attempt_no: 1, seq: 0, at: '2026-03-01T10:00:01.000Z', kind: 'phase', payload: { phase: 'workspace' } };
    const timeline = server(200, { run_id: ID, flow_events: [flow, { id: 'x' }], runner_events: [event, { seq: 'y' }], next_after: '1:0' });
    await expect(fetchTimeline(timeline.fetch, ID, '0:5')).resolves.toEqual({ flowEvents: [flow], runnerEvents: [event], nextAfter: '1:0' });
    expect(timeline.calls[0]?.url).toBe(`/api/v1/staff/runs/${ID}/timeline?limit=500&after=0%3A5`);
  });

  it('cancels with an optional reason, and surfaces a 403', async () => {
    const answer = { run_id: ID, action: 'cancel', previous_status: 'running', current_status: 'canceled', already_terminal: false, job_stop_requested: true };
    const ok = server(200, answer);
    await expect(cancelRun(ok.fetch, ID, '  wrong issue ')).resolves.toEqual({
      previous_status: 'running',
      current_status: 'canceled',
      already_terminal: false,
      job_stop_requested: true,
    });
    expect(ok.calls[0]?.url).toBe(`/api/v1/staff/runs/${ID}/cancel`);
    expect(ok.calls[0]?.init?.method).toBe('POST');
    expect(ok.calls[0]?.init?.body).toBe('{"reason":"wrong issue"}');
    await cancelRun(ok.fetch, ID, '');
    expect(ok.calls[1]?.init?.body).toBe('{}');

    const refused = server(403, { error: { code: 'forbidden', message: 'your role in this project does not allow this (needs read_write)' } });
    await expect(cancelRun(refused.fetch, ID, '')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});
