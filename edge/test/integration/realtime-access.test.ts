/**
 * A console socket is authorised once, at join; when that access ends its
 * sockets are closed (domain/console-access.ts): a member removed from the
 * project, a session that signs out. Other members' and sessions' sockets
 * stay, shown by a later event that still reaches them.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, createRun, seedCluster, wrapSocket, type TestSocket } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

async function join(session: StaffSession, projectId: string): Promise<TestSocket> {
  const res = await staffFetch(session, `/api/v1/realtime?last_event_id=0&project=${projectId}`, { headers: { upgrade: 'websocket' } });
  if (res.webSocket === null) {
    throw new Error(`upgrade refused: ${res.status}`);
  }
  const socket = wrapSocket(res.webSocket);
  await socket.next((m) => m.type === 'ready');
  return socket;
}

const sawRun = (socket: TestSocket, runId: string) =>
  socket.next((m) => m.type === 'event' && m.topic === 'run.status' && (m.payload as { run: { id: string } }).run.id === runId, 10_000);

describe('console sockets whose access ended', () => {
  it('a member removed from the project loses their sockets (4403); the other members keep theirs', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const leaver = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const stays = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const gone = await join(leaver, seeded.projectId);
    const kept = await join(stays, seeded.projectId);

    const removed = await staffFetch(admin, `/api/v1/staff/projects/${seeded.projectId}/members/${leaver.login}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await gone.closed).toEqual({ code: 4403, reason: 'removed from the project' });

    const runId = await createRun(seeded.repoExternalId);
    expect(await sawRun(kept, runId)).toMatchObject({ topic: 'run.status' });
    // Joining again is refused like for any outsider.
    const again = await staffFetch(leaver, `/api/v1/realtime?last_event_id=0&project=${seeded.projectId}`, { headers: { upgrade: 'websocket' } });
    expect(again.status).toBe(404);
    kept.ws.close(1000, 'done');
  });

  it('signing out closes that session\'s sockets only; the same person\'s other session stays live', async () => {
    const seeded = await seedCluster();
    const laptop = await signedIn({ roles: { [seeded.projectId]: 'read_write' } });
    const phone = await signedIn({ login: laptop.login, roles: { [seeded.projectId]: 'read_write' } });
    const closing = await join(laptop, seeded.projectId);
    const staying = await join(phone, seeded.projectId);

    const out = await SELF.fetch(`${BASE}/auth/logout`, { method: 'POST', headers: { cookie: `stageline_refresh=${laptop.refresh}; stageline_csrf=${laptop.csrf}`, 'x-csrf-token': laptop.csrf } });
    expect(out.status).toBe(204);
    expect(await closing.closed).toEqual({ code: 4403, reason: 'signed out' });

    const runId = await createRun(seeded.repoExternalId);
    expect(await sawRun(staying, runId)).toMatchObject({ topic: 'run.status' });
    staying.ws.close(1000, 'done');
  });
});
