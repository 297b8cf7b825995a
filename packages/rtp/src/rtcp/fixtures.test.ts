import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readHexFixture } from '../packet/testing-fixtures.js';
import { parseRtcp, serializeRtcp } from './compound.js';
import { parseRemb } from './remb.js';
import type { RtcpPacket } from './rtcp-packet.js';
import { parseTwcc, type RtcpTwcc } from './twcc.js';
import { parseXr } from './xr.js';

// Golden packets from real stacks (Chrome's REMB and transport-cc feedback, a packet dump) and
// from pion/rtcp's test vectors: see each file's header.
const dir = new URL('./fixtures/', import.meta.url);
const twcc = (name: string): RtcpTwcc => {
  const p = parseTwcc(readHexFixture(dir, name));
  if (typeof p === 'string') throw new Error(`${name}: ${p}`);
  return p;
};
const ms = (p: RtcpTwcc) => p.packets.map((s) => (s.received ? (s.deltaUs ?? 0) / 1000 : null));

describe('golden RTCP packets', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.hex') && !f.startsWith('invalid-'));

  it.each(files)(
    '%s parses, with no malformed item, and re-serializes to an equal value',
    (name) => {
      const out = parseRtcp(readHexFixture(dir, name));
      if (typeof out === 'string') throw new Error(out);
      expect(out.some((p) => p.kind === 'malformed')).toBe(false);
      expect(parseRtcp(serializeRtcp(out))).toEqual(out);
    },
  );

  it('reads the compound dump: RR, SDES CNAME, BYE, PLI, an unknown RTPFB and APP, byte for byte', () => {
    const raw = readHexFixture(dir, 'dump-compound.hex');
    const out = parseRtcp(raw) as RtcpPacket[];
    expect(out.map((p) => p.kind)).toEqual(['rr', 'sdes', 'bye', 'pli', 'unknown', 'app']);
    expect(out[0]).toEqual({
      kind: 'rr',
      ssrc: 0x902f9e2e,
      reports: [
        {
          ssrc: 0xbc5e9a40,
          fractionLost: 0,
          cumulativeLost: 0,
          highestSequenceNumber: 0x46e1,
          jitter: 273,
          lastSenderReport: 0x9f36432,
          delaySinceLastSenderReport: 150137,
        },
      ],
    });
    expect(out[1]).toEqual({
      kind: 'sdes',
      chunks: [
        { ssrc: 0x902f9e2e, items: [{ type: 1, text: '{9c00eb92-1afb-9d49-a47d-91f64eee69f5}' }] },
      ],
    });
    expect(out[4]).toMatchObject({ kind: 'unknown', packetType: 205, count: 5 });
    expect(out[5]).toMatchObject({ kind: 'app', name: 'NAME', ssrc: 0x4baae1ab });
    expect(serializeRtcp(out).equals(raw)).toBe(true);
  });

  it("reads Chrome's REMB and writes it back byte for byte", () => {
    const raw = readHexFixture(dir, 'chrome-remb.hex');
    const p = parseRemb(raw);
    expect(p).toEqual({
      kind: 'remb',
      senderSsrc: 1,
      mediaSsrc: 0,
      bitrate: 8927168,
      ssrcs: [1215622422],
    });
    expect(typeof p !== 'string' && serializeRtcp(p).equals(raw)).toBe(true);
  });

  it("reads Chromium's transport-cc feedback and picks the same chunk and deltas", () => {
    const raw = readHexFixture(dir, 'chromium-twcc-run-length.hex');
    const p = twcc('chromium-twcc-run-length.hex');
    expect(p).toMatchObject({
      senderSsrc: 1,
      mediaSsrc: 0xdd586eb6,
      baseSequenceNumber: 1,
      referenceTime: 6197520,
      feedbackPacketCount: 0,
    });
    expect(ms(p)).toEqual([7, 3, 11, 14, 0, 1, 0, 2, 6]);
    expect(p.packets.map((s) => s.sequenceNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(p.packets.at(-1)?.arrivalTimeUs).toBe(6197520 * 64000 + 44000);
    // Chromium pads with the P bit; this package zero-pads in the body. Content is identical.
    const ours = serializeRtcp(p);
    expect(ours.subarray(1, 31).equals(raw.subarray(1, 31))).toBe(true);
    expect([ours[0], raw[0]]).toEqual([0x8f, 0xaf]);
  });

  it("reads pion's transport-cc vectors: a two-bit vector, a large delta, a run past the count", () => {
    expect(ms(twcc('twcc-one-run.hex'))).toEqual([37]);
    expect(twcc('twcc-one-run.hex')).toMatchObject({
      baseSequenceNumber: 153,
      referenceTime: 4057090,
      feedbackPacketCount: 23,
    });
    const v = twcc('twcc-two-bit-vector.hex');
    expect(v.baseSequenceNumber).toBe(34108);
    expect(ms(v)).toEqual([38.75, 42.5, 26.5, 42.5, 30.75, null, 66.25, null, null]);
  });

  it('refuses the pion vectors whose P-bit padding contradicts the packet, as libwebrtc does', () => {
    expect(parseTwcc(readHexFixture(dir, 'invalid-twcc-zero-padding.hex'))).toBe('zero-padding');
    expect(parseTwcc(readHexFixture(dir, 'invalid-twcc-padding-over-deltas.hex'))).toBe(
      'truncated',
    );
    expect(parseRtcp(readHexFixture(dir, 'invalid-twcc-padding-over-deltas.hex'))).toMatchObject([
      { kind: 'malformed', reason: 'truncated' },
    ]);
  });

  it('reads the seven-block XR: RRTR and DLRR decoded, the others kept raw, byte for byte', () => {
    const raw = readHexFixture(dir, 'xr-all-blocks.hex');
    const xr = parseXr(raw);
    if (typeof xr === 'string') throw new Error(xr);
    expect(xr.ssrc).toBe(0x01020304);
    expect(xr.blocks.map((b) => (b.type === 'raw' ? b.blockType : b.type))).toEqual([
      1,
      2,
      3,
      'rrtr',
      'dlrr',
      6,
      7,
    ]);
    expect(xr.blocks[3]).toEqual({ type: 'rrtr', ntpSeconds: 0x01020304, ntpFraction: 0x05060708 });
    expect(xr.blocks[4]).toMatchObject({
      type: 'dlrr',
      items: [
        {
          ssrc: 0x88888888,
          lastReceiverReport: 0x12345678,
          delaySinceLastReceiverReport: 0x99999999,
        },
        {},
        {},
      ],
    });
    expect(serializeRtcp(xr).equals(raw)).toBe(true);
  });
});
