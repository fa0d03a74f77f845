/**
 * Who may start an agent (docs/domain.md §2.6, applied to every trigger source).
 * The edge supplies the facts — the sender from the verified payload, the
 * sender's repository permission from the GitHub API (cached briefly) and the
 * project membership from Postgres — and this decides, with a stable reason.
 */

/** `GET /repos/{owner}/{repo}/collaborators/{username}/permission` → `permission`; `unavailable` when GitHub could not say. */
export type RepositoryPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none' | 'unavailable';
export type ProjectRole = 'admin' | 'read_write' | 'read';

export interface ActorFacts {
  /** `sender.type`: `User`, `Bot`, `Organization`, `Mannequin`, … */
  senderType: string | null;
  senderLogin: string | null;
  /** Not known yet: the edge has not asked GitHub (ask, then evaluate again). */
  permission: RepositoryPermission | null;
  /** The sender's role in the bound project, if the sender is a Stageline user. */
  projectRole: ProjectRole | null;
}

export type ActorDecision =
  | { kind: 'allowed'; reason: `repository_permission_${'admin' | 'maintain' | 'write'}` | `project_member_${'admin' | 'read_write'}` }
  | { kind: 'denied'; reason: string; message: string }
  /** The permission must be fetched first. */
  | { kind: 'need_permission' }
  /** GitHub could not answer and the project does not vouch for the sender: try again later, do not refuse. */
  | { kind: 'retry'; reason: 'sender_permission_unavailable' };

const WRITING = new Set(['admin', 'maintain', 'write']);

export function guardActor(facts: ActorFacts): ActorDecision {
  const type = (facts.senderType ?? 'unknown').trim();
  if (type.toLowerCase() !== 'user') {
    // Bots and apps never start agents by themselves: an agent's label needs an owner's approval.
    const slug = type.toLowerCase().replace(/[^a-z0-9]+/g, '_') || 'unknown';
    return { kind: 'denied', reason: `sender_type_${slug}_not_permitted`, message: `senders of type ${type || 'unknown'} may not start agents` };
  }
  const login = facts.senderLogin?.trim() ?? '';
  if (login === '') {
    return { kind: 'denied', reason: 'sender_login_missing', message: 'the event names no sender' };
  }
  if (!isGitHubLogin(login)) {
    // No GitHub account has such a name, so none can hold a permission; asking GitHub
    // would fail on every retry and hold the repository's other deliveries behind it.
    return { kind: 'denied', reason: 'sender_login_invalid', message: 'the event names a sender that is not a GitHub login' };
  }
  if (facts.projectRole === 'admin' || facts.projectRole === 'read_write') {
    return { kind: 'allowed', reason: `project_member_${facts.projectRole}` };
  }
  if (facts.permission === null) {
    return { kind: 'need_permission' };
  }
  if (facts.permission === 'admin' || facts.permission === 'maintain' || facts.permission === 'write') {
    return { kind: 'allowed', reason: `repository_permission_${facts.permission}` };
  }
  if (facts.permission === 'unavailable') {
    return { kind: 'retry', reason: 'sender_permission_unavailable' };
  }
  if (facts.projectRole === 'read') {
    return { kind: 'denied', reason: 'sender_role_read_not_permitted', message: `@${login} has read access to the project only` };
  }
  return {
    kind: 'denied',
    reason: `sender_permission_${facts.permission}_not_permitted`,
    message: `@${login} needs write, maintain or admin permission on the repository (has ${facts.permission})`,
  };
}

/**
 * A GitHub user or App login: 1–39 letters, digits and hyphens, not starting
 * with a hyphen (older accounts may hold doubled or trailing hyphens), an App's
 * bot user with the `[bot]` suffix.
 */
export function isGitHubLogin(login: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:\[bot\])?$/.test(login);
}

/** Permissions that start agents (exported for the edge's permission cache: only these are cached as "allowed"). */
export function isWritingPermission(permission: string): boolean {
  return WRITING.has(permission);
}
