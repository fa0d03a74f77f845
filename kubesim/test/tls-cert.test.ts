import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCert } from '../src/tls-cert.ts';

describe('createSelfSignedCert', () => {
  it('always encodes a certificate Node can read (a serial starting with 0x00 was illegal DER padding, about 1 in 256)', () => {
    for (let i = 0; i < 1000; i += 1) {
      const { cert } = createSelfSignedCert();
      expect(() => new X509Certificate(cert)).not.toThrow();
    }
  });
});
