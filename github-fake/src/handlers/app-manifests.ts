/**
 * The App manifest flow's last step: a one-time code becomes an App with a new
 * key pair. The created App is registered, so JWTs signed with the returned
 * `pem` are accepted from then on.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { notFound } from '../github-error.ts';
import { renderUser, toIsoTime, toNodeId } from '../render-user.ts';
import type { AppState } from '../state.ts';
import { ensureUser } from '../state.ts';
import type { OperationHandler } from './handler.ts';

export const APP_EVENTS = ['issues', 'issue_comment', 'label', 'pull_request'];

export function renderApp(api: string, app: AppState, permissions: Record<string, string>): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: toNodeId('A', app.id),
    client_id: app.clientId,
    owner: renderUser(api, app.owner),
    name: app.name,
    description: null,
    external_url: `https://example.invalid/${app.slug}`,
    html_url: `https://github.com/apps/${app.slug}`,
    created_at: toIsoTime(app.createdAt),
    updated_at: toIsoTime(app.createdAt),
    permissions,
    events: APP_EVENTS,
  };
}

export const createFromManifest: OperationHandler = {
  auth: 'none',
  handle(ctx) {
    const code = ctx.state.manifestCodes.get(ctx.pathParams.code ?? '');
    if (code === undefined) {
      throw notFound('https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest');
    }
    // Codes are single use on GitHub.
    ctx.state.manifestCodes.delete(code.code);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const app: AppState = {
      id: ctx.state.nextId(),
      slug: code.slug,
      name: code.name,
      publicKey: createPublicKey(privateKey),
      owner: ensureUser(ctx.state, code.ownerLogin, 'Organization'),
      bot: ensureUser(ctx.state, `${code.slug}[bot]`, 'Bot'),
      clientId: `Iv1.${randomBytes(8).toString('hex')}`,
      clientSecret: randomBytes(20).toString('hex'),
      webhookSecret: code.webhookSecret,
      createdAt: ctx.now,
    };
    ctx.state.apps.set(app.id, app);
    const permissions = { metadata: 'read', issues: 'write', pull_requests: 'write' };
    return {
      status: 201,
      body: { ...renderApp(ctx.api, app, permissions), client_secret: app.clientSecret, webhook_secret: app.webhookSecret, pem },
    };
  },
};
