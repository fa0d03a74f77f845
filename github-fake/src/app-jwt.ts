/**
 * GitHub App JWTs (docs: "Generating a JSON Web Token for a GitHub App"):
 * RS256, `iss` = app id (number or string), `iat` at most 60 s in the future to
 * allow clock drift, `exp` no more than 10 minutes after `iat` and not passed.
 * Failures are worded as api.github.com answers them.
 */
import { createPrivateKey, sign, verify } from 'node:crypto';
import { GitHubError } from './github-error.ts';
import type { AppState } from './state.ts';

const CLOCK_DRIFT_S = 60;
const MAX_LIFETIME_S = 600;

export type JwtCheck = { ok: true; app: AppState } | { ok: false; error: GitHubError };

function fail(message: string): JwtCheck {
  return { ok: false, error: new GitHubError(401, message) };
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: the caller reports the token as undecodable.
    return undefined;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

export function verifyAppJwt(token: string, apps: ReadonlyMap<number, AppState>, nowMs: number): JwtCheck {
  const [head, body, signature] = token.split('.');
  const header = decodePart(head);
  const claims = decodePart(body);
  if (header === undefined || claims === undefined || signature === undefined || header.alg !== 'RS256') {
    return fail('A JSON web token could not be decoded');
  }
  const app = apps.get(Number(claims.iss));
  if (app === undefined || !/^\d+$/.test(String(claims.iss))) {
    return fail(`'Issuer' claim ('iss') must be an Integer`);
  }
  const signed = verify('sha256', Buffer.from(`${head}.${body}`), app.publicKey, Buffer.from(signature, 'base64url'));
  if (!signed) {
    return fail('A JSON web token could not be decoded');
  }
  const now = Math.floor(nowMs / 1000);
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || iat > now + CLOCK_DRIFT_S) {
    return fail(`'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued`);
  }
  if (typeof exp !== 'number' || exp <= now) {
    return fail(`'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires`);
  }
  if (exp - iat > MAX_LIFETIME_S) {
    return fail(`'Expiration time' claim ('exp') is too far in the future`);
  }
  return { ok: true, app };
}

export interface SignAppJwtInput {
  appId: number | string;
  privateKeyPem: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** Default iat + 540, inside GitHub's 10-minute limit. */
  exp?: number;
}

/** Signs an App JWT the way octokit's universal-github-app-jwt does (iat backdated 30 s by callers that want drift room). */
export function signAppJwt(input: SignAppJwtInput): string {
  const iat = input.iat ?? Math.floor(Date.now() / 1000);
  const exp = input.exp ?? iat + 540;
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat, exp, iss: input.appId })}`;
  const signature = sign('sha256', Buffer.from(unsigned), createPrivateKey(input.privateKeyPem));
  return `${unsigned}.${signature.toString('base64url')}`;
}
