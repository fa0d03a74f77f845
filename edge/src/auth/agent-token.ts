/**
 * Cluster tokens are random secrets shown once; the database keeps only their
 * SHA-256 (hex), so a leaked table does not let anyone connect as an agent.
 */
export async function hashAgentToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function readBearer(header: string | undefined): string | null {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})$/.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Agent instance ids are `<cluster>/<pod>`-like: printable, short, no spaces. */
export function isValidInstanceId(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9._:/-]{1,253}$/.test(value);
}
