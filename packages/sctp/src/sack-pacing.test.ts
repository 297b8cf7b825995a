import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { writeChecksum } from './packet.js';
import { AssociationState } from './state.js';
import { queuedPair } from './testing-pair.js';

/** Clears the I bit (RFC 7053) of a packet's first DATA chunk, as a sender that never sets it. */
function withoutIBit(packet: Uint8Array): Uint8Array {
  packet[13]! &= ~0x08;
  writeChecksum(packet, false);
  return packet;
}

/** Chunk type of the first chunk of an SCTP packet (after the 12-byte common header). */
const firstChunk = (packet: Uint8Array): number => packet[12]!;
const SACK = 3;
const DATA = 0;

describe('SACK pacing (RFC 9260 §6.2)', () => {
  it('acknowledges every second packet with DATA at once, inside a burst, and a lone packet after the delay', async () => {
    const clock = new VirtualClock();
    const { a, b, toA, toB, pump } = queuedPair(clock);
    a.connect();
    b.connect();
    await pump();
    expect([a.state, b.state]).toEqual([AssociationState.Connected, AssociationState.Connected]);

    // Five packets of one DATA chunk each (the initial congestion window), handed to b in one
    // go (one turn of the event loop).
    for (let i = 0; i < 5; i++) a.send(1, 53, new Uint8Array(1000).fill(i));
    await clock.advance(0);
    const burst = toB.splice(0);
    expect(burst.map(firstChunk)).toEqual(Array(5).fill(DATA));
    expect(a.stats.unackedChunks).toBe(5);
    for (const p of burst) b.handlePacket(p);
    // Before the event loop turns: a SACK after the 2nd and after the 4th packet (a sender that
    // may send Max.Burst (4) packets per SACK is not held to 4 packets per burst), and one for
    // the 5th, which carries the I bit (RFC 7053) as the window is full.
    expect(toA.map(firstChunk)).toEqual([SACK, SACK, SACK]);
    expect(burst.map((p) => (p[13]! & 0x08) !== 0)).toEqual([false, false, false, false, true]);
    for (const p of toA.splice(0)) a.handlePacket(p);
    await clock.advance(0);
    expect(a.stats.unackedChunks).toBe(0);

    // A lone packet without the I bit (ours sets it when its queue runs empty; other senders
    // need not): its SACK waits for the delayed-ack timer (200 ms), not for the end of input.
    a.send(1, 53, new Uint8Array(100));
    await clock.advance(0);
    const lone = toB.splice(0);
    expect(lone.map(firstChunk)).toEqual([DATA]);
    b.handlePacket(withoutIBit(lone[0]!));
    await new Promise((r) => setImmediate(r));
    expect(toA).toEqual([]);
    await clock.advance(199);
    expect(toA).toEqual([]);
    await clock.advance(1);
    expect(toA.map(firstChunk)).toEqual([SACK]);
    a.close();
    b.close();
    await clock.runUntilIdle();
  });

  it('acknowledges packets above the base PMTU once per input batch (a sender that raised its PMTU)', async () => {
    const clock = new VirtualClock();
    // a's packets are up to 4000 bytes; b's base PMTU is the default 1200.
    const { a, b, toA, toB, pump } = queuedPair(clock, { mtu: 4000 });
    a.connect();
    b.connect();
    await pump();
    for (let i = 0; i < 2; i++) a.send(1, 53, new Uint8Array(3000).fill(i));
    await clock.advance(0);
    const burst = toB.splice(0).map(withoutIBit);
    expect(burst.map((p) => [firstChunk(p), p.length > 1200])).toEqual([
      [DATA, true],
      [DATA, true],
    ]);
    for (const p of burst) b.handlePacket(p);
    expect(toA).toEqual([]); // not at once
    await new Promise((r) => setImmediate(r));
    expect(toA.map(firstChunk)).toEqual([SACK]); // at the end of the input batch
    a.close();
    b.close();
    await clock.runUntilIdle();
  });
});
