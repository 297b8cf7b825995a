import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { connectPair, makePair } from './testing-pair.js';

/** The TSN of the DATA chunk a packet starts with, or undefined (RFC 9260 §3.3.1). */
function firstDataTsn(p: Uint8Array): number | undefined {
  if (p.length < 28 || p[12] !== 0) return undefined;
  return ((p[16]! << 24) | (p[17]! << 16) | (p[18]! << 8) | p[19]!) >>> 0;
}

describe('a fast retransmission that is lost too', () => {
  // One chunk is lost, then its fast retransmission: the SACKs that acknowledge chunks sent
  // after that retransmission show it lost, and it is sent a third time at once, not after
  // T3-rtx (RTO.Min, 400 ms, later).
  it.each([
    ['its first transmission and its fast retransmission', 2, 0],
    ['its first transmission only', 1, 0],
  ])('recovers without T3-rtx when the link drops %s', async (_, drops, t3) => {
    const clock = new VirtualClock();
    let target: number | undefined;
    let dropped = 0;
    let sent = 0;
    const p = makePair(clock, {
      delayMs: 5,
      drop: (from, packet) => {
        const tsn = from === 0 ? firstDataTsn(packet) : undefined;
        if (tsn === undefined) return false;
        // The 20th DATA packet's TSN, each time it is sent, `drops` times.
        if (++sent === 20) target = tsn;
        if (tsn !== target || dropped === drops) return false;
        dropped++;
        return true;
      },
    });
    expect(await connectPair(clock, p)).toBe(true);
    const start = clock.now();
    for (let i = 0; i < 400; i++) p.a.assoc.send(0, 53, new Uint8Array(1000).fill(i & 0xff));
    expect(await clock.runUntil(() => p.b.messages.length === 400, { timeoutMs: 10_000 })).toBe(
      true,
    );
    expect(dropped).toBe(drops);
    expect(p.b.messages.every((m, i) => m.data[0] === (i & 0xff))).toBe(true);
    const stats = p.a.assoc.stats;
    expect(stats.t3Expirations).toBe(t3);
    expect(stats.fastRetransmits).toBe(drops);
    // Well under RTO.Min: no stall of 400 ms.
    expect(clock.now() - start).toBeLessThan(400);
    p.close();
  });
});
