import { describe, expect, it } from 'vitest';
import type { RtpPayloadView } from '../codecs/depacketizer.js';
import { RtpConfigurationError } from '../errors.js';
import { JitterBuffer } from './jitter-buffer.js';
import type { JitterBufferOptions, JitterFrame } from './jitter-buffer-options.js';
import {
  testingAudioDepacketizer,
  testingDepacketizer,
  testingFrame,
  testingPackets,
  testingStream,
} from './testing-depacketizer.js';

const video = (o: Partial<JitterBufferOptions> = {}) =>
  new JitterBuffer({
    depacketizer: testingDepacketizer,
    clockRate: 90_000,
    requiresKeyframeAfterLoss: true,
    ...o,
  });

/** Pushes `packets` at `t` and pops at `t`. */
function feed(jb: JitterBuffer, packets: readonly RtpPayloadView[], t: number): JitterFrame[] {
  for (const p of packets) jb.push(p, t);
  return jb.pop(t);
}

describe('JitterBuffer: order and frames', () => {
  it('releases a complete frame at once with a target latency of 0', () => {
    const jb = video();
    const { frames, packets } = testingStream(2, 3, { keyframeEvery: 10 });
    expect(feed(jb, packets.slice(0, 2), 0)).toEqual([]);
    const out = feed(jb, packets.slice(2, 3), 1);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      data: frames[0]!.data,
      timestamp: 90_000,
      keyframe: true,
      firstSequenceNumber: 1000,
      lastSequenceNumber: 1002,
      packetCount: 3,
      completeMs: 1,
    });
    expect(feed(jb, packets.slice(3), 33).map((f) => f.data)).toEqual([frames[1]!.data]);
    expect(jb.stats).toMatchObject({ packetsReceived: 6, framesEmitted: 2, lost: 0 });
    expect(jb.bufferedPackets).toBe(0);
    expect(jb.nextDeadline()).toBeUndefined();
  });

  it('pop(now, { deltaData: false }) releases delta frames unassembled (empty data) and keyframes whole, counted alike', () => {
    const counted = video();
    const whole = video();
    const { frames, packets } = testingStream(6, 2, { keyframeEvery: 3 });
    let assembled = 0;
    const spy = video({
      depacketizer: {
        ...testingDepacketizer,
        assemble: (p) => {
          assembled++;
          return testingDepacketizer.assemble(p);
        },
      },
    });
    for (const p of packets) {
      counted.push(p, 0);
      whole.push(p, 0);
      spy.push(p, 0);
    }
    const out = counted.pop(0, { deltaData: false });
    expect(out.map((f) => f.keyframe)).toEqual([true, false, false, true, false, false]);
    expect(out.map((f) => f.data)).toEqual(
      frames.map((f, i) => (i % 3 === 0 ? f.data : new Uint8Array(0))),
    );
    expect(whole.pop(0).map((f) => f.data)).toEqual(frames.map((f) => f.data));
    expect(counted.stats).toEqual(whole.stats);
    spy.pop(0, { deltaData: false });
    expect(assembled).toBe(2); // the two keyframes only
  });

  it('flush() releases the complete frames not due yet (the stream ended) and keeps an incomplete tail', () => {
    const jb = video({ targetLatencyMs: 300 });
    const { frames, packets } = testingStream(4, 2, { keyframeEvery: 10 });
    // Frames 0 to 2 complete, frame 3 missing its last packet: nothing is due at 100 ms.
    expect(feed(jb, packets.slice(0, 7), 100)).toEqual([]);
    const out = jb.flush(100);
    expect(out.map((f) => f.data)).toEqual(frames.slice(0, 3).map((f) => f.data));
    expect(jb.flush(100)).toEqual([]);
    expect(jb.bufferedPackets).toBe(1);
  });

  it('reorders packets within and across frames', () => {
    const jb = video({ targetLatencyMs: 200 });
    const { frames, packets } = testingStream(3, 3, { keyframeEvery: 10 });
    const order = [1, 0, 4, 3, 5, 2, 8, 7, 6];
    const out: JitterFrame[] = [];
    for (let k = 0; k < order.length; k++) out.push(...feed(jb, [packets[order[k]!]!], k * 10));
    out.push(...jb.pop(1000));
    expect(out.map((f) => f.data)).toEqual(frames.map((f) => f.data));
    expect(jb.stats).toMatchObject({ framesEmitted: 3, framesDropped: 0, late: 0, lost: 0 });
  });

  it('with a target latency of 0, gives a gap up as soon as a later frame begins', () => {
    const jb = new JitterBuffer({ depacketizer: testingDepacketizer, clockRate: 90_000 });
    const { frames, packets } = testingStream(2, 2);
    expect(feed(jb, [packets[0]!, packets[2]!], 0)).toEqual([]);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 1 });
    expect(feed(jb, [packets[3]!], 1).map((f) => f.data)).toEqual([frames[1]!.data]);
    expect(jb.push(packets[1]!, 2)).toBe('late');
  });

  it('takes a packet older than the first while nothing was released yet', () => {
    const jb = video();
    const { frames, packets } = testingStream(1, 3, { keyframeEvery: 1 });
    expect(jb.push(packets[2]!, 0)).toBe('accepted');
    expect(jb.push(packets[0]!, 1)).toBe('accepted');
    expect(jb.missing(1).map((m) => m.sequenceNumber)).toEqual([1001]);
    expect(feed(jb, [packets[1]!], 2).map((f) => f.data)).toEqual([frames[0]!.data]);
  });

  it('drops duplicates, held or already released', () => {
    const jb = video();
    const { packets } = testingStream(2, 2, { keyframeEvery: 10 });
    expect(jb.push(packets[0]!, 0)).toBe('accepted');
    expect(jb.push(packets[0]!, 0)).toBe('duplicate');
    feed(jb, [packets[1]!], 1);
    expect(jb.push(packets[1]!, 2)).toBe('duplicate');
    expect(feed(jb, packets.slice(2), 3)).toHaveLength(1);
    expect(jb.stats).toMatchObject({ duplicates: 2, framesEmitted: 2 });
  });

  it('drops a frame the depacketizer refuses, never releasing it', () => {
    const jb = video();
    const key = testingPackets(testingFrame(0, 0, true), 10, 2);
    const bad = testingPackets(testingFrame(1, 3000, false), 12, 2, true);
    expect(feed(jb, key, 0)).toHaveLength(1);
    expect(feed(jb, bad, 33)).toEqual([]);
    expect(jb.stats).toMatchObject({ framesDropped: 1, framesEmitted: 1, keyframesRequested: 1 });
    expect(jb.keyframeNeeded).toBe(true);
  });

  it('drops a run of packets with no end marker once the next frame shows', () => {
    const jb = video({ targetLatencyMs: 100 });
    const f0 = testingPackets(testingFrame(0, 0, true), 10, 3);
    const f1 = testingPackets(testingFrame(1, 3000, true), 13, 2);
    const noEnd = f0.map((p) => ({ ...p, marker: false }));
    expect(feed(jb, [...noEnd, ...f1], 0)).toEqual([]);
    expect(jb.pop(200).map((f) => f.timestamp)).toEqual([3000]);
    expect(jb.stats).toMatchObject({ framesDropped: 1, lost: 0 });
  });
});

