// DTLS over your own transport: @x/dtls alone, no ICE, no WebRTC. A DtlsTransport only needs a
// function that sends one datagram, and to be handed every datagram that arrives: whatever
// carries datagrams will do (a UDP socket you manage, a serial line with framing, a message
// queue, a test harness). This example runs three scenarios:
//
//   1. over a pair of node:dgram UDP sockets on 127.0.0.1 that the program owns;
//   2. over an in-memory link that loses datagrams of the handshake (DTLS retransmits them);
//   3. with a wrong pinned fingerprint: the handshake fails, and both sides say why.
//
// Both ends authenticate with self-signed certificates whose fingerprints they know in advance
// (pinned, or exchanged over signalling as WebRTC does in SDP, RFC 8122 §5).
//
// Run it: `pnpm --filter @x-tools/example-dtls-custom-transport start` (after the build).
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import {
  AlertDescription,
  CipherSuite,
  DtlsTransport,
  DtlsTransportState,
  fingerprintOf,
  generateCertificate,
} from '@x/dtls';

const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(3).padStart(7)} s`;

// ---- two user-written datagram transports ---------------------------------------------------
//
// Both have the same small shape: `send(datagram)`, `onDatagram = (datagram) => …`, `close()`.

/** Two UDP sockets on 127.0.0.1, each connected to the other. */
async function udpLink() {
  const bind = () =>
    new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve(socket));
    });
  const [a, b] = await Promise.all([bind(), bind()]);
  const connect = (socket, to) =>
    new Promise((resolve) => socket.connect(to.address().port, '127.0.0.1', resolve));
  await Promise.all([connect(a, b), connect(b, a)]);
  const end = (socket) => {
    const e = {
      name: `udp 127.0.0.1:${socket.address().port}`,
      onDatagram: () => {},
      send: (datagram) => socket.send(datagram),
      close: () => new Promise((resolve) => socket.close(resolve)),
    };
    socket.on('message', (m) => e.onDatagram(m));
    return e;
  };
  return [end(a), end(b)];
}

/**
 * Two in-memory queues. Delivery is asynchronous (like a network) and in order; the datagrams
 * whose numbers are in `lose` (counted over both directions, from 1) are lost.
 */
function memoryLink({ lose = [] } = {}) {
  let count = 0;
  const lost = [];
  const make = (name) => ({ name, onDatagram: () => {}, send: () => {}, close: async () => {} });
  const a = make('memory a');
  const b = make('memory b');
  const wire = (from, to) => {
    from.send = (datagram) => {
      count++;
      if (lose.includes(count)) {
        lost.push(count);
        return;
      }
      const copy = Buffer.from(datagram); // the sender may reuse its buffer
      setImmediate(() => to.onDatagram(copy));
    };
  };
  wire(a, b);
  wire(b, a);
  return { ends: [a, b], lost };
}

// ---- why a state changed, in words ---------------------------------------------------------

/** One sentence for each `DtlsStateCause` (see @x/dtls). */
function why(cause) {
  switch (cause.kind) {
    case 'started':
      return 'start() was called';
    case 'handshake-complete':
      return `handshake complete: ${CipherSuite[cause.cipherSuite]}`;
    case 'handshake-timeout':
      return `no answer after ${cause.retransmissions} retransmissions (${cause.elapsedMs} ms)`;
    case 'fingerprint-mismatch':
      return `the peer's certificate is ${cause.actual.algorithm} ${short(cause.actual.value)}, expected ${cause.expected.map((f) => short(f.value)).join(' or ')}`;
    case 'alert-received':
      return `the peer sent the fatal alert ${cause.name} (${cause.description})`;
    case 'protocol-error':
      return `protocol error, we sent ${AlertDescription[cause.alert]}: ${cause.reason}`;
    case 'close-notify-received':
      return 'the peer sent close_notify';
    case 'closed-by-user':
      return 'close() was called';
    default:
      return JSON.stringify(cause);
  }
}
const short = (fingerprint) => `${fingerprint.slice(0, 11)}…`;

// ---- a DTLS endpoint on a transport ---------------------------------------------------------

