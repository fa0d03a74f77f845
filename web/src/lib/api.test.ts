// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/fixtures/make-run.ts';
import { ApiError, fetchRuns, type FetchLike } from './api.ts';

function respond(status: number, body: unknown): { fetch: FetchLike; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (input) => {
      urls.push(input);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return Promise.resolve(new Response(text, { status, headers: { 'content-type': 'application/json' } }));
    },
  };
}

describe('fetchRuns', () => {
  it('asks for the newest 100 runs on the same origin and returns them with the cursor', async () => {
    const run = makeRun();
    const server = respond(200, { items: [run], last_event_id: 17 });
    await expect(fetchRuns({ fetch: server.fetch })).resolves.toEqual({ items: [run], lastEventId: 17, nextCursor: null });
    expect(server.urls).toEqual(['/api/v1/staff/runs?limit=100']);
  });

  it('sends filters and the cursor, and returns the next cursor', async () => {
    const run = makeRun({ wait_reason: 'approval_pending', status_lines: ['Planning'], pull_request_number: 7 });
    const server = respond(200, { items: [run], next_cursor: 'MjAyNi0wMy0wMQ', last_event_id: 3 });
    const params = new URLSearchParams({ status: 'running,waiting_mcp', label: 'run:dev' });
    const list = await fetchRuns({ fetch: server.fetch, limit: 50, params, cursor: 'abc' });
    expect(list).toEqual({ items: [run], lastEventId: 3, nextCursor: 'MjAyNi0wMy0wMQ' });
    expect(server.urls).toEqual(['/api/v1/staff/runs?limit=50&status=running%2Cwaiting_mcp&label=run%3Adev&cursor=abc']);
  });

  it('skips rows that do not match the Run shape', async () => {
    const run = makeRun();
    const server = respond(200, {
      items: [{ id: 'broken' }, run, { ...run, status: 'exploded' }, { ...run, wait_reason: 3 }, { ...run, status_lines: [1] }],
      last_event_id: 1,
    });
    const list = await fetchRuns({ fetch: server.fetch });
    expect(list.items).toEqual([run]);
  });

  it('turns the error envelope into an ApiError', async () => {
    const server = respond(403, { error: { code: 'forbidden', message: 'Not a project member' } });
    const failure = fetchRuns({ fetch: server.fetch });
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 403, code: 'forbidden', message: 'Not a project member' });
  });

  it('reports a non-JSON failure by its status', async () => {
    const server = respond(502, '<html>Bad gateway</html>');
    await expect(fetchRuns({ fetch: server.fetch })).rejects.toMatchObject({ status: 502, code: 'unavailable' });
  });

  it('rejects a 200 body without items or cursor', async () => {
    const server = respond(200, { items: [] });
    await expect(fetchRuns({ fetch: server.fetch })).rejects.toMatchObject({ code: 'invalid_response' });
  });
});
