import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { isValidSignature } from './verify-signature.ts';

const body = JSON.stringify({ action: 'labeled', issue: { number: 7, title: 'grüße' } });
const bytes = new TextEncoder().encode(body);

describe('isValidSignature', () => {
  it('accepts GitHub’s signature over the body, given as text or as the bytes received', async () => {
    const signature = await sign('secret-a', body);
    expect(await isValidSignature('secret-a', body, signature)).toBe(true);
    expect(await isValidSignature('secret-a', bytes, signature)).toBe(true);
  });

  it('keys by secret: after a rotation the old signature fails and the new one passes', async () => {
    const before = await sign('secret-a', body);
    expect(await isValidSignature('secret-a', body, before)).toBe(true);
    expect(await isValidSignature('secret-b', body, before)).toBe(false);
    expect(await isValidSignature('secret-b', body, await sign('secret-b', body))).toBe(true);
    // Back to the first secret: its key still verifies what it signed.
    expect(await isValidSignature('secret-a', body, before)).toBe(true);
  });

  it('refuses a changed body, a malformed or missing header, and an empty secret', async () => {
    const signature = await sign('secret-a', body);
    expect(await isValidSignature('secret-a', `${body} `, signature)).toBe(false);
    expect(await isValidSignature('secret-a', body, signature.toUpperCase())).toBe(false);
    expect(await isValidSignature('secret-a', body, signature.replace('sha256=', 'sha1='))).toBe(false);
    expect(await isValidSignature('secret-a', body, `${signature}00`)).toBe(false);
    expect(await isValidSignature('secret-a', body, undefined)).toBe(false);
    expect(await isValidSignature('', body, signature)).toBe(false);
  });

  it('verifies an empty body like any other (the route then answers 400 for what it cannot read)', async () => {
    const empty = new Uint8Array(0);
    // sign() refuses an empty payload; this is HMAC-SHA256("secret-a", "").
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('secret-a'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, empty));
    const signature = `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    expect(await isValidSignature('secret-a', empty, signature)).toBe(true);
    expect(await isValidSignature('secret-a', '', signature)).toBe(true);
  });
});
