/**
 * Signed-in staff for tests: a real `staff_users` row, real project roles in
 * `project_members`, a real session row, and a session JWT signed with the
 * Worker's key — what the sign-in callback (routes/staff-auth.ts) produces,
 * without walking GitHub's web flow each time. test/integration/staff-auth.test.ts
 * walks that flow itself.
 */
import { projectMembers, staffSessions, staffUsers } from '@stageline/db';
import type { ProjectRole } from '@stageline/policy';
import { env, SELF } from 'cloudflare:test';
import { csrfTokenOf, mintSessionToken, newRefreshToken } from '../src/auth/staff-session.ts';
import { BASE, withDb } from './helpers.ts';

export interface StaffSession {
  login: string;
  userId: string;
  sessionId: string;
  csrf: string;
  refresh: string;
  /** `Cookie` header value: session and CSRF cookies. */
  cookie: string;
}

export async function signedIn(opts: { login?: string; platformAdmin?: boolean; roles?: Record<string, ProjectRole>; now?: Date } = {}): Promise<StaffSession> {
  const login = (opts.login ?? `staff-${crypto.randomUUID().slice(0, 8)}`).toLowerCase();
  const now = opts.now ?? new Date();
  return withDb(async (db) => {
    const [user] = await db
      .insert(staffUsers)
      .values({ githubId: 10_000_000 + Math.floor(Math.random() * 1e9), login, platformAdmin: opts.platformAdmin ?? false })
      .onConflictDoUpdate({ target: staffUsers.login, set: { platformAdmin: opts.platformAdmin ?? false } })
      .returning();
    if (user === undefined) {
      throw new Error('no staff user');
    }
    for (const [projectId, role] of Object.entries(opts.roles ?? {})) {
      await db.insert(projectMembers).values({ projectId, githubLogin: login, role }).onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.githubLogin], set: { role } });
    }
    const sessionId = crypto.randomUUID();
    const refresh = await newRefreshToken(sessionId);
    await db.insert(staffSessions).values({ id: sessionId, userId: user.id, refreshHash: refresh.hash, expiresAt: new Date(now.getTime() + 86_400_000), createdAt: now });
    const csrf = await csrfTokenOf(env.STAGELINE_SESSION_SIGNING_KEY, sessionId);
    const token = await mintSessionToken(env.STAGELINE_SESSION_SIGNING_KEY, { userId: user.id, sessionId, login, csrf }, now);
    return { login, userId: user.id, sessionId, csrf, refresh: refresh.token, cookie: `stageline_session=${token}; stageline_csrf=${csrf}` };
  });
}

/** A staff request as the console makes it: cookies, and the CSRF header on state-changing calls. */
export function staffFetch(session: StaffSession, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('cookie', session.cookie);
  if ((init.method ?? 'GET') !== 'GET') {
    headers.set('x-csrf-token', session.csrf);
  }
  return SELF.fetch(`${BASE}${path}`, { ...init, headers });
}

/** A platform admin, for tests about something else than roles. */
let admin: Promise<StaffSession> | null = null;
export function platformAdmin(): Promise<StaffSession> {
  admin ??= signedIn({ platformAdmin: true });
  return admin;
}
