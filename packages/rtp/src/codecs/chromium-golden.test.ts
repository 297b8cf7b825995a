/**
 * Golden packets from Chromium 156's fake camera and microphone (fixtures/chromium, captured
 * by tools/interop/media, decrypted): Opus, VP8 and H.264 (packetization mode 1) depacketize
 * into the frames Chromium's encoders made, and its RTCP compounds parse and re-serialize to
 * the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { readMid } from '../packet/extension-strings.js';
import { isRtpParseFailure } from '../packet/parse-failure.js';
import { parseRtp, type RtpPacket } from '../packet/rtp-packet.js';
import { parseRtcp, serializeRtcp } from '../rtcp/compound.js';
import { isRtcpParseFailure } from '../rtcp/header.js';
import { assembleFrame } from './depacketizer.js';
import { splitAnnexB } from './h264-payloader.js';
import { depacketizerFor } from './registry.js';
import { readChromiumCapture, readChromiumDump } from './testing-rtpdump.js';

const capture = readChromiumCapture();

function packetsOf(file: string): RtpPacket[] {
  return readChromiumDump(file).map((r, i) => {
    expect(r.rtcp, `${file} #${i} is RTP`).toBe(false);
    const p = parseRtp(r.data);
    if (isRtpParseFailure(p)) throw new Error(`${file} #${i}: ${p}`);
    return p;
  });
}

interface Frame {
  readonly timestamp: number;
  readonly keyframe: boolean;
  readonly data: Uint8Array | undefined;
}

/** Packets with payload grouped by timestamp (a frame's packets share it), each assembled. */
function framesOf(mimeType: string, packets: readonly RtpPacket[]): Frame[] {
  const d = depacketizerFor(mimeType)!;
  const groups: RtpPacket[][] = [];
  for (const p of packets) {
    if (p.payload.length === 0) continue; // a padding-only packet (a bandwidth probe)
    const last = groups.at(-1);
    if (last !== undefined && last[0]!.timestamp === p.timestamp) last.push(p);
    else groups.push([p]);
  }
  return groups.map((g) => ({
    timestamp: g[0]!.timestamp,
    keyframe: d.isKeyframe(g[0]!.payload),
    data: assembleFrame(d, g),
  }));
}

const media = Object.entries(capture.files).filter(([, f]) => f.mimeType !== undefined);

