/**
 * RSA identities (W3C `generateCertificate()` with RSASSA-PKCS1-v1_5): the certificate we make,
 * DTLS with it in either role (ECDHE_RSA suites, RSA CertificateVerify), and the signature
 * scheme chosen from what the peer accepts.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRsaCertificate } from './certificate.js';
import { CipherSuite } from './cipher-suite.js';
import { SignatureScheme } from './constants.js';
import { ourScheme } from './signature.js';
import { certA, handshake, pair } from './testing-pair.js';
import { DtlsTransportState } from './transport-state.js';

const rsa = await generateRsaCertificate({ commonName: 'rsa', expiresInMs: 3600_000 });

describe('generateRsaCertificate', () => {
  it('makes a self-signed RSA 2048 certificate, signed with sha256WithRSAEncryption', () => {
    const x = new X509Certificate(rsa.der);
    expect(x.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x.publicKey.asymmetricKeyDetails).toMatchObject({
      modulusLength: 2048,
      publicExponent: 65537n,
    });
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(rsa.privateKey)).toBe(true);
    expect(x.subject).toBe('CN=rsa');
  });

  it('refuses a modulus outside 1024..8192 bits', async () => {
    await expect(generateRsaCertificate({ modulusLength: 512 })).rejects.toThrow(/1024 to 8192/);
  });
});

describe('DTLS with an RSA certificate', () => {
  it('our server: an ECDHE_RSA suite, the ServerKeyExchange signed with RSA', async () => {
    const p = pair({ serverCert: rsa });
    await handshake(p);
    expect([p.client.state, p.server.state]).toEqual([
      DtlsTransportState.Connected,
      DtlsTransportState.Connected,
    ]);
    expect(p.client.cipherSuite).toBe(CipherSuite.EcdheRsaAes128GcmSha256);
    expect(p.client.remoteCertificate?.equals(rsa.der)).toBe(true);
  });

  it('our client: CertificateVerify signed with RSA, with the ECDSA server', async () => {
    const p = pair({ clientCert: rsa, serverCert: certA });
    await handshake(p);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
    expect(p.server.cipherSuite).toBe(CipherSuite.EcdheEcdsaAes128GcmSha256);
    expect(p.server.remoteCertificate?.equals(rsa.der)).toBe(true);
  });

  it('both ends RSA', async () => {
    const p = pair({ clientCert: rsa, serverCert: rsa });
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
  });
});

describe('ourScheme', () => {
  it('takes the first scheme our key can make that the peer accepts', () => {
    expect(ourScheme(certA.privateKey, undefined)).toBe(SignatureScheme.EcdsaSecp256r1Sha256);
    expect(ourScheme(rsa.privateKey, undefined)).toBe(SignatureScheme.RsaPkcs1Sha256);
    expect(
      ourScheme(rsa.privateKey, [
        SignatureScheme.EcdsaSecp256r1Sha256,
        SignatureScheme.RsaPssRsaeSha256,
      ]),
    ).toBe(SignatureScheme.RsaPssRsaeSha256);
    expect(ourScheme(rsa.privateKey, [SignatureScheme.EcdsaSecp256r1Sha256])).toBeUndefined();
    expect(ourScheme(certA.privateKey, [SignatureScheme.RsaPkcs1Sha256])).toBeUndefined();
  });
});
