/**
 * Interop of @x/dtls with werift's DTLS (the closest pure-TypeScript peer), in one process
 * over real UDP sockets on 127.0.0.1, in both roles.
 */
import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DtlsTransport, DtlsTransportState, generateCertificate } from '@x/dtls';
import { describe, expect, it } from 'vitest';
import { closeSocket, udp, until } from './helpers.js';

const require = createRequire(import.meta.url);
const werift = require(
  fileURLToPath(new URL('../node_modules/werift/lib/dtls/src/index.js', import.meta.url)),
) as {
  DtlsClient: new (o: object) => WeriftSocket & { connect(): Promise<void> };
  DtlsServer: new (o: object) => WeriftSocket;
};

interface WeriftSocket {
  onConnect: { once(f: () => void): void };
  onData: { subscribe(f: (d: Buffer) => void): void };
  send(d: Buffer): Promise<void>;
  close(): void;
}

const ours = generateCertificate({ commonName: 'x-dtls' });
const theirs = generateCertificate({ commonName: 'werift' });

/** werift's Transport over a bound socket, talking to `port`. */
function weriftTransport(socket: Socket, port: number) {
  const t = {
    type: 'udp',
    address: socket.address(),
    closed: false,
    onData: (_d: Buffer, _a: unknown) => {},
    send: async (d: Buffer) => {
      socket.send(d, port, '127.0.0.1');
    },
    close: async () => {},
  };
  socket.on('message', (m, r) => t.onData(m, [r.address, r.port]));
  return t;
}

const options = (c: typeof ours) => ({
  cert: c.toPem(),
  key: c.privateKeyPem(),
  signatureHash: { hash: 4, signature: 3 },
  certificateRequest: true,
  extendedMasterSecret: true,
});

describe('@x/dtls with werift', () => {
  it('our server, werift client: handshake, data both ways', async () => {
    const [a, b] = [await udp(), await udp()];
    const received: string[] = [];
    const server = new DtlsTransport({
      role: 'server',
      certificate: ours,
      remoteFingerprints: [theirs.fingerprint()],
      send: (d) => a.send(d, b.address().port, '127.0.0.1'),
      onData: (d) => received.push(String(d)),
    });
    a.on('message', (m) => server.handleDatagram(m));
    server.start();
    const client = new werift.DtlsClient({
      ...options(theirs),
      transport: weriftTransport(b, a.address().port),
    });
    const got: string[] = [];
    client.onData.subscribe((d) => got.push(String(d)));
    try {
      await client.connect();
      await until(() => server.state === DtlsTransportState.Connected, 'server connected');
      await client.send(Buffer.from('from werift'));
      server.send(Buffer.from('from x'));
      await until(() => received.includes('from werift') && got.includes('from x'), 'data');
    } finally {
      client.close();
      server.close();
      await closeSocket(a);
      await closeSocket(b);
    }
  });

  it('our client, werift server: handshake, data both ways', async () => {
    const [a, b] = [await udp(), await udp()];
    const received: string[] = [];
    const server = new werift.DtlsServer({
      ...options(theirs),
      transport: weriftTransport(b, a.address().port),
    });
    const got: string[] = [];
    server.onData.subscribe((d) => got.push(String(d)));
    const client = new DtlsTransport({
      role: 'client',
      certificate: ours,
      remoteFingerprints: [theirs.fingerprint()],
      send: (d) => a.send(d, b.address().port, '127.0.0.1'),
      onData: (d) => received.push(String(d)),
    });
    a.on('message', (m) => client.handleDatagram(m));
    try {
      client.start();
      await until(() => client.state !== DtlsTransportState.Connecting, 'client connected');
      expect(DtlsTransportState[client.state]).toBe('Connected');
      client.send(Buffer.from('from x'));
      await until(() => got.includes('from x'), 'data at werift');
      await server.send(Buffer.from('from werift'));
      await until(() => received.includes('from werift'), 'data from werift');
    } finally {
      client.close();
      server.close();
      await closeSocket(a);
      await closeSocket(b);
    }
  });
});
