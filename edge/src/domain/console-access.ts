/**
 * When someone's access to console channels ends, their open sockets are
 * closed (docs/domain.md §8.4): a socket is authorised once, at join, so
 * without this a member removed from a project, or a session signed out or
 * revoked, would keep receiving that project's events until it reconnected.
 */
import { membershipsOf } from '../db/staff-repo.ts';
import { ALL_SCOPE, projectScope } from '../db/realtime-repo.ts';
import type { DbOrTx } from '../db/client.ts';
import type { Effect } from './effects.ts';

/** A member left the project: every session of theirs loses its channel. */
export function memberRemovedEffects(projectId: string, login: string): Effect[] {
  return [{ kind: 'close_console_sockets', scopes: [projectScope(projectId)], owner: { login }, reason: 'removed from the project' }];
}

/**
 * A session ended (sign-out, or revoked after a refresh token was reused):
 * its sockets on every channel it could have joined close — its projects'
 * and, as the person may be a platform admin by configuration, `all`.
 */
export async function sessionEndedEffects(db: DbOrTx, login: string, sessionId: string, reason: string): Promise<Effect[]> {
  const memberships = await membershipsOf(db, login);
  return [{ kind: 'close_console_sockets', scopes: [...memberships.map((m) => projectScope(m.projectId)), ALL_SCOPE], owner: { sessionId }, reason }];
}
