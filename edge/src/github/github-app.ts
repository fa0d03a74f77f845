/**
 * Composition of the App's pieces: App JWT signer → transport → installation
 * token source → client. Build one per isolate or Durable Object and keep it,
 * so the imported key and the token cache live as long as that owner.
 */
import type { GitHubAppSettings } from '../env.ts';
import type { Logger } from '../lib/log.ts';
import { createAppJwtSigner, type AppJwtSigner } from './app-jwt.ts';
import { createGitHubClient, type GitHubClient } from './github-client.ts';
import { createInstallationTokenSource, type InstallationTokenSource } from './installation-token.ts';
import { createRestTransport, type RateLimitGate, type RestTransport } from './rest-transport.ts';

export interface GitHubApp {
  client: GitHubClient;
  tokens: InstallationTokenSource;
  appJwt: AppJwtSigner;
  transport: RestTransport;
}

export interface GitHubAppOptions {
  settings: GitHubAppSettings;
  log: Logger;
  /** Epoch ms. */
  now: () => number;
  gate?: RateLimitGate;
  fetch?: typeof fetch;
}

export function createGitHubApp(options: GitHubAppOptions): GitHubApp {
  const { settings } = options;
  const appJwt = createAppJwtSigner({ appId: settings.appId, privateKeyPem: settings.privateKeyPem, now: options.now });
  const transport = createRestTransport({ apiUrl: settings.apiUrl, log: options.log, now: options.now, gate: options.gate, fetch: options.fetch });
  const tokens = createInstallationTokenSource({ transport, appJwt, now: options.now });
  return { client: createGitHubClient({ transport, tokens, appJwt }), tokens, appJwt, transport };
}