describe('JitterBuffer: loss', () => {
  it('reports what is missing with ages, and a late retransmission completes the frame', () => {
    const jb = video({ targetLatencyMs: 200 });
    const { frames, packets } = testingStream(2, 4, { keyframeEvery: 10 });
    const lost = new Set([1, 2]);
    // Frame k's packets arrive from 10 + 40 k (a little slower than 30 fps: no new reference).
    const at = (i: number) => 10 + Math.floor(i / 4) * 40 + (i % 4);
    for (let i = 0; i < packets.length; i++) if (!lost.has(i)) jb.push(packets[i]!, at(i));
    expect(jb.pop(60)).toEqual([]);
    expect(jb.missing(60)).toEqual([
      { sequenceNumber: 1001, extendedSequenceNumber: 1001, ageMs: 47 },
      { sequenceNumber: 1002, extendedSequenceNumber: 1002, ageMs: 47 },
    ]);
    // The first frame is due at 10 + 200 (its first packet set the smallest transit).
    expect(jb.nextDeadline()).toBe(210);
    expect(feed(jb, [packets[2]!], 80)).toEqual([]);
    expect(jb.missing(80).map((m) => m.sequenceNumber)).toEqual([1001]);
    jb.push(packets[1]!, 120);
    expect(jb.missing(120)).toEqual([]);
    expect(jb.pop(209)).toEqual([]);
    const out = jb.pop(210);
    expect(out.map((f) => f.data)).toEqual([frames[0]!.data]);
    expect(out[0]).toMatchObject({ firstArrivalMs: 10, completeMs: 120 });
    expect(jb.nextDeadline()).toBeCloseTo(210 + 1000 / 30, 6);
    expect(jb.pop(250).map((f) => f.data)).toEqual([frames[1]!.data]);
    expect(jb.stats).toMatchObject({ lost: 0, framesDropped: 0, keyframesRequested: 0 });
  });

  it('pop(now, { playout: false }) releases complete frames at once, an incomplete one still waits for its packets', () => {
    const jb = video({ targetLatencyMs: 200 });
    const { frames, packets } = testingStream(3, 4, { keyframeEvery: 10 });
    const at = (i: number) => 10 + Math.floor(i / 4) * 40 + (i % 4);
    // Frame 0 whole: out at once, not at its playout time (210), and the buffer holds nothing.
    for (let i = 0; i < 4; i++) jb.push(packets[i]!, at(i));
    const first = jb.pop(at(3), { playout: false });
    expect(first.map((f) => f.data)).toEqual([frames[0]!.data]);
    expect(jb.bufferedPackets).toBe(0);
    // Frame 1 misses a packet and frame 2 is whole behind it: both wait for the retransmission
    // (until frame 1 is due), and it completes them.
    for (let i = 4; i < 12; i++) if (i !== 5) jb.push(packets[i]!, at(i));
    expect(jb.pop(at(11), { playout: false })).toEqual([]);
    expect(jb.missing(at(11)).map((m) => m.sequenceNumber)).toEqual([1005]);
    jb.push(packets[5]!, 120);
    expect(jb.pop(120, { playout: false }).map((f) => f.data)).toEqual([
      frames[1]!.data,
      frames[2]!.data,
    ]);
    expect(jb.stats).toMatchObject({ lost: 0, framesDropped: 0, framesEmitted: 3 });
  });

  it('pop(now, { playout: false }) gives up an incomplete frame when it is due, as pop(now) does', () => {
    const jb = video({ targetLatencyMs: 200 });
    const { frames, packets } = testingStream(2, 4, { keyframeEvery: 1 });
    const at = (i: number) => 10 + Math.floor(i / 4) * 40 + (i % 4);
    for (let i = 0; i < 8; i++) if (i !== 1) jb.push(packets[i]!, at(i));
    expect(jb.pop(200, { playout: false })).toEqual([]);
    expect(jb.pop(210, { playout: false }).map((f) => f.data)).toEqual([frames[1]!.data]);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 1 });
  });

  it('lists missing packets across the 16-bit wrap with their extended numbers', () => {
    const jb = video({ targetLatencyMs: 100 });
    const { packets } = testingStream(2, 3, { keyframeEvery: 1, firstSeq: 65533 });
    jb.push(packets[0]!, 0);
    jb.push(packets[5]!, 7);
    expect(jb.missing(10)).toEqual([
      { sequenceNumber: 65534, extendedSequenceNumber: 65534, ageMs: 3 },
      { sequenceNumber: 65535, extendedSequenceNumber: 65535, ageMs: 3 },
      { sequenceNumber: 0, extendedSequenceNumber: 65536, ageMs: 3 },
      { sequenceNumber: 1, extendedSequenceNumber: 65537, ageMs: 3 },
    ]);
  });

  it('nextDeadline is the latest time seen when pop has work now', () => {
    const jb = video();
    const { packets } = testingStream(1, 1, { keyframeEvery: 1 });
    jb.push(packets[0]!, 42);
    expect(jb.nextDeadline()).toBe(42);
    expect(jb.pop(42)).toHaveLength(1);
    expect(jb.nextDeadline()).toBeUndefined();
  });

  it('gives up an incomplete frame when due, then waits for a keyframe and asks for one', () => {
    const jb = video({ targetLatencyMs: 100 });
    const { frames, packets } = testingStream(6, 2, { keyframeEvery: 4 });
    // Frame 1 loses its second packet (seq 1003); frames 2 and 3 are deltas, 4 is a keyframe.
    const at = (i: number) => Math.floor(i / 2) * 34;
    const out: JitterFrame[] = [];
    for (let i = 0; i < 8; i++) if (i !== 3) out.push(...feed(jb, [packets[i]!], at(i)));
    expect(out.map((f) => f.data)).toEqual([frames[0]!.data]);
    expect(jb.keyframeNeeded).toBe(false);
    expect(jb.missing(110).map((m) => m.sequenceNumber)).toEqual([1003]);
    // Frame 1 is due at 33.3 + 100.
    expect(jb.pop(133)).toEqual([]);
    expect(jb.pop(134)).toEqual([]);
    expect(jb.keyframeNeeded).toBe(true);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 3, keyframesRequested: 1 });
    for (let i = 8; i < 12; i++) out.push(...feed(jb, [packets[i]!], at(i)));
    out.push(...jb.pop(1000));
    expect(out.map((f) => f.data)).toEqual([frames[0]!, frames[4]!, frames[5]!].map((f) => f.data));
    expect(jb.keyframeNeeded).toBe(false);
    expect(jb.stats).toMatchObject({ framesEmitted: 3, keyframesRequested: 1 });
    // The retransmission arrives after the frame was given up.
    expect(jb.push(packets[3]!, 1001)).toBe('late');
    expect(jb.stats.late).toBe(1);
  });

  /** `n` frames of two packets each at 10 fps (9000 ticks apart), the first a keyframe. */
  const tenFps = (n: number) => {
    const frames = Array.from({ length: n }, (_, i) =>
      testingFrame(i, 90_000 + i * 9000, i === 0, 6),
    );
    return { frames, packets: frames.flatMap((f, i) => testingPackets(f, 1000 + 2 * i, 2)) };
  };

  it('repairMs: a frame whose last packet shows missing only at its playout time waits for the retransmission', () => {
    // 10 fps, a target of 100 ms: frame 0's last packet is lost, and frame 1's first packet
    // shows it 100 ms on, when frame 0 is due.
    const jb = video({ targetLatencyMs: 100, repairMs: 30 });
    const { frames, packets } = tenFps(4);
    const at = (i: number) => Math.floor(i / 2) * 100 + (i % 2);
    jb.push(packets[0]!, at(0));
    jb.push(packets[2]!, at(2));
    expect(jb.missing(at(2)).map((m) => m.sequenceNumber)).toEqual([1001]);
    // Due at 100, held until 100 + 30 (when the loss showed, plus the repair time).
    expect(jb.pop(120)).toEqual([]);
    expect(jb.nextDeadline()).toBe(130);
    jb.push(packets[1]!, 125);
    const out = jb.pop(125);
    expect(out.map((f) => f.data)).toEqual([frames[0]!.data]);
    expect(out[0]).toMatchObject({ playoutMs: 100, completeMs: 125 });
    expect(jb.stats).toMatchObject({ lost: 0, framesDropped: 0, keyframesRequested: 0 });
    // Frame 1 whole, out when due (200); frame 2's first packet lost, shown by its second at
    // 300 (its due time): held until 330, then given up.
    jb.push(packets[3]!, at(3));
    expect(jb.pop(200).map((f) => f.data)).toEqual([frames[1]!.data]);
    jb.push(packets[5]!, 300);
    jb.push(packets[6]!, 300);
    expect(jb.pop(329)).toEqual([]);
    expect(jb.nextDeadline()).toBe(330);
    expect(jb.pop(330)).toEqual([]);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 1, keyframesRequested: 1 });
  });

  it('a first packet that does not start its frame: the packets before it are asked for, one at a time, and the frame waits for them', () => {
    const jb = video({ targetLatencyMs: 100, repairMs: 500 });
    const { frames, packets } = testingStream(2, 3, { keyframeEvery: 10 });
    // The keyframe's first two packets never came; its last is the first to arrive.
    jb.push(packets[2]!, 0);
    expect(jb.missing(4)).toEqual([
      { sequenceNumber: 1001, extendedSequenceNumber: 1001, ageMs: 4 },
    ]);
    jb.push(packets[3]!, 33);
    // Due at 100, held for the repair until 0 + 500.
    expect(jb.nextDeadline()).toBe(500);
    jb.push(packets[1]!, 40);
    expect(jb.missing(40).map((m) => m.sequenceNumber)).toEqual([1000]);
    jb.push(packets[0]!, 50);
    expect(jb.missing(50)).toEqual([]);
    expect(jb.pop(100).map((f) => f.data)).toEqual([frames[0]!.data]);
    expect(jb.stats).toMatchObject({ lost: 0, framesDropped: 0, keyframesRequested: 0 });
  });

  it('a first packet that does not start its frame, its start never repaired: given up when due and past the repair time', () => {
    const jb = video({ targetLatencyMs: 100, repairMs: 30 });
    const { packets } = testingStream(2, 2, { keyframeEvery: 10 });
    jb.push(packets[1]!, 0);
    jb.push(packets[2]!, 100);
    expect(jb.nextDeadline()).toBe(100);
    expect(jb.pop(100)).toEqual([]);
    expect(jb.keyframeNeeded).toBe(true);
    // Sequence number 0 at the start: the packet before it is 65535, extended -1.
    const wrapped = video();
    const first = testingStream(1, 2, { keyframeEvery: 10, firstSeq: 65535 }).packets[1]!;
    wrapped.push(first, 0);
    expect(wrapped.missing(0)).toEqual([
      { sequenceNumber: 65535, extendedSequenceNumber: -1, ageMs: 0 },
    ]);
  });

  it('setRepairMs changes the hold of the frame waiting now', () => {
    const jb = video({ targetLatencyMs: 100 });
    const { packets } = testingStream(2, 2, { keyframeEvery: 10 });
    jb.push(packets[0]!, 0);
    jb.push(packets[2]!, 100);
    expect(jb.nextDeadline()).toBe(100);
    jb.setRepairMs(40);
    expect(jb.nextDeadline()).toBe(140);
    jb.setRepairMs(0);
    expect(jb.nextDeadline()).toBe(100);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => jb.setRepairMs(bad)).toThrow(RtpConfigurationError);
    }
  });

  it('waits for an incomplete frame while nothing follows it', () => {
    const jb = video({ targetLatencyMs: 100 });
    const { frames, packets } = testingStream(2, 2, { keyframeEvery: 1 });
    jb.push(packets[0]!, 0);
    expect(jb.nextDeadline()).toBeUndefined();
    expect(jb.pop(5000)).toEqual([]);
    expect(jb.stats.lost).toBe(0);
    // Its end comes back at last (a retransmission): released at once, long overdue.
    expect(feed(jb, [packets[1]!], 5001).map((f) => f.data)).toEqual([frames[0]!.data]);
  });

  it('jumps straight to a keyframe when waiting for one and the head is missing', () => {
    const jb = video({ targetLatencyMs: 500 });
    const key = testingPackets(testingFrame(0, 0, true), 10, 2);
    const bad = testingPackets(testingFrame(1, 3000, false), 12, 2, true);
    const delta = testingPackets(testingFrame(2, 6000, false), 14, 2);
    const key2 = testingPackets(testingFrame(3, 9000, true), 16, 2);
    jb.push(key[0]!, 0);
    jb.push(key[1]!, 0);
    expect(jb.pop(500)).toHaveLength(1);
    feed(jb, bad, 501);
    expect(jb.pop(534)).toEqual([]); // refused by the depacketizer: waiting for a keyframe
    expect(jb.keyframeNeeded).toBe(true);
    jb.push(delta[1]!, 535); // the delta frame's first packet is lost
    expect(jb.nextDeadline()).toBeUndefined();
    feed(jb, key2, 536);
    // The gap is given up at once, without waiting for the delta frame's deadline.
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 2 });
    expect(jb.nextDeadline()).toBe(600);
    expect(jb.pop(600).map((f) => f.timestamp)).toEqual([9000]);
    expect(jb.keyframeNeeded).toBe(false);
  });

  it('holds back delta frames at the start of a video stream and asks for a keyframe', () => {
    const jb = video();
    const { frames, packets } = testingStream(4, 1, { keyframeEvery: 3, firstSeq: 7 });
    // The stream is joined at frame 1: frames 1 and 2 are deltas.
    const out = feed(jb, packets.slice(1), 0);
    expect(out.map((f) => f.data)).toEqual([frames[3]!.data]);
    expect(jb.stats).toMatchObject({ framesDropped: 2, keyframesRequested: 1, lost: 0 });
    expect(jb.keyframeNeeded).toBe(false);
  });

  it('audio: a lost packet is skipped when the next is due, DTX gaps play on time', () => {
    const jb = new JitterBuffer({
      depacketizer: testingAudioDepacketizer,
      clockRate: 48_000,
      targetLatencyMs: 60,
    });
    const out: JitterFrame[] = [];
    // 20 ms Opus frames (960 ticks); seq 102 lost; DTX silence of 400 ms after seq 104.
    const ts = [0, 960, 1920, 2880, 3840, 3840 + 19_200, 3840 + 20_160];
    const at = [0, 20, 40, 60, 80, 480, 500];
    for (let i = 0; i < ts.length; i++) {
      const p = testingPackets(testingFrame(i, ts[i]!, true), 100 + i, 1)[0]!;
      // RFC 3551 §4.1: the marker is set on the first packet of a talkspurt.
      if (i !== 2) jb.push({ ...p, marker: i === 0 || i === 5 }, at[i]!);
      out.push(...jb.pop(at[i]!));
      expect(out.length).toBeLessThanOrEqual(i);
    }
    out.push(...jb.pop(1000));
    expect(out.map((f) => f.timestamp)).toEqual([0, 960, 2880, 3840, 23_040, 24_000]);
    expect(out.map((f) => f.playoutMs)).toEqual([60, 80, 120, 140, 540, 560]);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 0, keyframesRequested: 0 });
    expect(jb.keyframeNeeded).toBe(false);
  });
});

