// The floor of any forwarder on node:dgram and node:crypto: no ICE, DTLS, RTCP or RTP
// session, only what every packet needs. The relay receives a datagram, opens its AES-128-GCM
// payload (what SRTP's AEAD profile does), seals it again under another key and sends it on,
// from one JavaScript callback. The generator sends it the same streams as to the stacks, as
// datagrams [RTP header][send time, 8 octets][sealed payload][16-octet tag], and counts what
// comes back without opening it.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import dgram from 'node:dgram';

const KEY_IN = Buffer.alloc(16, 1);
const KEY_OUT = Buffer.alloc(16, 2);
const CLEAR = 20;
const TAG = 16;

/** The nonce of a packet: its SSRC, sequence number and timestamp (the header's octets 2-11). */
const nonce = (datagram) => datagram.subarray(0, 12);

function seal(key, clear, payload) {
  const c = createCipheriv('aes-128-gcm', key, nonce(clear));
  c.setAAD(clear);
  const body = c.update(payload);
  c.final();
  return Buffer.concat([clear, body, c.getAuthTag()]);
}

function open(key, datagram) {
  const d = createDecipheriv('aes-128-gcm', key, nonce(datagram));
  d.setAAD(datagram.subarray(0, CLEAR));
  d.setAuthTag(datagram.subarray(datagram.length - TAG));
  const payload = d.update(datagram.subarray(CLEAR, datagram.length - TAG));
  d.final();
  return payload;
}

const bind = (onMessage) =>
  new Promise((resolve) => {
    const socket = dgram.createSocket('udp4', onMessage);
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });

/** The relay: resolves with its socket; forwards to `peer()`'s port; counts in `counter`. */
export async function relay(peer, counter) {
  const socket = await bind((datagram) => {
    const payload = open(KEY_IN, datagram);
    socket.send(seal(KEY_OUT, datagram.subarray(0, CLEAR), payload), peer(), '127.0.0.1');
    counter.forwarded++;
  });
  return socket;
}

/**
 * The generator's end: `send(packet)` seals an RTP packet whose last 8 octets are its send
 * time; `onStamp(sentAt)` hears each datagram that came back.
 */
export async function endpoint(onStamp) {
  let relayPort = 0;
  const socket = await bind((datagram) => onStamp(datagram.readDoubleLE(12)));
  return {
    socket,
    port: socket.address().port,
    setRelay: (port) => {
      relayPort = port;
    },
    send(packet) {
      const clear = Buffer.allocUnsafe(CLEAR);
      packet.copy(clear, 0, 0, 12);
      packet.copy(clear, 12, packet.length - 8);
      const datagram = seal(KEY_IN, clear, packet.subarray(12, packet.length - 8));
      if (relayPort) socket.send(datagram, relayPort, '127.0.0.1');
    },
  };
}
