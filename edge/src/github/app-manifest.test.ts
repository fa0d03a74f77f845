import { describe, expect, it } from 'vitest';
import { buildAppManifest, githubWebOrigin, manifestFormAction, signSetupState, verifySetupState } from './app-manifest.ts';

const NOW = Date.UTC(2026, 10, 22, 6, 0, 0);

describe('the App manifest', () => {
  it('points the webhook and the redirect at this edge, with the permissions Stageline uses', () => {
    const m = buildAppManifest({ name: 'Stageline', origin: 'https://edge.example.com' });
    expect(m).toMatchObject({
      url: 'https://edge.example.com',
      hook_attributes: { url: 'https://edge.example.com/github/webhook', active: true },
      redirect_url: 'https://edge.example.com/setup/callback',
      callback_urls: ['https://edge.example.com/auth/github/callback'],
      public: false,
      default_permissions: { issues: 'write', pull_requests: 'write', metadata: 'read' },
    });
    expect(m.default_events).toEqual(['issues', 'issue_comment', 'pull_request', 'pull_request_review']);
  });

  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com'],
    ['http://127.0.0.1:4000', 'https://github.com'],
  ])('web origin of %s is %s', (api, web) => {
    expect(githubWebOrigin(api)).toBe(web);
  });

  it('posts to the personal or the organization form, and refuses a malformed org', () => {
    expect(manifestFormAction('https://github.com', null, 's')).toBe('https://github.com/settings/apps/new?state=s');
    expect(manifestFormAction('https://github.com', 'acme', 's')).toBe('https://github.com/organizations/acme/settings/apps/new?state=s');
    expect(manifestFormAction('https://github.com', '../x', 's')).toBeNull();
  });

  it('the state verifies with its key until it expires', async () => {
    const state = await signSetupState('k', 'nonce-0123456789abcdef', NOW);
    expect(await verifySetupState('k', state, NOW + 1000)).toBe('nonce-0123456789abcdef');
    expect(await verifySetupState('other', state, NOW)).toBeNull();
    expect(await verifySetupState('k', state, NOW + 2 * 3_600_000)).toBeNull();
    expect(await verifySetupState('k', state.replace(/.$/, (c) => (c === '0' ? '1' : '0')), NOW)).toBeNull();
  });
});
