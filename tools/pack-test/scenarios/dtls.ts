// @x/dtls alone (with @x/transport): a DTLS client and a DTLS server over node:dgram sockets
// on 127.0.0.1 (the caller's own transport), fingerprints checked both ways, a record each
// way and the exporter, then close_notify. Then each AEAD suite over an in-memory link.
import assert from 'node:assert/strict';
import { getCiphers } from 'node:crypto';
import { createSocket } from 'node:dgram';
import {
  CipherSuite,
  DtlsConfigurationError,
  type DtlsStateChange,
  DtlsTransport,
  DtlsTransportState,
  fingerprintOf,
  generateCertificate,
} from '@x/dtls';

const serverCert = generateCertificate({ commonName: 'server' });
const clientCert = generateCertificate({ commonName: 'client' });
const serverSocket = createSocket('udp4');
const clientSocket = createSocket('udp4');
await new Promise<void>((resolve) => serverSocket.bind(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => clientSocket.bind(0, '127.0.0.1', resolve));

const log: string[] = [];
const received: string[] = [];
const record = (who: string) => (change: DtlsStateChange) =>
  log.push(`${who} ${DtlsTransportState[change.state]} (${change.cause.kind})`);

const server = new DtlsTransport(
  {
    role: 'server',
    certificate: serverCert,
    remoteFingerprints: [fingerprintOf(clientCert.der)],
    send: (d) => serverSocket.send(d, clientSocket.address().port, '127.0.0.1'),
    onData: (d) => {
      received.push(`server got ${d.toString()}`);
      server.send(Buffer.from('world'));
    },
  },
  record('server'),
);
const client = new DtlsTransport(
  {
    role: 'client',
    certificate: clientCert,
    remoteFingerprints: [fingerprintOf(serverCert.der, 'sha-256')],
    send: (d) => clientSocket.send(d, serverSocket.address().port, '127.0.0.1'),
    onData: (d) => received.push(`client got ${d.toString()}`),
  },
  record('client'),
);
serverSocket.on('message', (d) => server.handleDatagram(d));
clientSocket.on('message', (d) => client.handleDatagram(d));
server.start();
client.start();

const until = async (what: string, done: () => boolean): Promise<void> => {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
await until('connected', () => client.state === DtlsTransportState.Connected);
await until('server connected', () => server.state === DtlsTransportState.Connected);
client.send(Buffer.from('hello'));
await until('the reply', () => received.length === 2);
assert.deepEqual(received, ['server got hello', 'client got world']);
assert.deepEqual(
  client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 32),
  server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 32),
);
client.close();
await until('the server closed by close_notify', () => server.state === DtlsTransportState.Closed);
serverSocket.close();
clientSocket.close();

// Each AEAD suite the server may pick, the client offering its defaults. Where the runtime's
// node:crypto lacks a cipher (Bun has no ChaCha20-Poly1305), its suites are negotiated away:
// a server preferring one picks the next, and a list of only those is refused up front.
const { Aes128, Aes256, ChaCha } = {
  Aes128: CipherSuite.EcdheEcdsaAes128GcmSha256,
  Aes256: CipherSuite.EcdheEcdsaAes256GcmSha384,
  ChaCha: CipherSuite.EcdheEcdsaChacha20Poly1305Sha256,
};
const hasChaCha = getCiphers().includes('chacha20-poly1305');
const suites: string[] = [];
for (const preferred of [[Aes128], [Aes256], [ChaCha], [ChaCha, Aes256]]) {
  const expected = preferred.find((s) => s !== ChaCha || hasChaCha);
  const peers: DtlsTransport[] = [];
  const link = (to: number) => (d: Buffer) => setImmediate(() => peers[to]?.handleDatagram(d));
  const options = { certificate: serverCert, cipherSuites: preferred, send: link(1) };
  if (expected === undefined) {
    assert.throws(() => new DtlsTransport({ role: 'server', ...options }), DtlsConfigurationError);
    suites.push('chacha20-poly1305 unavailable');
    continue;
  }
  peers.push(new DtlsTransport({ role: 'server', ...options }));
  peers.push(new DtlsTransport({ role: 'client', certificate: clientCert, send: link(0) }));
  for (const p of peers) p.start();
  await until(`suite 0x${expected.toString(16)}`, () =>
    peers.every((p) => p.state === DtlsTransportState.Connected),
  );
  assert.equal(peers[1]!.cipherSuite, expected);
  suites.push(`0x${expected.toString(16)}`);
  for (const p of peers) p.close();
}
console.log(`dtls: ok (${log.join(', ')}; suites ${suites.join(', ')})`);
