import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from './certificate.js';
import { certificatePublicKey } from './certificate-key.js';
import { ParseError } from './errors.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('certificatePublicKey', () => {
  it('finds the P-256 key of our certificates, equal to what X509Certificate finds', () => {
    const cert = generateCertificate();
    const key = certificatePublicKey(cert.der);
    expect(key.equals(new X509Certificate(cert.der).publicKey)).toBe(true);
  });

  it.skipIf(!hasOpenssl)('finds RSA and P-384 keys of certificates made by openssl', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-dtls-key-'));
    try {
      for (const newkey of [
        ['-newkey', 'rsa:2048'],
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
      ]) {
        const r = spawnSync('openssl', [
          'req',
          '-x509',
          ...newkey,
          '-nodes',
          '-subj',
          '/CN=peer',
          '-days',
          '1',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'c.pem'),
          '-outform',
          'DER',
        ]);
        expect(r.status).toBe(0);
        const der = readFileSync(join(dir, 'c.pem'));
        expect(certificatePublicKey(der).equals(new X509Certificate(der).publicKey)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws ParseError on every truncation and on garbage', () => {
    const der = generateCertificate().der;
    for (let n = 0; n < der.length; n += 7)
      expect(() => certificatePublicKey(der.subarray(0, n))).toThrow(ParseError);
    expect(() => certificatePublicKey(Buffer.from('3003020100', 'hex'))).toThrow(ParseError);
    expect(() => certificatePublicKey(Buffer.from('308400000000', 'hex'))).toThrow(ParseError);
  });
});
