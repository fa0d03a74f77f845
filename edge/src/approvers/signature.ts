/**
 * How pushes to HTTP approvers and their callbacks are signed (docs/domain.md
 * §7.1), the way GitHub signs webhooks: `X-Stageline-Signature-256:
 * sha256=<hex HMAC-SHA256>` with the endpoint's secret, over
 * `<timestamp>.<body>` for a push and `<timestamp>.<nonce>.<body>` for a
 * callback. Receivers refuse timestamps more than five minutes away.
 */
import { hmacHex, sameText } from '../lib/crypto.ts';

export const SIGNATURE_HEADER = 'x-stageline-signature-256';
export const TIMESTAMP_HEADER = 'x-stageline-timestamp';
export const NONCE_HEADER = 'x-stageline-nonce';
export const DELIVERY_HEADER = 'x-stageline-delivery';
export const TIMESTAMP_WINDOW_SECONDS = 300;

export async function signPush(secret: string, timestamp: number, body: string): Promise<string> {
  return `sha256=${await hmacHex(secret, `${timestamp}.${body}`)}`;
}

export async function signCallback(secret: string, timestamp: number, nonce: string, body: string): Promise<string> {
  return `sha256=${await hmacHex(secret, `${timestamp}.${nonce}.${body}`)}`;
}

export type CallbackProof = { ok: true } | { ok: false; reason: 'stale' | 'bad_signature' | 'missing' };

export async function checkCallbackSignature(secret: string, headers: { signature?: string; timestamp?: string; nonce?: string }, body: string, now: Date): Promise<CallbackProof> {
  const { signature, timestamp, nonce } = headers;
  if (signature === undefined || timestamp === undefined || nonce === undefined || !/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,128}$/.test(nonce)) {
    return { ok: false, reason: 'missing' };
  }
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TIMESTAMP_WINDOW_SECONDS) {
    return { ok: false, reason: 'stale' };
  }
  return sameText(signature, await signCallback(secret, Number(timestamp), nonce, body)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
