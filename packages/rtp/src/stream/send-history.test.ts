import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { wrapRtxPacket } from './rtx.js';
import { SendHistory } from './send-history.js';
import { testingRtpPacket } from './testing-rtp.js';

const packet = (seq: number, size = 20) =>
  testingRtpPacket({ sequenceNumber: seq, payload: new Uint8Array(size).fill(seq & 0xff) });

describe('SendHistory', () => {
  it('finds a stored packet by sequence number, as a copy', () => {
    const h = new SendHistory({ capacity: 16 });
    const p = packet(100);
    expect(h.store(p, 1000)).toBe(true);
    p.fill(0); // the caller reuses its buffer
    const got = h.get(100, 1001)!;
    expect(got).toMatchObject({
      sequenceNumber: 100,
      firstSentMs: 1000,
      lastSentMs: 1000,
      retransmissions: 0,
    });
    expect(got.packet).toEqual(packet(100));
    expect(h.get(101, 1001)).toBeUndefined();
    expect(h.stats).toEqual({ stored: 1, rejected: 0, hits: 1, misses: 1 });
  });

  it('keeps the last `capacity` sequence numbers across the 16-bit wrap', () => {
    const h = new SendHistory({ capacity: 20 });
    expect(h.capacity).toBe(32);
    for (let i = 0; i < 100; i++) h.store(packet((65500 + i) & 0xffff), i);
    const kept = [];
    for (let i = 0; i < 100; i++) if (h.get((65500 + i) & 0xffff, 100)) kept.push(i);
    expect(kept).toEqual(Array.from({ length: 32 }, (_, k) => 68 + k));
    expect(h.get(63, 100)?.packet).toEqual(packet(63));
  });

  it('grows only as far as retainMs needs: 50 packets/s keep 64 slots, a burst grows it to capacity', () => {
    const audio = new SendHistory();
    expect(audio.slotCount).toBe(16);
    for (let i = 0; i < 500; i++) audio.store(packet(i), i * 20); // 10 s at 50 packets/s
    expect(audio.slotCount).toBe(64);
    // Every packet of the last second is still there.
    for (let i = 450; i < 500; i++) expect(audio.get(i, 10_000)?.packet).toEqual(packet(i));

    const burst = new SendHistory({ capacity: 300, retainMs: 500 });
    for (let i = 0; i < 1000; i++) burst.store(packet((65000 + i) & 0xffff), 7);
    expect(burst.slotCount).toBe(512);
    expect(burst.capacity).toBe(512);
    // Growing kept every packet where a lookup finds it, across the 16-bit wrap.
    for (let i = 488; i < 1000; i++)
      expect(burst.get((65000 + i) & 0xffff, 8)?.packet).toEqual(packet((65000 + i) & 0xffff));
    expect(burst.get((65000 + 487) & 0xffff, 8)).toBeUndefined();

    // retainMs 0: a fixed ring of 16 slots, as before any growth.
    const fixed = new SendHistory({ retainMs: 0 });
    for (let i = 0; i < 100; i++) fixed.store(packet(i), 0);
    expect(fixed.slotCount).toBe(16);
  });

  it('sizes each buffer to the packets it held (64-byte steps), not to maxPacketSize', () => {
    const audio = new SendHistory();
    for (let i = 0; i < 500; i++) audio.store(packet(i, 100), i * 20); // 112-byte packets
    expect(audio.bufferBytes).toBe(64 * 128); // 64 slots of 128 bytes, not of 1500
    // A larger packet enlarges its own slot's buffer only, and stays whole.
    audio.store(packet(500, 1400), 10_000);
    expect(audio.bufferBytes).toBe(63 * 128 + 1472); // 1412 bytes in 23 steps of 64
    expect(audio.get(500, 10_000)?.packet).toEqual(packet(500, 1400));
    // The slot keeps its larger buffer for the smaller packets that follow.
    audio.store(packet(564, 100), 11_280);
    expect(audio.get(564, 11_280)?.packet).toEqual(packet(564, 100));
    expect(audio.bufferBytes).toBe(63 * 128 + 1472);
  });

  it('records retransmissions so a responder can send one at most once per RTT', () => {
    const h = new SendHistory();
    h.store(packet(7), 0);
    const rtt = 50;
    const sent: number[] = [];
    for (const now of [10, 30, 70, 80, 130]) {
      const p = h.get(7, now);
      if (p && now - p.lastSentMs >= rtt) {
        h.markRetransmitted(7, now);
        sent.push(now);
      }
    }
    expect(sent).toEqual([70, 130]);
    expect(h.get(7, 130)).toMatchObject({ retransmissions: 2, lastSentMs: 130, firstSentMs: 0 });
    expect(h.markRetransmitted(8, 130)).toBe(false);
  });

  it('forgets packets older than maxAgeMs', () => {
    const h = new SendHistory({ maxAgeMs: 1000 });
    h.store(packet(1), 0);
    expect(h.get(1, 1000)).toBeDefined();
    expect(h.get(1, 1001)).toBeUndefined();
  });

  it('refuses packets too large or not RTP, and forgets all on clear', () => {
    const h = new SendHistory({ maxPacketSize: 100 });
    expect(h.store(packet(1, 100), 0)).toBe(false);
    expect(h.store(new Uint8Array(11), 0)).toBe(false);
    expect(h.store(packet(2, 88), 0)).toBe(true);
    expect(h.stats.rejected).toBe(2);
    h.clear();
    expect(h.get(2, 0)).toBeUndefined();
  });

  it('feeds RTX: the stored packet wraps into a retransmission', () => {
    const h = new SendHistory();
    h.store(packet(300), 0);
    const rtx = wrapRtxPacket(h.get(300, 5)!.packet, {
      ssrc: 9,
      payloadType: 97,
      sequenceNumber: 1,
    });
    expect([...rtx!.subarray(12, 14)]).toEqual([1, 44]);
  });

  it('rejects options out of range with a typed error', () => {
    for (const o of [
      { capacity: 0 },
      { retainMs: -1 },
      { capacity: 40_000 },
      { maxPacketSize: 5 },
      { maxAgeMs: 0 },
    ]) {
      expect(() => new SendHistory(o)).toThrow(RtpConfigurationError);
    }
  });
});
