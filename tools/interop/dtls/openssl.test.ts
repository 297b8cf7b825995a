/**
 * Interop of @x/dtls with OpenSSL over 127.0.0.1: our client against `openssl s_server
 * -dtls1_2` and our server against `openssl s_client -dtls1_2`, for each cipher suite, with
 * application data both ways and close_notify. Skipped (with a message) when `openssl` is
 * not on PATH; `.ci/run` installs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CipherSuite,
  DtlsTransportState,
  fingerprintOf,
  generateCertificate,
  generateRsaCertificate,
  SrtpProtectionProfile,
} from '@x/dtls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSocket, Output, stop, udp, udpEndpoint, until } from './helpers.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl)
  console.warn('tools/interop/dtls: `openssl` is not on PATH, skipping the OpenSSL interop tests');

/** Each suite, OpenSSL's name for it, and the identity (key type) the server needs. */
const SUITES: Array<[CipherSuite, string, 'theirs' | 'rsa']> = [
  [CipherSuite.EcdheEcdsaAes128GcmSha256, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'theirs'],
  [CipherSuite.EcdheEcdsaAes256GcmSha384, 'ECDHE-ECDSA-AES256-GCM-SHA384', 'theirs'],
  [CipherSuite.EcdheEcdsaChacha20Poly1305Sha256, 'ECDHE-ECDSA-CHACHA20-POLY1305', 'theirs'],
  // An RSA server certificate (what a browser application may pass): our client only.
  [CipherSuite.EcdheRsaAes128GcmSha256, 'ECDHE-RSA-AES128-GCM-SHA256', 'rsa'],
  [CipherSuite.EcdheRsaAes256GcmSha384, 'ECDHE-RSA-AES256-GCM-SHA384', 'rsa'],
  [CipherSuite.EcdheRsaChacha20Poly1305Sha256, 'ECDHE-RSA-CHACHA20-POLY1305', 'rsa'],
];
const fingerprintOfFile = (identity: string) =>
  fingerprintOf(
    Buffer.from(new X509Certificate(readFileSync(join(dir, `${identity}.crt`))).raw),
    'sha-256',
  );

const ours = generateCertificate({ commonName: 'x-dtls' });
/** Our RSA identity (W3C generateCertificate with RSASSA-PKCS1-v1_5), for the RSA suites. */
const oursRsa = await generateRsaCertificate({ commonName: 'x-dtls-rsa' });
const theirs = generateCertificate({ commonName: 'openssl' });
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'x-dtls-interop-'));
  writeFileSync(join(dir, 'theirs.crt'), theirs.toPem());
  writeFileSync(join(dir, 'theirs.key'), theirs.privateKeyPem());
  writeFileSync(join(dir, 'ours.crt'), ours.toPem());
  writeFileSync(join(dir, 'ours.key'), ours.privateKeyPem());
  writeFileSync(join(dir, 'oursRsa.crt'), oursRsa.toPem());
  if (hasOpenssl) {
    // An RSA identity for the peer: we must accept RSA certificates from peers.
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=rsa-peer',
      '-days',
      '1',
      '-keyout',
      join(dir, 'rsa.key'),
      '-out',
      join(dir, 'rsa.crt'),
    ]);
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    // A chain for the peer: a leaf (EC P-256) signed by a CA of its own.
    const run = (args: string[]) => {
      const x = spawnSync('openssl', args, { cwd: dir });
      if (x.status !== 0) throw new Error(`openssl ${args[0]} failed: ${x.stderr}`);
    };
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    run([
      'req',
      '-x509',
      ...ec,
      '-subj',
      '/CN=chain-ca',
      '-days',
      '1',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ]);
    run(['req', ...ec, '-subj', '/CN=chain-leaf', '-keyout', 'leaf.key', '-out', 'leaf.csr']);
    run([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      'leaf.crt',
    ]);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = await udp();
  const port = s.address().port;
  await closeSocket(s);
  return port;
}

