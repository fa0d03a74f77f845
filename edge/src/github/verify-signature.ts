import { verify } from '@octokit/webhooks-methods';

/**
 * Check `X-Hub-Signature-256` over the raw body (constant-time compare inside
 * @octokit/webhooks-methods). Any malformed header is simply "not valid".
 */
export async function isValidSignature(secret: string, body: string, signature: string | undefined): Promise<boolean> {
  if (secret === '' || signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(signature)) {
    return false;
  }
  try {
    return await verify(secret, body, signature);
  } catch {
    // verify() throws on malformed input; that is an invalid signature, not a server error.
    return false;
  }
}
