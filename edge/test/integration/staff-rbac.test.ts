/**
 * The staff RBAC matrix (docs/domain.md §8.1): every staff route × every kind
 * of caller. Members of the project read; `read_write` also operates; `admin`
 * also administers; a member of another project gets 404 (existence must not
 * leak); signed out, expired, forged or revoked sessions get 401.
 */
import { approvalRequests, interactionRequests, repositories, staffSessions } from '@stageline/db';
import { env, SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { githubOutboxOf } from '../../src/composition/durable-objects.ts';
import { parkOne, repair } from '../held.ts';
import { BASE, createRun, onGitHub, seedCluster, withDb } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

type Caller = 'platform_admin' | 'admin' | 'read_write' | 'read' | 'other_project' | 'signed_out' | 'expired' | 'forged' | 'revoked';
const CALLERS: Caller[] = ['platform_admin', 'admin', 'read_write', 'read', 'other_project', 'signed_out', 'expired', 'forged', 'revoked'];

interface World {
  projectId: string;
  spareRepoId: number;
  clusterId: string;
  runId: string;
  repositoryId: string;
  approvalId: string;
  questionId: string;
  /** Held work (routes/staff-held.ts): two parked deliveries and two dead writes of the project's repository. */
  repoExternalId: number;
  installationId: number;
  parked: [number, number];
  dead: [number, number];
  sessions: Record<Caller, StaffSession | null>;
}

let world: World;

/** A session that is well-formed but must not count. */
async function spoiled(kind: 'expired' | 'forged' | 'revoked', projectId: string): Promise<StaffSession> {
  const base = await signedIn({ roles: { [projectId]: 'admin' }, now: kind === 'expired' ? new Date(Date.now() - 3_600_000) : new Date() });
  if (kind === 'revoked') {
    await withDb((d) => d.update(staffSessions).set({ revokedAt: new Date() }).where(eq(staffSessions.id, base.sessionId)));
    return base;
  }
  if (kind === 'forged') {
    // Same claims, signed with a key that is not the Worker's.
    const token = await new SignJWT({ sid: base.sessionId, login: base.login, csrf: base.csrf })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('stageline/edge')
      .setAudience('stageline/staff')
      .setSubject(base.userId)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(new TextEncoder().encode('not-the-session-signing-key-0123456789abcdef'));
    return { ...base, cookie: `stageline_session=${token}; stageline_csrf=${base.csrf}` };
  }
  return base;
}

beforeAll(async () => {
  const seeded = await seedCluster();
  const other = await seedCluster();
  const runId = await createRun(seeded.repoExternalId);
  const repositoryId = await withDb(async (d) => (await d.select({ id: repositories.id }).from(repositories).where(eq(repositories.externalId, seeded.repoExternalId)))[0]?.id ?? '');
  const p = seeded.projectId;
  const sessions: Record<Caller, StaffSession | null> = {
    platform_admin: await signedIn({ platformAdmin: true }),
    admin: await signedIn({ roles: { [p]: 'admin' } }),
    read_write: await signedIn({ roles: { [p]: 'read_write' } }),
    read: await signedIn({ roles: { [p]: 'read' } }),
    other_project: await signedIn({ roles: { [other.projectId]: 'admin' } }),
    signed_out: null,
    expired: await spoiled('expired', p),
    forged: await spoiled('forged', p),
    revoked: await spoiled('revoked', p),
  };
  const [approval] = await withDb((d) =>
    d
      .insert(approvalRequests)
      .values({ runId, projectId: p, correlationId: 'rbac', tool: 'secret_sync', action: 'apply', targetKey: 'rbac', targetRef: { name: 'db' }, approvalMode: 'owner', requestedBy: 'agent', expiresAt: new Date(Date.now() + 3_600_000) })
      .returning(),
  );
  const [question] = await withDb((d) =>
    d
      .insert(interactionRequests)
      .values({ runId, projectId: p, correlationId: 'rbac', kind: 'decision', recipientLogin: sessions.read_write?.login ?? null, text: 'Which?', options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], callKey: 'rbac', deadlineAt: new Date(Date.now() + 3_600_000) })
      .returning(),
  );
  const parked: number[] = [];
  for (const issueNumber of [701, 702]) {
    const one = await parkOne(seeded.repoExternalId, issueNumber);
    parked.push(one.sequence);
    await repair(seeded.repoExternalId, one.sequence, one.text);
  }
  const { installationId, fullName } = onGitHub(seeded.repoExternalId);
  const [owner = '', name = ''] = fullName.split('/');
  const outbox = githubOutboxOf(env, installationId);
  await outbox.enqueue(installationId, [9301, 9302].map((number) => ({ kind: 'comment' as const, thread: { repositoryId: seeded.repoExternalId, owner, repo: name, number }, key: `rbac-${number}`, body: 'x' })));
  const dead = (await outbox.drain()).dead.filter((d) => d.write.key.includes('rbac-')).map((d) => d.seq);
  world = {
    repoExternalId: seeded.repoExternalId,
    installationId,
    parked: [parked[0] ?? 0, parked[1] ?? 0],
    dead: [dead[0] ?? 0, dead[1] ?? 0],
    projectId: p,
    spareRepoId: 600_000_000 + Math.floor(Math.random() * 1e8), clusterId: seeded.clusterId, runId, repositoryId, approvalId: approval?.id ?? '', questionId: question?.id ?? '', sessions };
});

