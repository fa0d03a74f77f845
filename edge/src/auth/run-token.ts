/**
 * Run tokens (docs/domain.md §6.1): the bearer a run's Job presents to the
 * edge. Short-lived (minutes), bound to (run, lease epoch, attempt) and
 * carrying the run's tool scope. The edge mints one with every claimed run and
 * a fresh one with every lease renewal (heartbeat.result `tokens`); the agent
 * keeps the current one in the run Secret, which the Job mounts as a file.
 * A token is checked by auth/run-token-middleware.ts on every use: signature
 * (HS256 only), issuer, audience and expiry here, then against the run's
 * current state (not terminal, same epoch and attempt). Tokens are never
 * logged; log `jti`.
 */
import { isRunTool, type RunTool } from '@stageline/policy';
import { errors, jwtVerify, SignJWT } from 'jose';

export const RUN_TOKEN_ISSUER = 'stageline/edge';
export const RUN_TOKEN_AUDIENCE = 'stageline/run';
/** The only algorithm accepted: a token naming another (or `none`) is refused before any key is used. */
export const RUN_TOKEN_ALG = 'HS256';

/** Default lifetime; the lease renews it long before it runs out (heartbeats every 15 s). */
export const DEFAULT_RUN_TOKEN_TTL_SECONDS = 900;
const MIN_TTL_SECONDS = 60;
const MAX_TTL_SECONDS = 3600;

export interface RunTokenInput {
  runId: string;
  epoch: number;
  attemptNo: number;
  scope: readonly RunTool[];
  now: Date;
  /** Clamped to [1 min, 1 h]: a leaked token must stop working soon. */
  ttlSeconds: number;
}

export interface MintedRunToken {
  token: string;
  expiresAt: Date;
}

/** What a verified token says; the middleware still checks it against the run. */
export interface RunTokenClaims {
  runId: string;
  epoch: number;
  attemptNo: number;
  scope: RunTool[];
  jti: string;
  expiresAt: Date;
}

export type RunTokenError = 'expired' | 'invalid';

function keyOf(key: string): Uint8Array {
  if (key.length < 32) {
    throw new Error('STAGELINE_MCP_TOKEN_SIGNING_KEY must be at least 32 characters');
  }
  return new TextEncoder().encode(key);
}

/** Clamp a configured lifetime to what a run token may live. */
export function runTokenTtl(ttlSeconds: number): number {
  return Math.min(Math.max(Math.floor(ttlSeconds), MIN_TTL_SECONDS), MAX_TTL_SECONDS);
}

/**
 * Mint a run token: `sub = run:<id>`, `run_id`, `epoch`, `attempt`, `scope`,
 * `iat`, `exp`, a random `jti`.
 */
export async function mintRunToken(key: string, input: RunTokenInput): Promise<MintedRunToken> {
  const iat = Math.floor(input.now.getTime() / 1000);
  const exp = iat + runTokenTtl(input.ttlSeconds);
  const token = await new SignJWT({ run_id: input.runId, epoch: input.epoch, attempt: input.attemptNo, scope: [...input.scope] })
    .setProtectedHeader({ alg: RUN_TOKEN_ALG, typ: 'JWT' })
    .setIssuer(RUN_TOKEN_ISSUER)
    .setAudience(RUN_TOKEN_AUDIENCE)
    .setSubject(`run:${input.runId}`)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyOf(key));
  return { token, expiresAt: new Date(exp * 1000) };
}

const isNonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * Verify signature, algorithm, issuer, audience and expiry, and read the
 * claims. Says only `expired` or `invalid`: the caller answers 401 either way.
 */
export async function verifyRunToken(key: string, token: string, now: Date): Promise<{ ok: true; value: RunTokenClaims } | { ok: false; error: RunTokenError }> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keyOf(key), {
      algorithms: [RUN_TOKEN_ALG],
      issuer: RUN_TOKEN_ISSUER,
      audience: RUN_TOKEN_AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    }));
  } catch (error) {
    // Every jose failure (bad signature, alg, claims, malformed) is a refusal; only expiry is told apart for logs.
    return { ok: false, error: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
  const { run_id: runId, epoch, attempt, scope, sub, jti, exp } = payload;
  if (
    typeof runId !== 'string' ||
    sub !== `run:${runId}` ||
    !isNonNegativeInt(epoch) ||
    !isNonNegativeInt(attempt) ||
    !Array.isArray(scope) ||
    !scope.every((tool): tool is RunTool => typeof tool === 'string' && isRunTool(tool)) ||
    typeof jti !== 'string' ||
    exp === undefined
  ) {
    return { ok: false, error: 'invalid' };
  }
  return { ok: true, value: { runId, epoch, attemptNo: attempt, scope, jti, expiresAt: new Date(exp * 1000) } };
}
