/**
 * `negotiationneeded` as webrtc-pc §4.7.3 says (after the data-channel cases of the
 * web-platform-tests' RTCPeerConnection-onnegotiationneeded): fired from a queued task, once
 * while the flag stays set, only in `stable`, and again when a negotiation ends without
 * covering what was needed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import { closeAll, negotiate, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

/** Lets queued tasks run (the event is fired from one). */
const tasks = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

function events(pc: RTCPeerConnection): string[] {
  const seen: string[] = [];
  pc.addEventListener('negotiationneeded', () => seen.push(pc.signalingState));
  return seen;
}

describe('negotiationneeded', () => {
  it('fires once for the first data channel, from a task (a listener added after the call still hears it)', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a } = peers;
    a.createDataChannel('first');
    const seen = events(a);
    a.createDataChannel('second');
    await tasks();
    expect(seen).toEqual(['stable']);
  });

  it('does not fire while an offer is out, and fires once the answer brings stable back', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a, b } = peers;
    const seen = events(a);
    // The offer has no data section: the channel comes after it.
    await a.setLocalDescription(await a.createOffer());
    a.createDataChannel('late');
    await tasks();
    expect(seen).toEqual([]);
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    await tasks();
    expect(seen).toEqual(['stable']);
  });

  it('stops firing once an offer/answer negotiated the data section', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a, b } = peers;
    const seen = events(a);
    a.createDataChannel('x');
    await tasks();
    await negotiate(a, b);
    a.createDataChannel('y');
    await tasks();
    expect(seen).toEqual(['stable']);
  });

  it('fires again when the negotiation that ended did not cover the data (the peer rejected it)', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a, b } = peers;
    const seen = events(a);
    a.createDataChannel('x');
    await tasks();
    // The answer as a peer without data channels would give it: the section rejected.
    await negotiate(a, b, (sdp) => sdp.replace(/m=application \d+/, 'm=application 0'));
    await tasks();
    expect(seen).toEqual(['stable', 'stable']);
  });

  it('fires for restartIce() and not after close()', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a, b } = peers;
    a.createDataChannel('x');
    await negotiate(a, b);
    await tasks();
    const seen = events(a);
    a.restartIce();
    await tasks();
    expect(seen).toEqual(['stable']);
    b.restartIce();
    b.close();
    const bSeen = events(b);
    await tasks();
    expect(bSeen).toEqual([]);
  });
});