function call(caller: Caller, path: string, init: RequestInit = {}): Promise<Response> {
  const session = world.sessions[caller];
  return session === null ? SELF.fetch(`${BASE}${path}`, init) : staffFetch(session, path, init);
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const UNAUTH = { signed_out: 401, expired: 401, forged: 401, revoked: 401 } as const;

/** Expected status per caller; several allowed statuses where the first allowed caller changes the state (409 after). */
const MATRIX: { name: string; request: () => [string, RequestInit?]; expect: Record<Caller, number | number[]> }[] = [
  { name: 'GET me', request: () => ['/api/v1/staff/me'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'GET runs', request: () => ['/api/v1/staff/runs'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'GET run', request: () => [`/api/v1/staff/runs/${world.runId}`], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 404, ...UNAUTH } },
  { name: 'GET run logs', request: () => [`/api/v1/staff/runs/${world.runId}/logs`], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 404, ...UNAUTH } },
  { name: 'GET run log history', request: () => [`/api/v1/staff/runs/${world.runId}/logs/history`], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 404, ...UNAUTH } },
  { name: 'GET run timeline', request: () => [`/api/v1/staff/runs/${world.runId}/timeline`], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 404, ...UNAUTH } },
  { name: 'GET queue', request: () => ['/api/v1/staff/queue'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'GET clusters', request: () => ['/api/v1/staff/clusters'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  // Platform-wide: project roles do not count; 403 (a cluster's existence is no secret to staff).
  { name: 'POST cluster token', request: () => [`/api/v1/staff/clusters/${world.clusterId}/token`, { method: 'POST' }], expect: { platform_admin: 200, admin: 403, read_write: 403, read: 403, other_project: 403, ...UNAUTH } },
  { name: 'GET projects', request: () => ['/api/v1/staff/projects'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'PATCH project', request: () => [`/api/v1/staff/projects/${world.projectId}`, { ...post({ slots: 2 }), method: 'PATCH' }], expect: { platform_admin: 200, admin: 200, read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'PUT member', request: () => [`/api/v1/staff/projects/${world.projectId}/members/rbac-newcomer`, { ...post({ role: 'read' }), method: 'PUT' }], expect: { platform_admin: 200, admin: 200, read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'GET inbox', request: () => ['/api/v1/staff/inbox'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'POST link code', request: () => ['/api/v1/staff/telegram/link-codes', post({})], expect: { platform_admin: 201, admin: 201, read_write: 201, read: 201, other_project: 201, ...UNAUTH } },
  { name: 'POST label bootstrap', request: () => [`/api/v1/staff/repositories/${world.repositoryId}/labels/bootstrap`, { method: 'POST' }], expect: { platform_admin: 200, admin: 200, read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  // `owner` mode: project admins and platform admins decide; the first wins, the next gets 409.
  { name: 'POST approval decision', request: () => [`/api/v1/staff/approvals/${world.approvalId}/decision`, post({ decision: 'deny', reason: 'rbac' })], expect: { platform_admin: [200, 409], admin: [200, 409], read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  // Only the person asked answers.
  { name: 'POST question answer', request: () => [`/api/v1/staff/questions/${world.questionId}/answer`, post({ option_id: 'a' })], expect: { platform_admin: 403, admin: 403, read_write: 200, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'POST cancel', request: () => [`/api/v1/staff/runs/${world.runId}/cancel`, post({ reason: 'rbac' })], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 403, other_project: 404, ...UNAUTH } },
  // After the cancel above: the first allowed caller starts the retry, the next ones are told it exists.
  { name: 'POST retry', request: () => [`/api/v1/staff/runs/${world.runId}/retry`, { method: 'POST' }], expect: { platform_admin: [201, 409], admin: [201, 409], read_write: [201, 409], read: 403, other_project: 404, ...UNAUTH } },
  { name: 'GET errors', request: () => ['/api/v1/staff/errors'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'GET refused deliveries', request: () => ['/api/v1/staff/errors/refused-deliveries'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'GET failed runs', request: () => ['/api/v1/staff/errors/failed-runs'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'GET queue history', request: () => ['/api/v1/staff/queue/history?hours=1'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  { name: 'POST cluster', request: () => ['/api/v1/staff/clusters', post({ id: `rbac-${crypto.randomUUID().slice(0, 8)}` })], expect: { platform_admin: 201, admin: 403, read_write: 403, read: 403, other_project: 403, ...UNAUTH } },
  { name: 'POST project', request: () => ['/api/v1/staff/projects', post({ slug: `rbac-${crypto.randomUUID().slice(0, 8)}`, name: 'RBAC' })], expect: { platform_admin: 201, admin: 403, read_write: 403, read: 403, other_project: 403, ...UNAUTH } },
  { name: 'POST repository', request: () => [`/api/v1/staff/projects/${world.projectId}/repositories`, post({ external_id: world.spareRepoId, full_name: 'octo-org/rbac-spare' })], expect: { platform_admin: 201, admin: 201, read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'GET held', request: () => ['/api/v1/staff/errors/held'], expect: { platform_admin: 200, admin: 200, read_write: 200, read: 200, other_project: 200, ...UNAUTH } },
  // Held work: project admins act; the first allowed caller replays (or drops) it, the next find it gone.
  { name: 'POST parked replay', request: () => [`/api/v1/staff/errors/parked/${world.repoExternalId}/${world.parked[0]}/replay`, { method: 'POST' }], expect: { platform_admin: [200, 404], admin: [200, 404], read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'DELETE parked', request: () => [`/api/v1/staff/errors/parked/${world.repoExternalId}/${world.parked[1]}`, { method: 'DELETE' }], expect: { platform_admin: [204, 404], admin: [204, 404], read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'POST dead write retry', request: () => [`/api/v1/staff/errors/dead-writes/${world.installationId}/${world.dead[0]}/retry`, { method: 'POST' }], expect: { platform_admin: [200, 404], admin: [200, 404], read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'DELETE dead write', request: () => [`/api/v1/staff/errors/dead-writes/${world.installationId}/${world.dead[1]}`, { method: 'DELETE' }], expect: { platform_admin: [204, 404], admin: [204, 404], read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
  { name: 'DELETE member', request: () => [`/api/v1/staff/projects/${world.projectId}/members/rbac-newcomer`, { method: 'DELETE' }], expect: { platform_admin: [204, 404], admin: [204, 404], read_write: 403, read: 403, other_project: 404, ...UNAUTH } },
];

describe('staff RBAC matrix', () => {
  // Per row, the callers expected to be refused go first, so a state change by an allowed caller cannot hide a wrong answer to a refused one.
  const allowed = (want: number | number[]) => (Array.isArray(want) ? want : [want]).some((s) => s < 400);
  for (const row of MATRIX) {
    const order = [...CALLERS].sort((a, b) => Number(allowed(row.expect[a])) - Number(allowed(row.expect[b])));
    it(row.name, async () => {
      const got: Partial<Record<Caller, number>> = {};
      for (const caller of order) {
        const [path, init] = row.request();
        const res = await call(caller, path, init);
        got[caller] = res.status;
        if (res.status >= 400) {
          expect(await res.json()).toHaveProperty('error.code');
        } else {
          await res.body?.cancel();
        }
      }
      for (const caller of CALLERS) {
        const want = row.expect[caller];
        expect({ caller, status: got[caller] }).toEqual({ caller, status: Array.isArray(want) ? expect.toBeOneOf(want) : want });
      }
      // Where allowed callers may find the thing already changed by the one before, one of them did change it.
      if (Object.values(row.expect).some((want) => Array.isArray(want) && want.some((s) => s < 400))) {
        expect({ row: row.name, someoneSucceeded: Object.values(got).some((status) => status !== undefined && status < 400) }).toEqual({ row: row.name, someoneSucceeded: true });
      }
    });
  }

  it('an expired session says session_expired; forged and revoked say unauthorized', async () => {
    const codes = await Promise.all((['expired', 'forged', 'revoked', 'signed_out'] as const).map(async (c) => (await (await call(c, '/api/v1/staff/me')).json<{ error: { code: string } }>()).error.code));
    expect(codes).toEqual(['session_expired', 'unauthorized', 'unauthorized', 'unauthorized']);
  });

  it('lists only the caller project runs and requests', async () => {
    const runs = async (c: Caller) => (await (await call(c, '/api/v1/staff/runs?limit=500')).json<{ items: { id: string }[] }>()).items.map((r) => r.id);
    expect(await runs('read')).toContain(world.runId);
    expect(await runs('other_project')).not.toContain(world.runId);
    const inbox = async (c: Caller) => (await call(c, '/api/v1/staff/inbox')).json<{ approvals: { run: { id: string } }[]; questions: { run: { id: string } }[] }>();
    expect((await inbox('other_project')).questions.map((q) => q.run.id)).not.toContain(world.runId);
  });

  it('the inbox says who may decide: the matrix mode against the caller\'s role', async () => {
    const [owner] = await withDb((d) =>
      d
        .insert(approvalRequests)
        .values({ runId: world.runId, projectId: world.projectId, correlationId: 'rbac-2', tool: 'secret_sync', action: 'apply', targetKey: 'rbac-2', targetRef: { name: 'db2' }, approvalMode: 'owner', requestedBy: 'agent', expiresAt: new Date(Date.now() + 3_600_000) })
        .returning(),
    );
    const mayDecide = async (c: Caller) => {
      const inbox = await (await call(c, '/api/v1/staff/inbox')).json<{ approvals: { request_id: string; may_decide: boolean }[] }>();
      return inbox.approvals.find((a) => a.request_id === owner?.id)?.may_decide;
    };
    expect(await Promise.all((['platform_admin', 'admin', 'read_write', 'read', 'other_project'] as const).map(mayDecide))).toEqual([true, true, false, false, undefined]);
  });

  it('realtime: members join their project channel; others get 404; only platform admins follow every project', async () => {
    const join = async (c: Caller, query: string) => {
      const res = await call(c, `/api/v1/realtime?last_event_id=0${query}`, { headers: { upgrade: 'websocket' } });
      res.webSocket?.accept();
      res.webSocket?.close(1000, 'done');
      return res.status;
    };
    const project = `&project=${world.projectId}`;
    expect(await Promise.all((['read', 'read_write', 'admin', 'platform_admin'] as const).map((c) => join(c, project)))).toEqual([101, 101, 101, 101]);
    expect(await join('other_project', project)).toBe(404);
    expect(await join('signed_out', project)).toBe(401);
    expect(await join('platform_admin', '')).toBe(101);
    expect(await join('admin', '')).toBe(400);
  });
});

describe('CSRF and origin', () => {
  it('a state-changing call without the session CSRF token, or with another session token, is 403 and changes nothing', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const me = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const other = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const url = `${BASE}/api/v1/staff/runs/${runId}/cancel`;
    expect((await SELF.fetch(url, { method: 'POST', headers: { cookie: me.cookie } })).status).toBe(403);
    expect((await SELF.fetch(url, { method: 'POST', headers: { cookie: me.cookie, 'x-csrf-token': other.csrf } })).status).toBe(403);
    expect((await staffFetch(me, `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    const run = await (await staffFetch(me, `/api/v1/staff/runs/${runId}`)).json<{ status: string }>();
    expect(run.status).toBe('pending');
    expect((await staffFetch(me, `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST' })).status).toBe(200);
  });

  it('a platform admin by configuration (STAGELINE_PLATFORM_ADMINS) sees every project', async () => {
    expect(env.STAGELINE_PLATFORM_ADMINS).toBe('root-admin');
    const root = await signedIn({ login: 'Root-Admin' });
    const me = await (await staffFetch(root, '/api/v1/staff/me')).json<{ platform_admin: boolean; projects: { id: string }[] }>();
    expect(me.platform_admin).toBe(true);
    expect(me.projects.map((p) => p.id)).toContain(world.projectId);
  });
});