describe('JitterBuffer: playout timing', () => {
  it('releases frames at timestamp + smallest transit + target latency', () => {
    const jb = video({ targetLatencyMs: 100 });
    const { frames, packets } = testingStream(3, 1, { keyframeEvery: 1 });
    jb.push(packets[0]!, 1000); // transit 1000 - 0
    jb.push(packets[1]!, 1050); // 17 ms late: queueing, not a new reference
    jb.push(packets[2]!, 1070);
    expect(jb.pop(1070)).toEqual([]);
    expect(jb.nextDeadline()).toBe(1100);
    expect(jb.pop(1100).map((f) => f.data)).toEqual([frames[0]!.data]);
    expect(jb.nextDeadline()).toBeCloseTo(1100 + 1000 / 30, 6);
    const rest = jb.pop(1200);
    expect(rest.map((f) => f.data)).toEqual([frames[1]!.data, frames[2]!.data]);
    expect(rest[1]!.playoutMs).toBeCloseTo(1100 + 2000 / 30, 6);
  });

  it('survives the 32-bit timestamp wrap and the 16-bit sequence wrap', () => {
    const jb = video({ targetLatencyMs: 50 });
    const { frames, packets } = testingStream(6, 3, {
      firstSeq: 65530,
      firstTimestamp: 0xffff_ffff - 6000,
      keyframeEvery: 100,
    });
    const out: JitterFrame[] = [];
    for (let i = 0; i < packets.length; i++) {
      const j = i % 3 === 1 ? i + 1 : i % 3 === 2 ? i - 1 : i; // reorder inside each frame
      jb.push(packets[j]!, Math.floor(i / 3) * 34);
      out.push(...jb.pop(Math.floor(i / 3) * 34));
    }
    out.push(...jb.pop(1000));
    expect(out.map((f) => f.data)).toEqual(frames.map((f) => f.data));
    expect(out.map((f) => f.timestamp)).toEqual(frames.map((f) => f.timestamp));
    expect(out.map((f) => f.firstSequenceNumber)).toEqual([65530, 65533, 0, 3, 6, 9]);
    const playout = out.map((f) => f.playoutMs);
    for (let i = 1; i < playout.length; i++) {
      expect(playout[i]! - playout[i - 1]!).toBeCloseTo(1000 / 30, 6);
    }
  });
});

