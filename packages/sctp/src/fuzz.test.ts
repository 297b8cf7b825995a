import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Association } from './association.js';
import { writeChecksum } from './packet.js';
import { AssociationState } from './state.js';
import { prng } from './testing-lossy-pipe.js';

/**
 * A victim association, established with a peer over a synchronous link, and a corpus of the
 * packets the peer sent it during a scripted session (handshake, DATA of every kind, SACKs,
 * FORWARD-TSN, RE-CONFIG, HEARTBEAT).
 */
async function session(clock: VirtualClock, seed: number) {
  const rand = prng(seed);
  const corpus: Uint8Array[] = [];
  let victim: Association | undefined;
  let peer: Association | undefined;
  let lossy = false;
  const opts = { clock, zeroChecksum: true, heartbeatIntervalMs: 1000 };
  victim = new Association({ send: (p) => peer?.handlePacket(p) }, opts);
  peer = new Association(
    {
      send: (p) => {
        corpus.push(p);
        if (!lossy || rand() > 0.3) victim?.handlePacket(p);
      },
    },
    opts,
  );
  victim.connect(); // the peer answers passively, synchronously
  await clock.runUntil(
    () =>
      victim?.state === AssociationState.Connected && peer?.state === AssociationState.Connected,
  );
  lossy = true;
  for (let i = 0; i < 30; i++) {
    const size = i % 5 === 0 ? 4000 : 1 + i * 13;
    peer.send(i % 4, 51 + (i % 3), new Uint8Array(size).fill(i), {
      ordered: i % 2 === 0,
      ...(i % 3 === 0 ? { maxRetransmits: 0 } : {}),
    });
  }
  await clock.advance(1500);
  lossy = false;
  peer.resetStreams([1, 2]);
  await clock.advance(500);
  peer.close();
  return { victim, corpus };
}

describe('fuzz', () => {
  it('survives 1 000 000 mutated packets without a throw or an internal error', async () => {
    const clock = new VirtualClock();
    const rand = prng(1234);
    let { victim, corpus } = await session(clock, 1);
    const N = Number(process.env.FUZZ_N ?? 1_000_000);
    let rebuilt = 0;
    let internal = 0;
    const r = (n: number): number => Math.floor(rand() * n);
    for (let i = 0; i < N; i++) {
      const base = corpus[r(corpus.length)]!;
      let p: Uint8Array = new Uint8Array(base); // a copy (Buffer#slice would be a view)
      const kind = r(8);
      const n = 1 + r(4);
      for (let k = 0; k < n; k++) {
        switch (kind) {
          case 0: // truncate
            p = p.subarray(0, r(p.length + 1));
            break;
          case 1: // chunk length field of the first chunk
            if (p.length > 15) {
              p[14] = r(256);
              p[15] = r(256);
            }
            break;
          case 2: // chunk type of the first chunk
            if (p.length > 12) p[12] = r(256);
            break;
          case 3: // append garbage
            p = Buffer.concat([p, Uint8Array.from({ length: r(40) }, () => r(256))]);
            break;
          default: // flip bytes after the header
            if (p.length > 12) p[12 + r(p.length - 12)] = r(256);
        }
      }
      // Most packets carry a valid (zero) checksum so they reach the chunk parser.
      if (p.length >= 12 && r(16) !== 0) writeChecksum(p, true);
      victim.handlePacket(p);
      if (victim.state === AssociationState.Closed) {
        internal += victim.stats.internalErrors;
        victim.close();
        ({ victim, corpus } = await session(clock, ++rebuilt + 1));
      }
    }
    internal += victim.stats.internalErrors;
    expect(internal).toBe(0);
    victim.close();
    console.log(`fuzz: ${N} packets, ${rebuilt} re-established associations`);
  }, 60_000);
});
