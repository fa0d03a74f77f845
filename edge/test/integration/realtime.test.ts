import { describe, expect, it } from 'vitest';
import { labeledPayload, postWebhook, wrapSocket, type TestSocket } from '../helpers.ts';
import { platformAdmin, staffFetch } from '../staff.ts';

async function openConsole(lastEventId: number | string): Promise<TestSocket> {
  const res = await staffFetch(await platformAdmin(), `/api/v1/realtime?last_event_id=${lastEventId}`, { headers: { upgrade: 'websocket' } });
  if (res.webSocket === null) {
    throw new Error(`upgrade failed: ${res.status}`);
  }
  return wrapSocket(res.webSocket);
}

async function firstPaint(): Promise<{ items: { id: string; status: string }[]; last_event_id: number }> {
  const res = await staffFetch(await platformAdmin(), '/api/v1/staff/runs?limit=500');
  expect(res.status).toBe(200);
  return res.json();
}

describe('console realtime', () => {
  // First in the file: no console socket may be open yet.
  it('delivers to a console that connected just after a publisher found none listening', async () => {
    // Nobody listens: the repository's inbox learns it and skips its next publishes for a moment (do/channel-state.ts QUIET_MS).
    await postWebhook(JSON.stringify(labeledPayload({ issueNumber: 700 })));
    const { last_event_id } = await firstPaint();
    const socket = await openConsole(last_event_id);
    await socket.next((m) => m.type === 'ready');
    const res = await postWebhook(JSON.stringify(labeledPayload({ issueNumber: 701 })));
    const { runId } = await res.json<{ runId: string }>();
    // Not pushed live: the Channel's catch-up replays it CATCH_UP_DELAY_MS after the socket connected.
    const event = await socket.next((m) => m.type === 'event' && m.topic === 'run.status' && (m.payload as { run: { id: string } }).run.id === runId, 10_000);
    expect(event).toMatchObject({ topic: 'run.status', payload: { run: { id: runId, issue_number: 701 } } });
    socket.ws.close(1000, 'done');
  });

  it('lists runs over HTTP with a cursor', async () => {
    const res = await postWebhook(JSON.stringify(labeledPayload()));
    const { runId } = await res.json<{ runId: string }>();
    const page = await firstPaint();
    expect(page.items.find((r) => r.id === runId)).toMatchObject({ status: 'pending', trigger_label: 'run:dev' });
    expect(page.last_event_id).toBeGreaterThan(0);
  });

  it('streams a new run live to a connected console', async () => {
    const { last_event_id } = await firstPaint();
    const socket = await openConsole(last_event_id);
    await socket.next((m) => m.type === 'ready');
    const res = await postWebhook(JSON.stringify(labeledPayload({ issueNumber: 99 })));
    const { runId } = await res.json<{ runId: string }>();
    const event = await socket.next((m) => m.type === 'event' && m.topic === 'run.status' && (m.payload as { run: { id: string } }).run.id === runId);
    expect(event).toMatchObject({ topic: 'run.status', payload: { run: { id: runId, status: 'pending', issue_number: 99 } } });
    expect(event.id).toBeGreaterThan(last_event_id);
  });

  it('replays what a reconnecting client missed, then says ready', async () => {
    const { last_event_id } = await firstPaint();
    const missed: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await postWebhook(JSON.stringify(labeledPayload({ issueNumber: 500 + i })));
      missed.push((await res.json<{ runId: string }>()).runId);
    }
    const socket = await openConsole(last_event_id);
    const seen: string[] = [];
    for (;;) {
      const m = await socket.next();
      if (m.type === 'ready') {
        expect(m.last_event_id).toBeGreaterThanOrEqual(last_event_id + 3);
        break;
      }
      // The admins' channel carries every topic (inbox.changed too); runs come as run.status.
      if (m.topic === 'run.status') {
        seen.push((m.payload as { run: { id: string } }).run.id);
      }
    }
    expect(seen).toEqual(expect.arrayContaining(missed));
  });

  it('tells a client ahead of the log to reset', async () => {
    const socket = await openConsole(999_999_999);
    expect(await socket.next()).toEqual({ type: 'reset' });
  });

  it.each(['-1', 'abc', '1e3'])('refuses last_event_id=%s with 400', async (value) => {
    const res = await staffFetch(await platformAdmin(), `/api/v1/realtime?last_event_id=${value}`, { headers: { upgrade: 'websocket' } });
    expect(res.status).toBe(400);
  });

  it('refuses a plain GET with 426', async () => {
    expect((await staffFetch(await platformAdmin(), '/api/v1/realtime')).status).toBe(426);
  });
});

describe('staff runs API input', () => {
  it.each([
    ['/api/v1/staff/runs?limit=0', 400],
    ['/api/v1/staff/runs?limit=abc', 400],
    ['/api/v1/staff/runs/not-a-uuid', 400],
    ['/api/v1/staff/runs/00000000-0000-4000-8000-000000000000', 404],
    ['/api/v1/staff/runs/00000000-0000-4000-8000-000000000000/logs?tail_lines=5000', 400],
    ['/api/v1/nope', 404],
  ])('%s -> %i', async (path, status) => {
    const res = await staffFetch(await platformAdmin(), path);
    expect(res.status).toBe(status);
    expect(await res.json()).toHaveProperty('error.code');
  });
});
