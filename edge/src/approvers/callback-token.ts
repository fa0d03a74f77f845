/**
 * The one-time callback credential of an HTTP approver push (docs/domain.md
 * §7.1): an HS256 JWT for one request and one endpoint, valid until the
 * request expires plus a day of grace (a late answer is told "expired", not
 * "unauthorized"). It is half of the callback's proof; the other half is the
 * HMAC signature with the endpoint's own secret (routes/approver-callback.ts).
 */
import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'stageline/edge';
const AUDIENCE = 'stageline/approval-callback';
const GRACE_SECONDS = 86_400;

export async function mintCallbackToken(key: string, input: { requestId: string; endpointId: string; expiresAt: Date }): Promise<{ token: string; expiresAt: Date }> {
  const exp = Math.floor(input.expiresAt.getTime() / 1000) + GRACE_SECONDS;
  const token = await new SignJWT({ scope: 'approval_callback', endpoint_id: input.endpointId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(`approval:${input.requestId}`)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));
  return { token, expiresAt: new Date(exp * 1000) };
}

export async function verifyCallbackToken(key: string, token: string, now: Date): Promise<{ requestId: string; endpointId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(key), { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, currentDate: now, requiredClaims: ['sub', 'exp'] });
    const requestId = typeof payload.sub === 'string' && payload.sub.startsWith('approval:') ? payload.sub.slice('approval:'.length) : null;
    const endpointId = typeof payload['endpoint_id'] === 'string' ? payload['endpoint_id'] : null;
    return payload['scope'] === 'approval_callback' && requestId !== null && endpointId !== null ? { requestId, endpointId } : null;
  } catch {
    return null;
  }
}
