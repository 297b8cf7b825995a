/**
 * Interop of @x/dtls with OpenSSL over 127.0.0.1: our client against `openssl s_server
 * -dtls1_2` and our server against `openssl s_client -dtls1_2`, for each cipher suite, with
 * application data both ways and close_notify. Skipped (with a message) when `openssl` is
 * not on PATH; `.ci/run` installs it.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CipherSuite,
  type DtlsStateChange,
  DtlsTransport,
  DtlsTransportState,
  fingerprintOf,
  generateCertificate,
  SrtpProtectionProfile,
} from '@x/dtls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl)
  console.warn('tools/interop/dtls: `openssl` is not on PATH, skipping the OpenSSL interop tests');

const SUITES: Array<[CipherSuite, string]> = [
  [CipherSuite.EcdheEcdsaAes128GcmSha256, 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  [CipherSuite.EcdheEcdsaAes256GcmSha384, 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  [CipherSuite.EcdheEcdsaChacha20Poly1305Sha256, 'ECDHE-ECDSA-CHACHA20-POLY1305'],
];

const ours = generateCertificate({ commonName: 'x-dtls' });
const theirs = generateCertificate({ commonName: 'openssl' });
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'x-dtls-interop-'));
  writeFileSync(join(dir, 'theirs.crt'), theirs.toPem());
  writeFileSync(join(dir, 'theirs.key'), theirs.privateKeyPem());
  writeFileSync(join(dir, 'ours.crt'), ours.toPem());
  writeFileSync(join(dir, 'ours.key'), ours.privateKeyPem());
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
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Collects a child's output and resolves when it contains `text`. */
class Output {
  text = '';
  private waiters: Array<{ text: string; resolve: () => void }> = [];
  constructor(child: ChildProcessWithoutNullStreams) {
    const on = (chunk: Buffer): void => {
      this.text += chunk.toString('latin1');
      const pending = this.waiters;
      this.waiters = [];
      for (const w of pending) {
        if (this.text.includes(w.text)) w.resolve();
        else this.waiters.push(w);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  }
  wait(text: string, ms = 5000): Promise<void> {
    if (this.text.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out waiting for ${JSON.stringify(text)}; output:\n${this.text}`)),
        ms,
      );
      this.waiters.push({
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

function closeSocket(s: Socket): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

describe.skipIf(!hasOpenssl)('@x/dtls with OpenSSL', () => {
  for (const [suite, name] of SUITES) {
    it(`our client against openssl s_server -dtls1_2 (${name})`, async () => {
      const port = await freePort();
      const server = spawn('openssl', [
        's_server',
        '-dtls1_2',
        '-accept',
        String(port),
        '-naccept',
        '1',
        '-cert',
        join(dir, 'theirs.crt'),
        '-key',
        join(dir, 'theirs.key'),
        '-cipher',
        name,
        '-Verify',
        '1',
        '-use_srtp',
        'SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80',
        '-keymatexport',
        'EXTRACTOR-dtls_srtp',
        '-keymatexportlen',
        '60',
        '-CAfile',
        join(dir, 'ours.crt'),
      ]);
      const out = new Output(server);
      const socket = createSocket('udp4');
      try {
        await out.wait('ACCEPT');
        await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
        const received: string[] = [];
        const states: DtlsStateChange[] = [];
        const client = new DtlsTransport(
          {
            role: 'client',
            certificate: ours,
            remoteFingerprints: [theirs.fingerprint('sha-256')],
            cipherSuites: [suite],
            srtpProfiles: [
              SrtpProtectionProfile.Aes128CmHmacSha1_80,
              SrtpProtectionProfile.AeadAes128Gcm,
            ],
            send: (d) => socket.send(d, port, '127.0.0.1'),
            onData: (d) => received.push(d.toString()),
          },
          (c) => states.push(c),
        );
        socket.on('message', (m) => client.handleDatagram(m));
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
        await until(() => received.join('').includes('pong from openssl'), 'data from openssl');
        client.close();
        await out.wait('DONE');
        if (process.env.DTLS_INTEROP_VERBOSE) console.log(out.text);
        expect(states.map((s) => DtlsTransportState[s.state])).toEqual([
          'Connecting',
          'Connected',
          'Closed',
        ]);
        expect(client.stats.badMac).toBe(0);
      } finally {
        await closeSocket(socket);
        await stop(server);
      }
    });

    it(`our server against openssl s_client -dtls1_2 (${name})`, async () => {
      const socket = createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
      const port = socket.address().port;
      let peer: { port: number; address: string } | undefined;
      const received: string[] = [];
      const states: DtlsStateChange[] = [];
      const server = new DtlsTransport(
        {
          role: 'server',
          certificate: ours,
          remoteFingerprints: [theirs.fingerprint('sha-256')],
          cipherSuites: [suite],
          send: (d) => peer && socket.send(d, peer.port, peer.address),
          onData: (d) => received.push(d.toString()),
        },
        (c) => states.push(c),
      );
      socket.on('message', (m, rinfo) => {
        peer ??= rinfo;
        server.handleDatagram(m);
      });
      server.start();
      const client = spawn('openssl', [
        's_client',
        '-dtls1_2',
        '-connect',
        `127.0.0.1:${port}`,
        '-cert',
        join(dir, 'theirs.crt'),
        '-key',
        join(dir, 'theirs.key'),
        '-cipher',
        name,
        '-CAfile',
        join(dir, 'ours.crt'),
      ]);
      const out = new Output(client);
      try {
        await until(() => server.state !== DtlsTransportState.Connecting, 'handshake');
        expect(DtlsTransportState[server.state]).toBe('Connected');
        expect(server.cipherSuite).toBe(suite);
        await out.wait('Verify return code');
        server.send(Buffer.from('ping from x\n'));
        await out.wait('ping from x');
        client.stdin.write('pong from openssl\n');
        await until(() => received.join('').includes('pong from openssl'), 'data from openssl');
        // EOF on stdin: s_client sends close_notify.
        client.stdin.end();
        await until(() => server.state === DtlsTransportState.Closed, 'close_notify');
        if (process.env.DTLS_INTEROP_VERBOSE) console.log(out.text);
        expect(states.at(-1)?.cause).toEqual({ kind: 'close-notify-received' });
      } finally {
        server.close();
        await closeSocket(socket);
        await stop(client);
      }
    });
  }

  it('our server accepts an RSA client certificate from openssl s_client (CertificateVerify with RSA)', async () => {
    const rsaDer = Buffer.from(new X509Certificate(readFileSync(join(dir, 'rsa.crt'))).raw);
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    const port = socket.address().port;
    let peer: { port: number; address: string } | undefined;
    const server = new DtlsTransport({
      role: 'server',
      certificate: ours,
      remoteFingerprints: [fingerprintOf(rsaDer, 'sha-256')],
      send: (d) => peer && socket.send(d, peer.port, peer.address),
    });
    socket.on('message', (m, rinfo) => {
      peer ??= rinfo;
      server.handleDatagram(m);
    });
    server.start();
    const client = spawn('openssl', [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      join(dir, 'rsa.crt'),
      '-key',
      join(dir, 'rsa.key'),
      '-CAfile',
      join(dir, 'ours.crt'),
    ]);
    const out = new Output(client);
    try {
      await until(() => server.state !== DtlsTransportState.Connecting, 'handshake');
      expect(DtlsTransportState[server.state]).toBe('Connected');
      expect(server.remoteCertificate?.equals(rsaDer)).toBe(true);
      await out.wait('Verify return code: 0');
    } finally {
      server.close();
      await closeSocket(socket);
      await stop(client);
    }
  });
});
