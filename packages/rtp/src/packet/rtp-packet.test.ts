import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RtpPayloadView } from '../codecs/depacketizer.js';
import { rtpHeaderSize } from './header-size.js';
import { type RtpParseFailure, RTP_PARSE_FAILURES } from './parse-failure.js';
import { parseRtp, type RtpPacket } from './rtp-packet.js';

const parsed = (bytes: Uint8Array): RtpPacket => {
  const p = parseRtp(bytes);
  if (typeof p === 'string') throw new Error(p);
  return p;
};

// RFC 3550 §5.1, field by field: V=2 P=0 X=0 CC=2 | M=1 PT=111 | seq 0xfffe | ts 0xdeadbeef |
// SSRC 0x01020304 | CSRC 0xaabbccdd, 0x00000001 | payload 01 02 03.
const rfcPacket = Uint8Array.of(
  0x82,
  0xef,
  0xff,
  0xfe,
  0xde,
  0xad,
  0xbe,
  0xef,
  0x01,
  0x02,
  0x03,
  0x04,
  0xaa,
  0xbb,
  0xcc,
  0xdd,
  0x00,
  0x00,
  0x00,
  0x01,
  0x01,
  0x02,
  0x03,
);

describe('parseRtp', () => {
  it('reads every field of the RFC 3550 §5.1 header', () => {
    const p = parsed(rfcPacket);
    expect(p.marker).toBe(true);
    expect(p.payloadType).toBe(111);
    expect(p.sequenceNumber).toBe(0xfffe);
    expect(p.timestamp).toBe(0xdeadbeef);
    expect(p.ssrc).toBe(0x01020304);
    expect(p.padding).toBe(false);
    expect(p.csrcCount).toBe(2);
    expect(p.csrcs).toEqual([0xaabbccdd, 1]);
    expect(p.csrc(0)).toBe(0xaabbccdd);
    expect(p.headerSize).toBe(20);
    expect([...p.payload]).toEqual([1, 2, 3]);
    expect(p.payloadSize).toBe(3);
    expect(p.extensionProfile).toBeUndefined();
    expect(p.extensionForm).toBeUndefined();
    expect(p.extensionData.length).toBe(0);
    expect(p.extensions()).toEqual([]);
    expect(p.getExtension(1)).toBeUndefined();
  });

  it('is a view: the payload shares the datagram memory and is created once', () => {
    const buf = Buffer.from(rfcPacket);
    const p = parsed(buf);
    expect(p.bytes).toBe(buf);
    expect(p.payload.buffer).toBe(buf.buffer);
    expect(p.payload.byteOffset).toBe(buf.byteOffset + 20);
    expect(p.payload).toBe(p.payload);
    buf[20] = 9;
    expect(p.payload[0]).toBe(9);
  });

  it('structurally satisfies the codecs RtpPayloadView', () => {
    expectTypeOf<RtpPacket>().toMatchTypeOf<RtpPayloadView>();
    const view: RtpPayloadView = parsed(rfcPacket);
    expect(view.sequenceNumber).toBe(0xfffe);
  });

  it('reads the boundary values: seq 0 and 65535, ts and SSRC 0 and 2³²−1, PT 0 and 127', () => {
    const min = parsed(Uint8Array.of(0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    expect([min.marker, min.payloadType, min.sequenceNumber, min.timestamp, min.ssrc]).toEqual([
      false,
      0,
      0,
      0,
      0,
    ]);
    const max = parsed(new Uint8Array(12).fill(0xff).fill(0x80, 0, 1));
    expect([max.marker, max.payloadType, max.sequenceNumber, max.timestamp, max.ssrc]).toEqual([
      true,
      127,
      65535,
      0xffffffff,
      0xffffffff,
    ]);
    expect(max.payload.length).toBe(0);
  });

  it('writes header fields in place', () => {
    const p = parsed(Uint8Array.from(rfcPacket));
    p.marker = false;
    p.payloadType = 96;
    p.sequenceNumber = 0xffff + 1; // wraps to 0
    p.timestamp = 0xffffffff;
    p.ssrc = 0x80000001;
    expect([p.marker, p.payloadType, p.sequenceNumber, p.timestamp, p.ssrc]).toEqual([
      false,
      96,
      0,
      0xffffffff,
      0x80000001,
    ]);
    p.marker = true;
    expect(p.payloadType).toBe(96);
    expect(p.bytes[1]).toBe(0x80 | 96);
    expect(p.csrcs).toEqual([0xaabbccdd, 1]); // untouched
  });

  it('strips padding (RFC 3550 §5.1: the last octet counts itself)', () => {
    const bytes = Uint8Array.of(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 7, 8, 0, 0, 3);
    const p = parsed(bytes);
    expect(p.padding).toBe(true);
    expect(p.paddingSize).toBe(3);
    expect([...p.payload]).toEqual([7, 8]);
    // Padding only: the whole rest of the packet.
    const only = parsed(Uint8Array.of(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3));
    expect(only.payloadSize).toBe(0);
  });

  const failures: [RtpParseFailure, number[]][] = [
    ['too-short', []],
    ['too-short', [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['bad-version', [0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['bad-version', [0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['csrc-overflow', [0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]],
    ['extension-overflow', [0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0]],
    ['extension-overflow', [0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 1, 0x10]],
    ['padding-overflow', [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4]],
    ['padding-overflow', [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff]],
    ['zero-padding', [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]],
  ];
  it.each(failures)('returns %s for malformed input %j, never throws', (reason, bytes) => {
    expect(parseRtp(Uint8Array.from(bytes))).toBe(reason);
    expect(RTP_PARSE_FAILURES).toContain(reason);
  });

  it('accepts a CSRC list that exactly fills the datagram', () => {
    const bytes = new Uint8Array(12 + 60).fill(0);
    bytes[0] = 0x8f;
    const p = parsed(bytes);
    expect(p.csrcCount).toBe(15);
    expect(p.headerSize).toBe(72);
    expect(p.payloadSize).toBe(0);
  });

  it('agrees with rtpHeaderSize', () => {
    const bytes = Uint8Array.of(
      0x91,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      1,
      2,
      3,
      4,
      0xbe,
      0xde,
      0,
      1,
      0x10,
      0xaa,
      0,
      0,
      9,
    );
    expect(parsed(bytes).headerSize).toBe(rtpHeaderSize(bytes));
    expect(rtpHeaderSize(bytes)).toBe(24);
  });

  it('keeps a packet with an extension block of another profile, with no elements', () => {
    const bytes = Uint8Array.of(
      0x90,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x00,
      0x01,
      0,
      1,
      0x10,
      0xaa,
      0,
      0,
      5,
    );
    const p = parsed(bytes);
    expect(p.extensionProfile).toBe(1);
    expect(p.extensionForm).toBe('other');
    expect([...p.extensionData]).toEqual([0x10, 0xaa, 0, 0]);
    expect(p.extensions()).toEqual([]);
    expect(p.getExtension(1)).toBeUndefined();
    expect([...p.payload]).toEqual([5]);
    expect(p.toInit().rawExtension).toEqual({ profile: 1, data: p.extensionData });
  });

  it('reads an empty one-byte block (X set, length 0)', () => {
    const p = parsed(Uint8Array.of(0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 0, 1));
    expect(p.extensionForm).toBe('one-byte');
    expect(p.extensions()).toEqual([]);
    expect(p.headerSize).toBe(16);
  });

  it('RFC 8285 §4.2: stops at id 15 and keeps the elements before it', () => {
    const bytes = Uint8Array.of(
      0x90,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xbe,
      0xde,
      0,
      2,
      0x10,
      0x33,
      0xf0,
      0x00,
      0x20,
      0x44,
      0,
      0,
    );
    const p = parsed(bytes);
    expect(p.extensions().map((e) => [e.id, [...e.data]])).toEqual([[1, [0x33]]]);
    expect(p.getExtension(2)).toBeUndefined();
  });

  it('stops at an element that runs past its block, or a non-zero byte with id 0 (as libwebrtc)', () => {
    const over = Uint8Array.of(
      0x90,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xbe,
      0xde,
      0,
      1,
      0x10,
      0x33,
      0x23,
      0x01,
      0xff,
    );
    const p = parsed(over);
    expect(p.extensions().map((e) => e.id)).toEqual([1]);
    expect([...p.payload]).toEqual([0xff]);
    const zeroId = Uint8Array.of(
      0x90,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xbe,
      0xde,
      0,
      1,
      0x02,
      0x10,
      0x33,
      0,
    );
    expect(parsed(zeroId).extensions()).toEqual([]);
    const twoByte = Uint8Array.of(
      0x90,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x10,
      0x00,
      0,
      1,
      0x01,
      0x01,
      0x07,
      0x02,
    );
    expect(
      parsed(twoByte)
        .extensions()
        .map((e) => [e.id, [...e.data]]),
    ).toEqual([[1, [7]]]);
  });

  it('finds the first of two elements with the same id', () => {
    const bytes = Uint8Array.of(
      0x90,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xbe,
      0xde,
      0,
      1,
      0x10,
      0x01,
      0x10,
      0x02,
    );
    expect([...(parsed(bytes).getExtension(1) ?? [])]).toEqual([1]);
  });

  it('copy() owns its memory', () => {
    const buf = Buffer.from(rfcPacket);
    const c = parsed(buf).copy();
    buf[2] = 0;
    expect(c.sequenceNumber).toBe(0xfffe);
    expect(c.bytes.buffer).not.toBe(buf.buffer);
    expect([...c.payload]).toEqual([1, 2, 3]);
  });
});
