/**
 * Application-level cryptography on Web Crypto (docs/domain.md §6.5): values
 * that must be stored but never shown (a secret an agent asked to sync, an
 * approver's signing secret) are sealed with AES-256-GCM under a key derived
 * from a Worker secret; derived secret values and signatures are HMAC-SHA256.
 */
import { base64url } from 'jose';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SEALED_PREFIX = 'v1.';

async function aesKey(keyText: string): Promise<CryptoKey> {
  if (keyText.length < 32) {
    throw new Error('the data encryption key must be at least 32 characters');
  }
  const raw = await crypto.subtle.digest('SHA-256', encoder.encode(keyText));
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** `v1.<iv>.<ciphertext+tag>`, both base64url; a fresh 96-bit IV each time. */
export async function seal(keyText: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await aesKey(keyText), encoder.encode(plaintext)));
  return `${SEALED_PREFIX}${base64url.encode(iv)}.${base64url.encode(ct)}`;
}

/** The plaintext, or null when the blob was not sealed under this key (or was altered). */
export async function unseal(keyText: string, sealed: string): Promise<string | null> {
  if (!sealed.startsWith(SEALED_PREFIX)) {
    return null;
  }
  const [iv, ct] = sealed.slice(SEALED_PREFIX.length).split('.');
  if (iv === undefined || ct === undefined) {
    return null;
  }
  try {
    return decoder.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: base64url.decode(iv) }, await aesKey(keyText), base64url.decode(ct)));
  } catch {
    return null;
  }
}

async function hmac(key: string, message: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, encoder.encode(message)));
}

export async function hmacBase64url(key: string, message: string): Promise<string> {
  return base64url.encode(await hmac(key, message));
}

export async function hmacHex(key: string, message: string): Promise<string> {
  return [...(await hmac(key, message))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compare two strings without an early exit on the first difference. */
export function sameText(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}

export async function sha256Hex(text: string): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
