/**
 * Keeps the run token in each run's Secret current (docs/domain.md §6.1).
 * The edge's token lives minutes and comes fresh with every heartbeat answer
 * for the leases it renewed; the Job reads it from the Secret volume
 * (kube/manifests.ts RUN_TOKEN_PATH). Writing on every heartbeat would update
 * each Secret every few seconds, so a token is written only once the one in
 * the Secret has used up half its life. Tokens are never logged.
 */
import type { RunToken } from '@stageline/protocol';
import type { KubeGateway } from '../kube/kube-gateway.ts';
import { buildRunSecret } from '../kube/manifests.ts';
import type { Logger } from '../lib/log.ts';

/**
 * Whether an offered token should replace the stored one: always when the
 * stored one's expiry is unknown, never when the offer expires no later,
 * otherwise once less than half the offer's lifetime is left on the stored one.
 * @example shouldRefreshToken(now + 100_000, now + 900_000, now) // true
 */
export function shouldRefreshToken(storedExpiresAt: number | undefined, offeredExpiresAt: number, now: number): boolean {
  if (storedExpiresAt === undefined) {
    return true;
  }
  if (offeredExpiresAt <= storedExpiresAt) {
    return false;
  }
  return storedExpiresAt - now < (offeredExpiresAt - now) / 2;
}

/** The `exp` of a JWT in ms, read without verifying (only to schedule a refresh); undefined if unreadable. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const exp: unknown = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    // Not a JWT (test tokens): the next offer is written.
    return undefined;
  }
}

export interface TokenTarget {
  runId: string;
  epoch: number;
  namespace: string;
  /** Expiry (ms) of the token in the Secret; updated after each write. */
  storedExpiresAt: number | undefined;
  /** A write in flight: offers meanwhile are dropped (the next heartbeat brings another). */
  writing: boolean;
  log: Logger;
}

export interface TokenRefreshDeps {
  gateway: KubeGateway;
  installation: string;
  modelApiKey: string | undefined;
  now: () => number;
}

/** Write the offered token into the run Secret when it is due; resolves when done (errors are logged). */
export async function refreshRunToken(target: TokenTarget, offer: RunToken, deps: TokenRefreshDeps): Promise<void> {
  const offeredExpiresAt = Date.parse(offer.expiresAt);
  if (offer.epoch !== target.epoch || target.writing || !shouldRefreshToken(target.storedExpiresAt, offeredExpiresAt, deps.now())) {
    return;
  }
  target.writing = true;
  try {
    const secret = buildRunSecret({ run: { runId: target.runId, runToken: offer.token }, namespace: target.namespace, installation: deps.installation, modelApiKey: deps.modelApiKey });
    await deps.gateway.applyObject(secret);
    target.storedExpiresAt = offeredExpiresAt;
    target.log.debug('run token renewed in the run secret', { expiresAt: offer.expiresAt });
  } catch (error) {
    // The stored token still works until it expires; the next heartbeat offers another.
    target.log.warn('could not renew the run token in the run secret', { reason: error instanceof Error ? error.message : String(error) });
  } finally {
    target.writing = false;
  }
}
