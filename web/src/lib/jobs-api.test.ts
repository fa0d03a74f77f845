import { describe, expect, it } from 'vitest';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { makeRun } from '../../test/fixtures/make-run.ts';
import { fetchRunningJobs, JOBS_MAX_PAGES } from './jobs-api.ts';

describe('fetchRunningJobs', () => {
  it('asks for the statuses that may hold a Job, 500 a page, and follows the cursor to the end', async () => {
    const first = makeRun({ status: 'running', job_name: 'stageline-run-1-1' });
    const second = makeRun({ status: 'waiting_mcp', job_name: 'stageline-run-2-1' });
    const server = createScriptedFetch({
      'GET /api/v1/staff/runs': (call) => {
        const cursor = new URL(call.url, 'http://x').searchParams.get('cursor');
        return cursor === null
          ? { status: 200, body: { items: [first], next_cursor: 'page-2', last_event_id: 7 } }
          : { status: 200, body: { items: [second], next_cursor: null, last_event_id: 7 } };
      },
    });
    expect(await fetchRunningJobs({ fetch: server.fetch })).toEqual([first, second]);
    expect(server.calls.map((call) => call.url)).toEqual([
      '/api/v1/staff/runs?limit=500&status=running%2Cwaiting_mcp%2Cwaiting_backpressure',
      '/api/v1/staff/runs?limit=500&status=running%2Cwaiting_mcp%2Cwaiting_backpressure&cursor=page-2',
    ]);
  });

  it('stops after JOBS_MAX_PAGES when the cursor never ends', async () => {
    const server = createScriptedFetch({
      'GET /api/v1/staff/runs': () => ({ status: 200, body: { items: [], next_cursor: 'again', last_event_id: 1 } }),
    });
    expect(await fetchRunningJobs({ fetch: server.fetch })).toEqual([]);
    expect(server.calls).toHaveLength(JOBS_MAX_PAGES);
  });

  it('fails with the edge’s error', async () => {
    const server = createScriptedFetch({
      'GET /api/v1/staff/runs': () => ({ status: 503, body: { error: { code: 'unavailable', message: 'database down' } } }),
    });
    await expect(fetchRunningJobs({ fetch: server.fetch })).rejects.toThrow('database down');
  });
});