describe('JitterBuffer: bounds and jumps', () => {
  it('resets on a jump confirmed by the next packet, dropping a lone far packet', () => {
    const jb = video();
    const { packets } = testingStream(2, 1, { keyframeEvery: 1, firstSeq: 100 });
    feed(jb, packets.slice(0, 1), 0);
    const far = testingPackets(testingFrame(9, 5000, true), 20_000, 2);
    expect(jb.push(far[0]!, 1)).toBe('out-of-window');
    expect(jb.push(packets[1]!, 2)).toBe('accepted'); // the stream goes on: no reset
    expect(jb.push(far[0]!, 3)).toBe('out-of-window');
    expect(jb.push(far[1]!, 4)).toBe('accepted');
    expect(jb.stats).toMatchObject({ resets: 1, outOfWindow: 2 });
    // The packet that jumped was held and is stored with the one that confirmed the jump.
    expect(jb.pop(5).map((f) => f.timestamp)).toEqual([5000]);
    const next = testingPackets(testingFrame(10, 8000, true), 20_002, 1);
    expect(feed(jb, next, 6).map((f) => f.timestamp)).toEqual([8000]);
    expect(jb.keyframeNeeded).toBe(false);
  });

  it('resets on a confirmed jump backward (a sender restarting its numbers)', () => {
    const jb = video();
    feed(jb, testingPackets(testingFrame(0, 0, true), 40_000, 2), 0);
    const back = testingPackets(testingFrame(1, 3000, true), 30_000, 2);
    expect(jb.push(back[0]!, 1)).toBe('out-of-window');
    expect(jb.push(back[1]!, 1)).toBe('accepted');
    expect(jb.stats.resets).toBe(1);
    expect(jb.pop(1).map((f) => f.timestamp)).toEqual([3000]);
  });

  it('makes room by dropping the oldest frames when the window is full', () => {
    const jb = video({ maxPackets: 16, targetLatencyMs: 1000 });
    const { frames, packets } = testingStream(10, 2, { keyframeEvery: 1 });
    // Frame 0 loses a packet and stalls the head; the rest are complete but not due.
    for (let i = 0; i < packets.length; i++) if (i !== 1) jb.push(packets[i]!, i);
    // 1016..1019 pushed 1000 (frame 0's start), 1001 (missing), frame 1 (1002, 1003) out.
    expect(jb.bufferedPackets).toBe(16);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 2 });
    expect(jb.pop(5000).map((f) => f.data)).toEqual(frames.slice(2).map((f) => f.data));
  });

  it('a flood of far-apart sequence numbers cannot grow the buffer', () => {
    const jb = video({ maxPackets: 64 });
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const seq = x & 0xffff;
      jb.push(
        { sequenceNumber: seq, timestamp: x, marker: false, payload: new Uint8Array([0]) },
        i,
      );
      jb.pop(i);
      expect(jb.bufferedPackets).toBeLessThanOrEqual(64);
    }
    expect(jb.missing(20_000).length).toBeLessThanOrEqual(64);
    expect(jb.stats.packetsReceived).toBe(20_000);
    expect(jb.stats.framesEmitted).toBe(0);
  });

  it('rejects options out of range with a typed error', () => {
    const bad: Partial<JitterBufferOptions>[] = [
      { clockRate: 0 },
      { clockRate: 1.5 },
      { targetLatencyMs: -1 },
      { targetLatencyMs: Number.POSITIVE_INFINITY },
      { repairMs: -1 },
      { repairMs: Number.NaN },
      { maxPackets: 8 },
      { maxPackets: 40_000 },
    ];
    for (const o of bad) expect(() => video(o)).toThrow(RtpConfigurationError);
  });
});
