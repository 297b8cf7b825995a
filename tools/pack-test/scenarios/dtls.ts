// @x/dtls alone (with @x/transport): a DTLS client and a DTLS server over node:dgram sockets
// on 127.0.0.1 (the caller's own transport), fingerprints checked both ways, a record each
// way and the exporter, then close_notify.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import {
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
console.log(`dtls: ok (${log.join(', ')})`);
