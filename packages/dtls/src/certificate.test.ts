import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DtlsCertificate, fingerprintOf, generateCertificate } from './certificate.js';
import { CertificateError } from './errors.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('generateCertificate', () => {
  const cert = generateCertificate({ commonName: 'unit', expiresInMs: 3600_000 });

  it('is a self-signed ECDSA P-256 certificate that node verifies', () => {
    const x = new X509Certificate(cert.der);
    expect(x.subject).toBe('CN=unit');
    expect(x.issuer).toBe('CN=unit');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Math.abs(new Date(x.validTo).getTime() - (Date.now() + 3600_000))).toBeLessThan(5000);
  });

  it.skipIf(!hasOpenssl)('parses with openssl x509 -noout -text', () => {
    const r = spawnSync('openssl', ['x509', '-noout', '-text'], { input: cert.toPem() });
    expect(r.status).toBe(0);
    const text = r.stdout.toString();
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toContain('Subject: CN = unit');
  });

  it('gives fingerprints in SDP form for each algorithm (RFC 8122 §5)', () => {
    expect(cert.fingerprint().value).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.fingerprint('sha-1').value).toHaveLength(59);
    expect(cert.fingerprint('sha-384').value).toHaveLength(143);
    expect(cert.fingerprint('sha-512').value).toHaveLength(191);
    expect(cert.fingerprint().value).toBe(new X509Certificate(cert.der).fingerprint256);
    // Each algorithm is hashed once and kept: asked again, each still gives its own.
    expect(cert.fingerprint('sha-1').value).toBe(new X509Certificate(cert.der).fingerprint);
    expect(cert.fingerprint('sha-512')).toBe(cert.fingerprint('sha-512'));
    expect(() => fingerprintOf(cert.der, 'md5' as never)).toThrow(CertificateError);
    expect(() => cert.fingerprint('md5' as never)).toThrow(CertificateError);
  });

  it('round-trips through PEM and refuses a key of another certificate', () => {
    const back = DtlsCertificate.fromPem(cert.toPem(), cert.privateKeyPem());
    expect(back.der.equals(cert.der)).toBe(true);
    expect(() =>
      DtlsCertificate.fromPem(cert.toPem(), generateCertificate().privateKeyPem()),
    ).toThrow(/does not match/);
  });

  it('knows its own end of validity and key without parsing itself back', () => {
    const x = new X509Certificate(cert.der);
    expect(cert.expires.getTime()).toBe(new Date(x.validTo).getTime());
    expect(x.checkPrivateKey(cert.privateKey)).toBe(true);
    expect(x.publicKey.export({ type: 'spki', format: 'der' }).length).toBe(91);
    // A certificate built from outside is still checked.
    expect(() => new DtlsCertificate(cert.der, generateCertificate().privateKey)).toThrow(
      /does not match/,
    );
    expect(new DtlsCertificate(cert.der, cert.privateKey).expires).toEqual(cert.expires);
  });

  it('writes GeneralizedTime after 2049 (RFC 5280 §4.1.2.5)', () => {
    const long = generateCertificate({ expiresInMs: 40 * 365 * 24 * 3600_000 });
    expect(new Date(new X509Certificate(long.der).validTo).getUTCFullYear()).toBeGreaterThanOrEqual(
      2060,
    );
  });

  it('makes a certificate that expires now for expiresInMs 0, and refuses a negative one', () => {
    const before = Date.now();
    const expired = generateCertificate({ expiresInMs: 0 });
    expect(expired.expires.getTime()).toBeLessThanOrEqual(before);
    expect(new X509Certificate(expired.der).validTo).toBeTruthy();
    expect(() => generateCertificate({ expiresInMs: -1 })).toThrow(/0 or more/);
    expect(() => generateCertificate({ expiresInMs: Number.NaN })).toThrow(/0 or more/);
  });
});
