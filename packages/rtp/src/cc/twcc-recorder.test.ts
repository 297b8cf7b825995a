import { describe, expect, it } from 'vitest';
import { serializeRtcp } from '../rtcp/compound.js';
import { parseTwcc } from '../rtcp/twcc.js';
import { TwccRecorder } from './twcc-recorder.js';

function statuses(r: TwccRecorder, now: number) {
  return r
    .feedback(now)
    .flatMap((fb) => fb.packets.map((p) => [p.sequenceNumber, p.received] as const));
}

describe('TwccRecorder (draft-holmer-rmcat-transport-wide-cc-extensions-01)', () => {
  it('reports every packet since the last feedback, losses included, with counting feedback numbers', () => {
    const r = new TwccRecorder({ senderSsrc: 9, mediaSsrc: 3 });
    expect(r.nextDeadline()).toBeUndefined();
    r.record(10, 1000);
    r.record(11, 1002);
    r.record(13, 1010);
    expect(r.nextDeadline()).toBe(1010); // the first feedback goes at once
    const [fb] = r.feedback(1010);
    expect(fb).toMatchObject({
      senderSsrc: 9,
      mediaSsrc: 3,
      baseSequenceNumber: 10,
      feedbackPacketCount: 0,
    });
    expect(fb!.packets.map((p) => p.received)).toEqual([true, true, false, true]);
    expect(fb!.packets[1]!.arrivalTimeUs! - fb!.packets[0]!.arrivalTimeUs!).toBe(2000);
    expect(r.nextDeadline()).toBeUndefined();
    r.record(14, 1050);
    expect(r.nextDeadline()).toBe(1110); // 100 ms (libwebrtc's default interval)
    const [next] = r.feedback(1110);
    expect(next).toMatchObject({ baseSequenceNumber: 14, feedbackPacketCount: 1 });
    expect(r.feedbackPacketsSent).toBe(2);
    expect(r.feedback(1200)).toEqual([]);
  });

  it('reports a late packet by moving the window back to it', () => {
    const r = new TwccRecorder({ senderSsrc: 1 });
    r.record(1, 0);
    r.record(3, 5);
    expect(statuses(r, 5)).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    r.record(2, 20); // reordered: arrives after its feedback
    r.record(4, 21);
    expect(statuses(r, 105)).toEqual([
      [2, true],
      [3, true],
      [4, true],
    ]);
  });

  it('unwraps the 16-bit sequence number', () => {
    const r = new TwccRecorder({ senderSsrc: 1 });
    r.record(65534, 0);
    r.record(0, 2);
    expect(statuses(r, 2)).toEqual([
      [65534, true],
      [65535, false],
      [0, true],
    ]);
    r.record(65535, 3); // late, across the wrap
    expect(statuses(r, 102)).toEqual([
      [65535, true],
      [0, true],
    ]);
  });

  it('keeps a duplicate at its first arrival', () => {
    const r = new TwccRecorder({ senderSsrc: 1 });
    r.record(5, 100);
    r.record(5, 180);
    const [fb] = r.feedback(200);
    expect(fb!.packets).toHaveLength(1);
    expect(fb!.packets[0]!.arrivalTimeUs! % 64_000).toBe(100_000 % 64_000);
  });

  it('builds feedback that serializes and parses back', () => {
    const r = new TwccRecorder({ senderSsrc: 0x1234 });
    for (let i = 0; i < 300; i++) if (i % 7 !== 3) r.record(i, i * 0.5);
    const fbs = r.feedback(200);
    expect(fbs.length).toBeGreaterThan(0);
    for (const fb of fbs) expect(parseTwcc(serializeRtcp(fb))).toEqual(fb);
    expect(fbs.flatMap((f) => f.packets).filter((p) => !p.received)).toHaveLength(43);
  });

  it('holds at most maxPackets arrivals and forgets reported ones past the back window', () => {
    const r = new TwccRecorder({ senderSsrc: 1, maxPackets: 64, backWindowMs: 100 });
    for (let i = 0; i < 1000; i++) r.record(i, i);
    expect(r.packetsHeld).toBe(64);
    const [fb] = r.feedback(1000);
    expect(fb!.baseSequenceNumber).toBe(1000 - 64); // older arrivals were dropped unreported
    for (let i = 1000; i < 1010; i++) r.record(i, i);
    r.feedback(1100);
    expect(r.packetsHeld).toBeLessThanOrEqual(64);
    r.record(2000, 2000);
    r.feedback(2100);
    expect(r.packetsHeld).toBe(1);
  });

  it('adapts the interval to the incoming rate: 5 % of it for 68-byte feedback, 50–250 ms', () => {
    const slow = new TwccRecorder({ senderSsrc: 1 });
    for (let t = 0; t <= 2000; t += 100) slow.record(t / 100, t, 250); // 20 kb/s
    expect(slow.intervalMs).toBe(250);
    const mid = new TwccRecorder({ senderSsrc: 1 });
    for (let t = 0; t <= 2000; t += 20) mid.record(t / 20, t, 340); // 136 kb/s
    expect(mid.intervalMs).toBeCloseTo(80, 0);
    const fast = new TwccRecorder({ senderSsrc: 1 });
    for (let t = 0; t <= 2000; t += 5) fast.record(t / 5, t, 1200); // 1.9 Mb/s
    expect(fast.intervalMs).toBe(50);
    expect(new TwccRecorder({ senderSsrc: 1, intervalMs: 20 }).intervalMs).toBe(20);
  });

  it('refuses bad options', () => {
    expect(() => new TwccRecorder({ senderSsrc: 1, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => new TwccRecorder({ senderSsrc: 1, maxPackets: 4 })).toThrow(/maxPackets/);
  });
});
