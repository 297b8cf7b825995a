import { describe, expect, it } from 'vitest';
import { SentPackets, SentResult } from './sent-packets.js';

describe('SentPackets', () => {
  it('finds each packet of the last historyMs, growing past 1024 slots when it must', () => {
    const sent = new SentPackets(1000);
    // 5000 packets in 500 ms: all younger than historyMs, so none may be overwritten.
    for (let seq = 70_000; seq < 75_000; seq++) sent.add(seq, seq % 1200, (seq - 70_000) / 10, -1);
    for (let seq = 70_000; seq < 75_000; seq++) {
      const slot = sent.find(seq);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(sent.size(slot)).toBe(seq % 1200);
      expect(sent.sendTime(slot)).toBe((seq - 70_000) / 10);
      expect(sent.probe(slot)).toBeUndefined();
      expect(sent.result(slot)).toBe(SentResult.Pending);
    }
    expect(sent.find(69_999)).toBe(-1);
    expect(sent.find(75_000)).toBe(-1);
  });

  it('forgets packets older than historyMs and reuses their slots without growing', () => {
    const sent = new SentPackets(100);
    // 1 packet a ms for 3 s: at most about 100 are young at a time.
    for (let seq = 0; seq < 3000; seq++) sent.add(seq, 100, seq, seq % 7 === 0 ? 3 : -1);
    expect(sent.find(2898)).toBe(-1); // 101 ms older than the newest
    expect(sent.find(2899)).toBeGreaterThanOrEqual(0); // exactly historyMs older: kept
    const slot = sent.find(2905);
    expect(sent.probe(slot)).toBe(3);
    sent.setResult(slot, SentResult.Lost);
    expect(sent.result(sent.find(2905))).toBe(SentResult.Lost);
    // A slot of 1024 is reused: 2999 - 1024 is gone, 2999 is there.
    expect(sent.find(2999 - 1024)).toBe(-1);
    expect(sent.find(2999)).toBeGreaterThanOrEqual(0);
  });

  it('keeps at most 32768 packets, whatever their age', () => {
    const sent = new SentPackets(60_000);
    for (let seq = 0; seq < 40_000; seq++) sent.add(seq, 1, 0, -1);
    expect(sent.find(40_000 - 32_768 - 1)).toBe(-1);
    expect(sent.find(40_000 - 32_768)).toBeGreaterThanOrEqual(0);
  });
});
