import { SignJWT } from 'jose';

/** Issuer of run tokens (domain.md §6.1, renamed). */
export const RUN_TOKEN_ISSUER = 'stageline/edge/mcp';

export interface RunTokenInput {
  runId: string;
  correlationId: string;
  projectId: string;
  attemptNo: number;
  now: Date;
  /** Clamped to [24 h, 7 d]: the token must outlive the pod (domain.md §3.7). */
  ttlSeconds: number;
}

const DAY = 86_400;

/**
 * Mint the run-scoped bearer token the coding agent uses against the edge
 * (HS256, `jti = <run_id>:<attempt>`). It travels in the claim frame and lands
 * only in the run Secret; it is never logged.
 */
export async function mintRunToken(key: string, input: RunTokenInput): Promise<string> {
  if (key.length < 32) {
    throw new Error('STAGELINE_MCP_TOKEN_SIGNING_KEY must be at least 32 characters');
  }
  const ttl = Math.min(Math.max(input.ttlSeconds, DAY), 7 * DAY);
  const iat = Math.floor(input.now.getTime() / 1000);
  return new SignJWT({ run_id: input.runId, correlation_id: input.correlationId, project_id: input.projectId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(RUN_TOKEN_ISSUER)
    .setSubject(`run:${input.runId}`)
    .setJti(`${input.runId}:${input.attemptNo}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(new TextEncoder().encode(key));
}
