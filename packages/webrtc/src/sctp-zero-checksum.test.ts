// RFC 9653 zero checksums between two of ours (each knows the other from its `a=tool`), never
// offered to a peer whose description does not say it is this stack.
import { afterEach, describe, expect, it } from 'vitest';
import { SDP_TOOL } from './sdp/jsep.js';
import { negotiate, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let w: VirtualPeers | undefined;
afterEach(async () => {
  w?.a.close();
  w?.b.close();
  await Promise.all([w?.a.released, w?.b.released]);
  await w?.net.close();
  w = undefined;
});

type Internals = { manager: { association?: { zeroChecksumInUse: boolean } } };
const inUse = (pc: unknown): boolean | undefined =>
  (pc as Internals).manager.association?.zeroChecksumInUse;

describe('SCTP zero checksum (RFC 9653) between two of ours', () => {
  it('names this stack in every description (a=tool) and skips the CRC32c with another of ours', async () => {
    w = virtualPeers({ seed: 31 });
    await openChannelPair(w);
    expect(w.a.localDescription?.sdp).toContain(`a=tool:${SDP_TOOL}\r\n`);
    expect(w.b.localDescription?.sdp).toContain(`a=tool:${SDP_TOOL}\r\n`);
    expect([inUse(w.a), inUse(w.b)]).toEqual([true, true]);
  });

  it('offers none when the peer is not known to take it (its description has no a=tool of ours)', async () => {
    w = virtualPeers({ seed: 32 });
    const c1 = w.a.createDataChannel('x');
    let c2: unknown;
    w.b.ondatachannel = (e) => {
      c2 = e.channel;
    };
    // A peer that says nothing of itself, as a browser or pion: the answer without our a=tool.
    await negotiate(w.a, w.b, (sdp) => sdp.replace(/a=tool:[^\r\n]*\r\n/, ''));
    expect(
      await w.clock.runUntil(() => c1.readyState === 'open' && c2 !== undefined, {
        timeoutMs: 10_000,
      }),
    ).toBe(true);
    // a offered none (it read b's answer); b offered it (a's offer named us), unused by a.
    expect([inUse(w.a), inUse(w.b)]).toEqual([false, false]);
  });
});
