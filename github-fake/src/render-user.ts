/** Users, labels and timestamps in GitHub's JSON shapes. */
import type { LabelState, RepoState, UserState } from './state.ts';

const WEB = 'https://github.com';

/** GitHub timestamps have second precision and a literal Z. */
export function toIsoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function toNodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`fake:${id}`).toString('base64url')}`;
}

export function renderUser(api: string, user: UserState): Record<string, unknown> {
  const base = `${api}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: toNodeId(user.type === 'Bot' ? 'BOT' : 'U', user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url: base,
    html_url: `${WEB}/${user.type === 'Bot' ? `apps/${user.login.replace('[bot]', '')}` : user.login}`,
    followers_url: `${base}/followers`,
    following_url: `${base}/following{/other_user}`,
    gists_url: `${base}/gists{/gist_id}`,
    starred_url: `${base}/starred{/owner}{/repo}`,
    subscriptions_url: `${base}/subscriptions`,
    organizations_url: `${base}/orgs`,
    repos_url: `${base}/repos`,
    events_url: `${base}/events{/privacy}`,
    received_events_url: `${base}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function renderLabel(api: string, repo: RepoState, label: LabelState): Record<string, unknown> {
  return {
    id: label.id,
    node_id: toNodeId('LA', label.id),
    url: `${api}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.isDefault,
    description: label.description,
  };
}

/**
 * The signed-in person as `GET /user` shows them: GitHub's private view
 * (`user_view_type: private`, plan, private counters). Counters are zero; the
 * fake keeps no gists or followers.
 */
export function renderPrivateUser(api: string, user: UserState): Record<string, unknown> {
  const profile = user.profile;
  const createdAt = toIsoTime(profile?.createdAt ?? 0);
  return {
    ...renderUser(api, user),
    user_view_type: 'private',
    name: profile?.name ?? null,
    company: null,
    blog: '',
    location: null,
    email: profile?.email ?? null,
    notification_email: profile?.email ?? null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: createdAt,
    updated_at: createdAt,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976_562_499, collaborators: 0, private_repos: 10_000 },
  };
}
