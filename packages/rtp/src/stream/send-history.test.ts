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
      { capacity: 40_000 },
      { maxPacketSize: 5 },
      { maxAgeMs: 0 },
    ]) {
      expect(() => new SendHistory(o)).toThrow(RtpConfigurationError);
    }
  });
});