describe(`Chromium golden RTP (${capture.chromium})`, () => {
  it('holds Opus, VP8 and H.264', () => {
    expect(media.map(([, f]) => f.mimeType).sort()).toEqual([
      'audio/opus',
      'video/H264',
      'video/VP8',
    ]);
  });

  for (const [file, f] of media) {
    describe(file, () => {
      const session = capture.sessions[f.session]!;
      const packets = packetsOf(file);

      it('is one stream, every sequence number once and in order, each with its MID', () => {
        expect(packets).toHaveLength(f.packets!);
        const stream = session.streams.find((s) => s.ssrc === f.ssrc)!;
        for (const [i, p] of packets.entries()) {
          expect([p.ssrc, p.payloadType]).toEqual([f.ssrc, f.payloadType]);
          expect(p.sequenceNumber).toBe((f.firstSequence! + i) & 0xffff);
          // Chromium sends the MID until an RTCP report acknowledges the SSRC; the capture sent none.
          expect(readMid(p, session.midExtensionId)).toBe(stream.mid);
        }
      });

      it('depacketizes into complete frames, a keyframe first, the keyframes where Chromium put them', () => {
        const frames = framesOf(f.mimeType!, packets);
        expect(frames).toHaveLength(f.frames!);
        expect(frames.filter((x) => x.data === undefined).map((x) => x.timestamp)).toEqual([]);
        expect(packets.filter((p) => p.payload.length > 0 && p.marker).length).toBe(f.markers);
        if (f.mimeType === 'audio/opus') return;
        expect(frames[0]!.keyframe).toBe(true);
        expect(frames.filter((x) => x.keyframe).map((x) => x.timestamp)).toEqual(
          f.keyframeTimestamps,
        );
      });
    });
  }

  it('Opus: one 20 ms frame a packet (RFC 7587 §4.2, RFC 6716 §3.1 TOC), 50 a second', () => {
    const f = capture.files['opus.rtpdump']!;
    const packets = packetsOf('opus.rtpdump');
    const frames = framesOf('audio/opus', packets);
    expect(frames.length).toBe(50);
    for (const [i, frame] of frames.entries()) {
      expect(frame.data).toEqual(packets[i]!.payload);
      const toc = frame.data![0]!;
      // Configurations of 20 ms frames (SILK, hybrid, CELT), code 0: one frame in the packet.
      expect([1, 5, 9, 13, 15, 19, 23, 27, 31]).toContain(toc >> 3);
      expect(toc & 3).toBe(0);
      if (i > 0) expect((packets[i]!.timestamp - packets[i - 1]!.timestamp) >>> 0).toBe(960);
    }
    expect(f.clockRate).toBe(48_000);
  });

  it('VP8: every keyframe has the start code 9d 01 2a and the camera size (RFC 6386 §9.1)', () => {
    const frames = framesOf('video/VP8', packetsOf('vp8.rtpdump'));
    const keyframes = frames.filter((x) => x.keyframe);
    expect(keyframes.length).toBeGreaterThanOrEqual(2); // the first, and the PLI's
    for (const k of keyframes) {
      const b = Buffer.from(k.data!);
      expect(b[0]! & 1).toBe(0); // frame tag P bit: key frame
      expect(b.subarray(3, 6).toString('hex')).toBe('9d012a');
      expect([b.readUInt16LE(6) & 0x3fff, b.readUInt16LE(8) & 0x3fff]).toEqual([
        capture.capture.width,
        capture.capture.height,
      ]);
    }
    for (const x of frames.filter((y) => !y.keyframe)) expect(x.data![0]! & 1).toBe(1);
  });

  it('H.264: every keyframe is SPS, PPS and IDR in Annex B; the others hold no IDR', () => {
    const frames = framesOf('video/H264', packetsOf('h264.rtpdump'));
    const keyframes = frames.filter((x) => x.keyframe);
    expect(keyframes.length).toBeGreaterThanOrEqual(2);
    for (const k of keyframes) {
      const nals = splitAnnexB(k.data!);
      const types = nals.map((n) => n[0]! & 0x1f);
      expect(types).toEqual(expect.arrayContaining([7, 8, 5]));
      expect(types.indexOf(7)).toBeLessThan(types.indexOf(5));
      expect(types.indexOf(8)).toBeLessThan(types.indexOf(5));
      // The SPS says Constrained Baseline, as profile-level-id 42e01f asked: profile_idc 66
      // with constraint_set1_flag (H.264 §A.2.1.1).
      const sps = nals[types.indexOf(7)]!;
      expect(sps[1]).toBe(0x42);
      expect(sps[2]! & 0x40).toBe(0x40);
    }
    for (const x of frames.filter((y) => !y.keyframe)) {
      const types = splitAnnexB(x.data!).map((n) => n[0]! & 0x1f);
      expect(types).toContain(1);
      expect(types).not.toContain(5);
    }
  });
});

describe('Chromium golden RTCP', () => {
  const rtcpFiles = Object.entries(capture.files).filter(([, f]) => f.compounds !== undefined);

  it('holds the compounds of both sessions', () => {
    expect(rtcpFiles.map(([, f]) => f.session).sort()).toEqual(['h264', 'vp8']);
  });

  for (const [file, f] of rtcpFiles) {
    it(`${file}: SR then SDES with a CNAME per compound (RFC 3550 §6.1), re-serialized byte for byte`, () => {
      const records = readChromiumDump(file);
      expect(records).toHaveLength(f.compounds!);
      const ssrcs = capture.sessions[f.session]!.streams.map((s) => s.ssrc);
      for (const r of records) {
        expect(r.rtcp).toBe(true);
        const packets = parseRtcp(r.data);
        if (isRtcpParseFailure(packets)) throw new Error(`${file}: ${packets}`);
        expect(packets.map((p) => p.kind)).toEqual(['sr', 'sdes']);
        const [sr, sdes] = packets;
        if (sr?.kind !== 'sr' || sdes?.kind !== 'sdes') throw new Error('unreachable');
        expect(ssrcs).toContain(sr.ssrc);
        expect(sr.reports).toEqual([]); // Chromium receives nothing from the capture's side
        expect(sr.packetCount).toBeGreaterThan(0);
        expect(sdes.chunks.map((c) => c.ssrc)).toEqual([sr.ssrc]);
        expect(sdes.chunks[0]!.items).toEqual([
          expect.objectContaining({ type: 1, text: expect.stringMatching(/^\S{16}$/) }),
        ]);
        expect(Buffer.from(serializeRtcp(packets)).toString('hex')).toBe(
          Buffer.from(r.data).toString('hex'),
        );
      }
    });
  }
});
