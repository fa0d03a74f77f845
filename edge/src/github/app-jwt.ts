/**
 * The GitHub App's own JWT (RS256, `iss` = app id), which authenticates the
 * App-level endpoints (`/app/...`) and the minting of installation tokens.
 *
 * GitHub hands out the private key as PKCS#1 (`BEGIN RSA PRIVATE KEY`), but
 * jose (WebCrypto) imports only PKCS#8. The conversion wraps the PKCS#1 DER in
 * a PKCS#8 PrivateKeyInfo (RFC 5208 §5):
 *
 *   PrivateKeyInfo ::= SEQUENCE {
 *     version             INTEGER 0,
 *     privateKeyAlgorithm SEQUENCE { OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL },
 *     privateKey          OCTET STRING  -- the PKCS#1 RSAPrivateKey DER
 *   }
 *
 * Pure TypeScript (atob/btoa only) so it runs in workerd without node:crypto.
 */
import { importPKCS8, SignJWT } from 'jose';

/** GitHub rejects App JWTs living longer than 10 minutes. */
export const APP_JWT_TTL_SECONDS = 9 * 60;
/** Backdated against clock drift, as GitHub recommends. */
export const APP_JWT_BACKDATE_SECONDS = 60;

const PKCS1_LABEL = 'RSA PRIVATE KEY';
const PKCS8_LABEL = 'PRIVATE KEY';
// version 0, AlgorithmIdentifier { rsaEncryption, NULL }
const VERSION_0 = [0x02, 0x01, 0x00];
const RSA_ALGORITHM = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

function derLength(length: number): number[] {
  if (length < 0x80) {
    return [length];
  }
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) {
    bytes.unshift(n % 256);
  }
  return [0x80 | bytes.length, ...bytes];
}

function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const head = [tag, ...derLength(content.length)];
  const out = new Uint8Array(head.length + content.length);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

function concat(parts: readonly (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Wrap a PKCS#1 RSAPrivateKey DER in a PKCS#8 PrivateKeyInfo DER. */
export function wrapPkcs1InPkcs8(pkcs1Der: Uint8Array): Uint8Array {
  return derTlv(0x30, concat([VERSION_0, RSA_ALGORITHM, derTlv(0x04, pkcs1Der)]));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    out[i] = binary.charCodeAt(i);
  }
  return out;
}

export type PemParse = { kind: 'pkcs1' | 'pkcs8'; der: Uint8Array } | { kind: 'invalid'; reason: string };

/**
 * Find the key block in a PEM. Secrets pasted through a dashboard or an env
 * file often carry literal `\n` instead of newlines; both are accepted.
 */
export function parsePrivateKeyPem(pem: string): PemParse {
  const text = pem.replace(/\\n/g, '\n').trim();
  const match = /-----BEGIN ((?:RSA )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (match === null) {
    return { kind: 'invalid', reason: 'no "BEGIN RSA PRIVATE KEY" or "BEGIN PRIVATE KEY" block' };
  }
  const body = (match[2] ?? '').replace(/\s+/g, '');
  try {
    const der = fromBase64(body);
    return { kind: match[1] === PKCS1_LABEL ? 'pkcs1' : 'pkcs8', der };
  } catch {
    // atob throws on malformed base64; the caller reports it without the key text.
    return { kind: 'invalid', reason: 'key block is not base64' };
  }
}

/** PKCS#8 PEM for either input format (PKCS#1 is wrapped, PKCS#8 passes through). */
export function toPkcs8Pem(pem: string): string {
  const parsed = parsePrivateKeyPem(pem);
  if (parsed.kind === 'invalid') {
    throw new Error(`GITHUB_APP_PRIVATE_KEY: ${parsed.reason}`);
  }
  const der = parsed.kind === 'pkcs1' ? wrapPkcs1InPkcs8(parsed.der) : parsed.der;
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${PKCS8_LABEL}-----\n${lines.join('\n')}\n-----END ${PKCS8_LABEL}-----\n`;
}

/** Import the App key (PKCS#1 or PKCS#8 PEM) as a non-extractable RS256 signing key. */
export async function importAppPrivateKey(pem: string): Promise<CryptoKey> {
  return importPKCS8(toPkcs8Pem(pem), 'RS256', { extractable: false });
}

/** Sign one App JWT: `iat` = now − 60 s, `exp` = now + 9 min, `iss` = app id. */
export async function signAppJwt(key: CryptoKey, appId: string, nowMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(appId)
    .setIssuedAt(now - APP_JWT_BACKDATE_SECONDS)
    .setExpirationTime(now + APP_JWT_TTL_SECONDS)
    .sign(key);
}

export interface AppJwtSigner {
  readonly appId: string;
  /** A valid App JWT; reused while it has more than a minute left. */
  jwt(): Promise<string>;
}

export interface AppJwtOptions {
  appId: string;
  privateKeyPem: string;
  /** Epoch ms. */
  now: () => number;
}

/** The key is imported once; the JWT is re-signed when less than a minute is left. */
export function createAppJwtSigner(options: AppJwtOptions): AppJwtSigner {
  let key: Promise<CryptoKey> | null = null;
  let cached: { jwt: string; expiresAt: number } | null = null;
  return {
    appId: options.appId,
    async jwt() {
      const now = options.now();
      if (cached !== null && cached.expiresAt - 60_000 > now) {
        return cached.jwt;
      }
      if (options.appId === '' || options.privateKeyPem === '') {
        throw new Error('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY must be set');
      }
      if (key === null) {
        key = importAppPrivateKey(options.privateKeyPem);
        // A bad key must not stay cached as a rejected promise forever (a
        // rotated secret reaches a new isolate anyway, but tests reuse one).
        key.catch(() => {
          key = null;
        });
      }
      const jwt = await signAppJwt(await key, options.appId, now);
      cached = { jwt, expiresAt: now + APP_JWT_TTL_SECONDS * 1000 };
      return jwt;
    },
  };
}
