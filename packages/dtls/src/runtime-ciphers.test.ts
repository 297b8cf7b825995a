import { describe, expect, it, vi } from 'vitest';

// A runtime whose node:crypto has no ChaCha20-Poly1305, as Bun 1.4's: createCipheriv throws
// "Unknown cipher" for it (the pack test runs the real one under Bun).
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const refuse = (name: string): void => {
    if (name.toLowerCase() === 'chacha20-poly1305')
      throw Object.assign(new Error('Unknown cipher'), { code: 'ERR_CRYPTO_UNKNOWN_CIPHER' });
  };
  return {
    ...crypto,
    createCipheriv: ((name: string, ...rest: never[]) => {
      refuse(name);
      return (crypto.createCipheriv as (...a: unknown[]) => unknown)(name, ...rest);
    }) as typeof crypto.createCipheriv,
    createDecipheriv: ((name: string, ...rest: never[]) => {
      refuse(name);
      return (crypto.createDecipheriv as (...a: unknown[]) => unknown)(name, ...rest);
    }) as typeof crypto.createDecipheriv,
  };
});

const {
  CipherSuite,
  DEFAULT_CIPHER_SUITES,
  DtlsConfigurationError,
  DtlsTransport,
  DtlsTransportState,
} = await import('./index.js');
const { certA, handshake, pair } = await import('./testing-pair.js');
const { decodeClientHello } = await import('./messages.js');

describe('cipher suites on a runtime without ChaCha20-Poly1305', () => {
  it('are negotiated away: a server preferring ChaCha picks the next suite it can run', async () => {
    const p = pair({
      server: {
        cipherSuites: [
          CipherSuite.EcdheEcdsaChacha20Poly1305Sha256,
          CipherSuite.EcdheEcdsaAes256GcmSha384,
        ],
      },
    });
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.server.cipherSuite).toBe(CipherSuite.EcdheEcdsaAes256GcmSha384);
  });

  it('are left out of the default ClientHello', () => {
    const sent: Buffer[] = [];
    const client = new DtlsTransport({
      role: 'client',
      certificate: certA,
      send: (d) => sent.push(d),
    });
    client.start();
    // One record (13-byte header) holding one handshake message (12-byte header).
    const hello = decodeClientHello(sent[0]!.subarray(13 + 12));
    expect(hello.cipherSuites).toEqual(
      DEFAULT_CIPHER_SUITES.filter(
        (s) =>
          s !== CipherSuite.EcdheEcdsaChacha20Poly1305Sha256 &&
          s !== CipherSuite.EcdheRsaChacha20Poly1305Sha256,
      ),
    );
    client.close();
  });

  it('refuses a list with no suite it can run, naming the missing cipher', () => {
    expect(
      () =>
        new DtlsTransport({
          role: 'server',
          certificate: certA,
          send: () => {},
          cipherSuites: [CipherSuite.EcdheEcdsaChacha20Poly1305Sha256],
        }),
    ).toThrow(DtlsConfigurationError);
    expect(
      () =>
        new DtlsTransport({
          role: 'client',
          certificate: certA,
          send: () => {},
          cipherSuites: [CipherSuite.EcdheRsaChacha20Poly1305Sha256],
        }),
    ).toThrow(/chacha20-poly1305.*add an AES-GCM suite/);
  });
});
