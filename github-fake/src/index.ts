/**
 * github-fake: a stateful fake of the GitHub REST API for the edge's tests.
 * Every request is checked against GitHub's OpenAPI description; whatever
 * GitHub would reject is answered as GitHub would and recorded as a violation.
 */
import { createPublicKey, generateKeyPair } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { FakeGitHubControl } from './control.ts';
import { createControl } from './control.ts';
import { createControlHttp } from './control-http.ts';
import { createGitCgi } from './git-cgi.ts';
import { createGitHttp } from './git-http.ts';
import { createGitRepos } from './git-repos.ts';
import { createRouter } from './openapi-router.ts';
import { createOAuthWeb } from './oauth-web.ts';
import { loadSpec } from './openapi-spec.ts';
import { createRateLimiter } from './rate-limits.ts';
import { createSchemaValidators } from './schema-validators.ts';
import { createRequestListener } from './server.ts';
import { createState, ensureUser } from './state.ts';

export interface FakeGitHubOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1. */
  appId?: number;
  /** Default `stageline`; the bot account is `<slug>[bot]`. */
  appSlug?: string;
  /** PEM (SPKI or PKCS#1) of the App's key; without it a key pair is generated and `appPrivateKeyPem` is set. */
  appPublicKeyPem?: string;
  /** The App's OAuth client id for the web flow (`/login/oauth/*`); default `Iv1.fake0000000000`. */
  appClientId?: string;
  /** The App's OAuth client secret; default `fake-client-secret`. */
  appClientSecret?: string;
  /** Clock in epoch ms for tokens, JWT checks and rate limits; default Date.now. */
  now?: () => number;
  /** Where the bare git repositories live (`<gitRoot>/<owner>/<name>.git`), kept on close; default a fresh temporary directory removed on close. */
  gitRoot?: string;
}

export interface FakeGitHub extends FakeGitHubControl {
  /** Base URL, e.g. http://127.0.0.1:PORT; use it as octokit's `baseUrl`. */
  url: string;
  /** The generated App private key (PKCS#1 PEM) when no public key was given. */
  appPrivateKeyPem: string | null;
  /** Where the bare git repositories are: `gitRoot` as given, or the temporary default. */
  gitRoot: string;
  close(): Promise<void>;
}

const generateRsaKeyPair = promisify(generateKeyPair);

async function appKey(publicKeyPem: string | undefined): Promise<{ publicKeyPem: string; privateKeyPem: string | null }> {
  if (publicKeyPem !== undefined) {
    return { publicKeyPem, privateKeyPem: null };
  }
  const pair = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicKeyPem: pair.publicKey, privateKeyPem: pair.privateKey };
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const now = opts.now ?? Date.now;
  const appId = opts.appId ?? 1;
  const slug = opts.appSlug ?? 'stageline';
  const keys = await appKey(opts.appPublicKeyPem);
  const spec = loadSpec();
  const state = createState();
  state.apps.set(appId, {
    id: appId,
    slug,
    name: slug,
    publicKey: createPublicKey(keys.publicKeyPem),
    owner: ensureUser(state, 'stageline-org', 'Organization'),
    bot: ensureUser(state, `${slug}[bot]`, 'Bot'),
    clientId: opts.appClientId ?? 'Iv1.fake0000000000',
    clientSecret: opts.appClientSecret ?? 'fake-client-secret',
    webhookSecret: null,
    createdAt: now(),
  });
  const limiter = createRateLimiter(now);
  const observations = { requests: [], violations: [], holds: [] };
  const repos = await createGitRepos(opts.gitRoot);
  const cgi = createGitCgi();
  const control = createControl({ state, limiter, observations, now, appId, privateKeyPem: keys.privateKeyPem, git: repos });
  let url = '';
  const server = createServer(
    createRequestListener({
      spec,
      route: createRouter(spec),
      coercing: createSchemaValidators(spec, { coerceTypes: true }),
      strict: createSchemaValidators(spec, { coerceTypes: false }),
      state,
      limiter,
      observations,
      now,
      baseUrl: () => url,
      repos,
      git: createGitHttp({ state, repos, cgi, observations, now }),
      control: createControlHttp(control),
      oauth: createOAuthWeb({ state, observations, now }),
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await repos.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  return {
    ...control,
    url,
    appPrivateKeyPem: keys.privateKeyPem,
    gitRoot: repos.root,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
      await cgi.close();
      await repos.close();
    },
  };
}

export { signAppJwt } from './app-jwt.ts';
export type { SignAppJwtInput } from './app-jwt.ts';
export { adaptPayload, webhookExample } from './webhook-examples.ts';
export type { AdaptTarget } from './webhook-examples.ts';
export type { CommentView, FakeGitHubControl, PullView, TokenView, UserTokenView } from './control.ts';
export type { SeedRepositoryContentInput } from './control-git.ts';
export type { CommitView } from './git-repos.ts';
export type { SeedDeliveryInput, SeededUserView, SeedInstallationInput, SeedIssueInput, SeedLabel, SeedManifestCodeInput, SeedUserInput } from './control-seed.ts';
export { ACCESS_TOKEN_PATH, AUTHORIZE_PATH } from './oauth-web.ts';
export type { RequestLogEntry, Violation } from './observations.ts';
export type { ViolationKind } from './request-validation.ts';
export type { SecondaryInjection, PrimaryBucket } from './rate-limits.ts';
export type { AccessLevel, RepoPermission, UserType } from './state.ts';
