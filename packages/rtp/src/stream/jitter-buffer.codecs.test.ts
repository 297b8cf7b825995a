import { describe, expect, it } from 'vitest';
import type { RtpPayloadView } from '../codecs/depacketizer.js';
import { H264Depacketizer } from '../codecs/h264.js';
import { OpusDepacketizer, OpusPayloader } from '../codecs/opus.js';
import { Vp8Depacketizer, Vp8Payloader } from '../codecs/vp8.js';
import { JitterBuffer } from './jitter-buffer.js';
import type { JitterFrame } from './jitter-buffer-options.js';
import { testingPrng } from './testing-depacketizer.js';

/** A VP8 frame (RFC 6386 §9.1 frame tag; a keyframe with its start code and 640×480). */
function vp8Frame(rand: () => number, size: number, key: boolean): Uint8Array {
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) f[i] = Math.floor(rand() * 256);
  const firstPartition = 8;
  f[0] = (key ? 0 : 1) | 0x10 | ((firstPartition & 7) << 5);
  f[1] = (firstPartition >> 3) & 0xff;
  f[2] = 0;
  if (key) f.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  return f;
}

/** `count` VP8 frames at 30 fps, a keyframe every 20, packetized into 1200-byte payloads. */
function vp8Stream(count: number) {
  const rand = testingPrng(77);
  const payloader = new Vp8Payloader({ initialPictureId: 100 });
  const frames: Uint8Array[] = [];
  const packets: RtpPayloadView[][] = [];
  let seq = 65_500;
  for (let i = 0; i < count; i++) {
    const frame = vp8Frame(rand, 300 + Math.floor(rand() * 4000), i % 20 === 0);
    frames.push(frame);
    const payloads = payloader.packetize(frame, 1200);
    packets.push(
      payloads.map((payload, k) => ({
        sequenceNumber: seq++ & 0xffff,
        timestamp: (0xffff_f000 + i * 3000) >>> 0,
        marker: k === payloads.length - 1,
        payload,
      })),
    );
  }
  return { frames, packets };
}

/** Pushes each frame's packets in reverse at 33 ms a frame, popping as an owner would. */
function play(
  jb: JitterBuffer,
  packets: RtpPayloadView[][],
  skip: (i: number, k: number) => boolean,
) {
  const out: JitterFrame[] = [];
  packets.forEach((ps, i) => {
    const t = i * 34;
    for (let k = ps.length - 1; k >= 0; k--) if (!skip(i, k)) jb.push(ps[k]!, t);
    out.push(...jb.pop(t));
  });
  out.push(...jb.pop(packets.length * 34 + 1000));
  return out;
}

describe('JitterBuffer with the VP8 depacketizer (RFC 7741)', () => {
  it('reassembles every frame across the sequence and timestamp wraps', () => {
    const { frames, packets } = vp8Stream(40);
    expect(packets.some((p) => p.length > 2)).toBe(true);
    const jb = new JitterBuffer({
      depacketizer: new Vp8Depacketizer(),
      clockRate: 90_000,
      targetLatencyMs: 100,
      requiresKeyframeAfterLoss: true,
    });
    const out = play(jb, packets, () => false);
    expect(out.map((f) => f.data)).toEqual(frames);
    expect(out.map((f) => f.keyframe)).toEqual(frames.map((_, i) => i % 20 === 0));
  });

  it('after an unrecovered loss waits for the next keyframe, asking for one', () => {
    const { frames, packets } = vp8Stream(40);
    const jb = new JitterBuffer({
      depacketizer: new Vp8Depacketizer(),
      clockRate: 90_000,
      targetLatencyMs: 100,
      requiresKeyframeAfterLoss: true,
    });
    // The second packet of the first delta frame of several packets from frame 3 is lost.
    const hit = packets.findIndex((ps, i) => i >= 3 && ps.length >= 2);
    expect(hit).toBeLessThan(20);
    let asked = false;
    const out: JitterFrame[] = [];
    packets.forEach((ps, i) => {
      const t = i * 34;
      ps.forEach((p, k) => {
        if (!(i === hit && k === 1)) jb.push(p, t);
      });
      out.push(...jb.pop(t));
      asked ||= jb.keyframeNeeded;
    });
    out.push(...jb.pop(10_000));
    expect(asked).toBe(true);
    expect(out.map((f) => f.data)).toEqual([...frames.slice(0, hit), ...frames.slice(20)]);
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 20 - hit, keyframesRequested: 1 });
  });
});