describe.skipIf(!hasOpenssl)('@x/dtls with OpenSSL', () => {
  const sClient = (port: number, identity: string, extra: string[] = [], trust = 'ours') =>
    spawn('openssl', [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      join(dir, `${identity}.crt`),
      '-key',
      join(dir, `${identity}.key`),
      '-CAfile',
      join(dir, `${trust}.crt`),
      ...extra,
    ]);

  /** `openssl s_server -dtls1_2` for one connection as `identity`, requiring our certificate. */
  const sServer = (port: number, identity: string, extra: string[] = []) =>
    spawn('openssl', [
      's_server',
      '-dtls1_2',
      '-accept',
      String(port),
      '-naccept',
      '1',
      '-cert',
      join(dir, `${identity}.crt`),
      '-key',
      join(dir, `${identity}.key`),
      '-Verify',
      '1',
      '-CAfile',
      join(dir, 'ours.crt'),
      ...extra,
    ]);

  for (const [suite, name, identity] of SUITES) {
    it(`our client against openssl s_server -dtls1_2 (${name})`, async () => {
      const port = await freePort();
      const server = sServer(port, identity, [
        '-cipher',
        name,
        '-use_srtp',
        'SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80',
        '-keymatexport',
        'EXTRACTOR-dtls_srtp',
        '-keymatexportlen',
        '60',
      ]);
      const out = new Output(server);
      await out.wait('ACCEPT');
      const ep = await udpEndpoint(
        {
          role: 'client',
          certificate: ours,
          remoteFingerprints: [fingerprintOfFile(identity)],
          cipherSuites: [suite],
          srtpProfiles: [
            SrtpProtectionProfile.Aes128CmHmacSha1_80,
            SrtpProtectionProfile.AeadAes128Gcm,
          ],
        },
        port,
      );
      const client = ep.transport;
      try {
        client.start();
        await until(() => client.state !== DtlsTransportState.Connecting, 'handshake');
        expect(DtlsTransportState[client.state]).toBe('Connected');
        expect(client.cipherSuite).toBe(suite);
        // use_srtp (RFC 5764) and the exporter (RFC 5705) agree with OpenSSL's.
        expect(client.srtpProfile).toBe(SrtpProtectionProfile.AeadAes128Gcm);
        await out.wait('Keying material: ');
        const theirKeys = /Keying material: ([0-9A-F]+)/.exec(out.text)?.[1];
        expect(
          client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60).toString('hex').toUpperCase(),
        ).toBe(theirKeys);
        client.send(Buffer.from('ping from x\n'));
        await out.wait('ping from x');
        server.stdin.write('pong from openssl\n');
        await until(() => ep.received.join('').includes('pong from openssl'), 'data from openssl');
        client.close();
        await out.wait('DONE');
        if (process.env.DTLS_INTEROP_VERBOSE) console.log(out.text);
        expect(ep.states.map((s) => DtlsTransportState[s.state])).toEqual([
          'Connecting',
          'Connected',
          'Closed',
        ]);
        expect(client.stats.badMac).toBe(0);
      } finally {
        await ep.close();
        await stop(server);
      }
    });

    // For an RSA suite our server presents our RSA certificate.
    it(`our server against openssl s_client -dtls1_2 (${name})`, async () => {
      const ep = await udpEndpoint({
        role: 'server',
        certificate: identity === 'rsa' ? oursRsa : ours,
        remoteFingerprints: [theirs.fingerprint('sha-256')],
        cipherSuites: [suite],
      });
      const server = ep.transport;
      server.start();
      const client = sClient(
        ep.port,
        'theirs',
        ['-cipher', name],
        identity === 'rsa' ? 'oursRsa' : 'ours',
      );
      const out = new Output(client);
      try {
        await until(() => server.state !== DtlsTransportState.Connecting, 'handshake');
        expect(DtlsTransportState[server.state]).toBe('Connected');
        expect(server.cipherSuite).toBe(suite);
        await out.wait('Verify return code');
        server.send(Buffer.from('ping from x\n'));
        await out.wait('ping from x');
        client.stdin.write('pong from openssl\n');
        await until(() => ep.received.join('').includes('pong from openssl'), 'data from openssl');
        // EOF on stdin: s_client sends close_notify.
        client.stdin.end();
        await until(() => server.state === DtlsTransportState.Closed, 'close_notify');
        if (process.env.DTLS_INTEROP_VERBOSE) console.log(out.text);
        expect(ep.states.at(-1)?.cause).toEqual({ kind: 'close-notify-received' });
      } finally {
        await ep.close();
        await stop(client);
      }
    });
  }

  it('our client keeps the whole chain a server sends (its certificate first), checking the first', async () => {
    const der = (name: string) =>
      Buffer.from(new X509Certificate(readFileSync(join(dir, `${name}.crt`))).raw);
    const port = await freePort();
    const server = sServer(port, 'leaf', ['-cert_chain', join(dir, 'ca.crt')]);
    const out = new Output(server);
    await out.wait('ACCEPT');
    const ep = await udpEndpoint(
      {
        role: 'client',
        certificate: ours,
        remoteFingerprints: [fingerprintOf(der('leaf'), 'sha-256')],
      },
      port,
    );
    try {
      ep.transport.start();
      await until(() => ep.transport.state !== DtlsTransportState.Connecting, 'handshake');
      expect(DtlsTransportState[ep.transport.state]).toBe('Connected');
      expect(ep.transport.remoteCertificates.map((c) => c.toString('hex'))).toEqual([
        der('leaf').toString('hex'),
        der('ca').toString('hex'),
      ]);
    } finally {
      await ep.close();
      await stop(server);
    }
  });

  it('our server accepts an RSA client certificate from openssl s_client (CertificateVerify with RSA)', async () => {
    const rsaDer = Buffer.from(new X509Certificate(readFileSync(join(dir, 'rsa.crt'))).raw);
    const ep = await udpEndpoint({
      role: 'server',
      certificate: ours,
      remoteFingerprints: [fingerprintOf(rsaDer, 'sha-256')],
    });
    ep.transport.start();
    const client = sClient(ep.port, 'rsa');
    const out = new Output(client);
    try {
      await until(() => ep.transport.state !== DtlsTransportState.Connecting, 'handshake');
      expect(DtlsTransportState[ep.transport.state]).toBe('Connected');
      expect(ep.transport.remoteCertificate?.equals(rsaDer)).toBe(true);
      await out.wait('Verify return code: 0');
    } finally {
      await ep.close();
      await stop(client);
    }
  });
});