function endpoint(label, role, transport, { certificate, remoteFingerprint, onData }) {
  const states = [];
  const waiters = new Set();
  const dtls = new DtlsTransport(
    {
      role,
      certificate,
      // The peer's certificate must match: this is what authenticates the peer (RFC 8827 §6.5).
      remoteFingerprints: [remoteFingerprint],
      send: (datagram) => transport.send(datagram),
      onData,
    },
    ({ state, cause }) => {
      states.push(DtlsTransportState[state]);
      console.log(
        `${stamp()}  ${label.padEnd(7)} ${role.padEnd(6)} DTLS ${DtlsTransportState[state].padEnd(10)} ${why(cause)}`,
      );
      for (const w of waiters) w();
    },
  );
  transport.onDatagram = (datagram) => dtls.handleDatagram(datagram);
  return {
    dtls,
    states,
    until: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          if (!predicate(dtls.state)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

const settled = (s) => s !== DtlsTransportState.New && s !== DtlsTransportState.Connecting;

/** A handshake, a request and its answer, the exporter, and a close. */
async function exchange(label, [clientEnd, serverEnd], identities) {
  console.log(`\n${label}: client on ${clientEnd.name}, server on ${serverEnd.name}`);
  const answers = [];
  const server = endpoint(label, 'server', serverEnd, {
    certificate: identities.server.certificate,
    remoteFingerprint: identities.server.pin,
    onData: (data) => server.dtls.send(Buffer.from(`you said: ${data}`)),
  });
  const client = endpoint(label, 'client', clientEnd, {
    certificate: identities.client.certificate,
    remoteFingerprint: identities.client.pin,
    onData: (data) => answers.push(data.toString()),
  });
  const begin = performance.now();
  client.dtls.start();
  server.dtls.start();
  await Promise.all([client.until(settled), server.until(settled)]);
  if (client.dtls.state === DtlsTransportState.Connected) {
    // The certificate the peer presented, checked by DTLS against the pinned fingerprint.
    const seen = fingerprintOf(client.dtls.remoteCertificate);
    console.log(
      `${stamp()}  ${label.padEnd(7)} client sees the server's certificate ${seen.algorithm} ${short(seen.value)} (pinned: ${seen.value === identities.client.pin.value ? 'match' : 'MISMATCH'}), handshake ${(performance.now() - begin).toFixed(1)} ms, ${client.dtls.stats.retransmissions + server.dtls.stats.retransmissions} flights retransmitted`,
    );
    client.dtls.send(Buffer.from('hello over my own transport'));
    await new Promise((resolve) => {
      const poll = () => (answers.length > 0 ? resolve() : setTimeout(poll, 1));
      poll();
    });
    console.log(`${stamp()}  ${label.padEnd(7)} client got "${answers[0]}"`);
    // RFC 5705 exporter: both ends derive the same secret (e.g. keys of an application protocol).
    const a = client.dtls.exportKeyingMaterial('EXPERIMENTAL-my-protocol', 16);
    const b = server.dtls.exportKeyingMaterial('EXPERIMENTAL-my-protocol', 16);
    console.log(
      `${stamp()}  ${label.padEnd(7)} exported keying material ${a.toString('hex')} (${a.equals(b) ? 'same on both ends' : 'DIFFERENT'})`,
    );
    client.dtls.close(); // sends close_notify: the server goes Closed too
    await server.until(settled);
    await server.until((s) => s === DtlsTransportState.Closed);
  }
  await Promise.all([clientEnd.close(), serverEnd.close()]);
  console.log(`${label}: client ${client.states.join(' > ')}; server ${server.states.join(' > ')}`);
}

// ---- the program ---------------------------------------------------------------------------

console.log('dtls-custom-transport: @x/dtls client and server over transports the program owns');
const clientCert = generateCertificate({ commonName: 'device-42' });
const serverCert = generateCertificate({ commonName: 'hub' });
console.log(`client certificate sha-256 ${clientCert.fingerprint().value}`);
console.log(`server certificate sha-256 ${serverCert.fingerprint().value}`);
// Each side knows its own certificate and pins the other's fingerprint.
const identities = {
  client: { certificate: clientCert, pin: serverCert.fingerprint('sha-256') },
  server: { certificate: serverCert, pin: clientCert.fingerprint('sha-256') },
};

await exchange('udp', await udpLink(), identities);

const lossy = memoryLink({ lose: [1, 4] });
await exchange('memory', lossy.ends, identities);
console.log(`memory: datagrams lost on the link: ${lossy.lost.join(', ')}`);

// The client pins the fingerprint of another certificate (an impostor's, or a stale pin).
const stranger = generateCertificate({ commonName: 'someone else' });
await exchange('wrong', memoryLink().ends, {
  client: { certificate: clientCert, pin: stranger.fingerprint('sha-256') },
  server: identities.server,
});