describe('JitterBuffer with the H.264 depacketizer (RFC 6184)', () => {
  it('keeps SPS, PPS and IDR sent as separate packets in one access unit', () => {
    const jb = new JitterBuffer({
      depacketizer: new H264Depacketizer(),
      clockRate: 90_000,
      targetLatencyMs: 50,
      requiresKeyframeAfterLoss: true,
    });
    const nal = (bytes: number[], seq: number, timestamp: number, marker = false) => ({
      sequenceNumber: seq,
      timestamp,
      marker,
      payload: new Uint8Array(bytes),
    });
    // Single NAL unit packets (§5.6): SPS (7), PPS (8), IDR (5, first_mb_in_slice 0), then a
    // P slice (1) in two slices, the second not starting the access unit.
    const key = [
      nal([0x67, 0x42, 0xc0, 0x1f], 10, 9000),
      nal([0x68, 0xce, 0x3c, 0x80], 11, 9000),
      nal([0x65, 0x88, 0x84, 0x21], 12, 9000, true),
    ];
    const delta = [nal([0x41, 0x9a, 0x01], 13, 12_000), nal([0x41, 0x40, 0x02], 14, 12_000, true)];
    for (const p of [key[1]!, key[0]!, key[2]!, ...delta]) jb.push(p, 0);
    const out = jb.pop(100);
    expect(out.map((f) => [f.packetCount, f.keyframe])).toEqual([
      [3, true],
      [2, false],
    ]);
    expect([...out[0]!.data.subarray(0, 8)]).toEqual([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f]);
  });

  it('takes an access unit led by an AUD as the keyframe its SPS and IDR make it', () => {
    const jb = new JitterBuffer({
      depacketizer: new H264Depacketizer(),
      clockRate: 90_000,
      requiresKeyframeAfterLoss: true, // at the start: waiting for a keyframe
    });
    const nal = (bytes: number[], seq: number, marker = false) => ({
      sequenceNumber: seq,
      timestamp: 9000,
      marker,
      payload: new Uint8Array(bytes),
    });
    jb.push(nal([0x09, 0xf0], 20), 0); // AUD (type 9): starts the access unit, not a keyframe
    expect(jb.pop(0)).toEqual([]);
    jb.push(nal([0x67, 0x42, 0xc0, 0x1f], 21), 1);
    jb.push(nal([0x68, 0xce, 0x3c, 0x80], 22), 1);
    jb.push(nal([0x65, 0x88, 0x84, 0x21], 23, true), 2);
    const out = jb.pop(2);
    expect(out.map((f) => [f.packetCount, f.keyframe])).toEqual([[4, true]]);
    expect(jb.stats).toMatchObject({ framesDropped: 0, keyframesRequested: 0 });
  });
});

describe('JitterBuffer with the Opus depacketizer (RFC 7587)', () => {
  it('plays 20 ms packets through a loss and a DTX gap, without keyframe waits', () => {
    const payloader = new OpusPayloader();
    const jb = new JitterBuffer({
      depacketizer: new OpusDepacketizer(),
      clockRate: 48_000,
      targetLatencyMs: 40,
    });
    const frames: Uint8Array[] = [];
    const out: JitterFrame[] = [];
    let ts = 0;
    let t = 0;
    for (let i = 0; i < 30; i++) {
      const frame = new Uint8Array([0x78, i, i + 1]);
      frames.push(frame);
      const [payload] = payloader.packetize(frame, 1200);
      // RFC 3551 §4.1: the marker starts a talkspurt (the first packet, and after the gap).
      const p = {
        sequenceNumber: 200 + i,
        timestamp: ts,
        marker: i === 0 || i === 15,
        payload: payload!,
      };
      if (i !== 7) jb.push(p, t);
      out.push(...jb.pop(t));
      // DTX after packet 14: 1 s of silence, no packets, then speech again.
      const step = i === 14 ? 1000 : 20;
      ts += step * 48;
      t += step;
    }
    out.push(...jb.pop(t + 1000));
    expect(out.map((f) => f.data)).toEqual(frames.filter((_, i) => i !== 7));
    expect(out[14]!.playoutMs - out[13]!.playoutMs).toBe(1000); // frames 15 and 14
    expect(jb.stats).toMatchObject({ lost: 1, framesDropped: 0, keyframesRequested: 0 });
  });
});
