/**
 * werift (npm `werift`, the closest pure-TypeScript peer) as an {@link InteropPeer}, in this
 * process. werift's defaults reach for a public STUN server and skip loopback: it gets no ICE
 * servers, 127.0.0.1 as its only interface and host address, and no IPv6; candidates of any
 * other address are dropped in signaling as for every peer.
 */
import { createRequire } from 'node:module';
import { type InteropPeer, type StandardPeerConnection, wrapStandardPeer } from './harness.js';

const require = createRequire(import.meta.url);
const werift = require('werift') as {
  RTCPeerConnection: new (
    config: unknown,
  ) => Omit<StandardPeerConnection, 'close'> & { close(): Promise<void> };
};

export function weriftPeer(): InteropPeer {
  const pc = new werift.RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceUseIpv6: false,
  });
  return wrapStandardPeer('werift', pc as StandardPeerConnection, () => pc.close(), {
    // werift advertises a=max-message-size:65536 and holds to it.
    largestMessage: 65_536,
    // werift's close() stops ICE and DTLS (its DTLS stop has no close_notify: "todo impl send
    // alert") before SCTP, whose ABORT then has no way out: nothing reaches the peer.
    closeSignal: 'none',
  });
}
