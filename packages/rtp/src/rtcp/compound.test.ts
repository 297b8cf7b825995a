import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import {
  buildRtcpCompound,
  parseRtcp,
  rtcpSize,
  serializeRtcp,
  serializeRtcpInto,
} from './compound.js';
import { RTCP_PARSE_FAILURES, type RtcpParseFailure } from './header.js';
import type { RtcpPacket } from './rtcp-packet.js';

const rr: RtcpPacket = { kind: 'rr', ssrc: 1, reports: [] };
const sdes: RtcpPacket = {
  kind: 'sdes',
  chunks: [{ ssrc: 1, items: [{ type: 1, text: 'cname' }] }],
};
const pli: RtcpPacket = { kind: 'pli', senderSsrc: 1, mediaSsrc: 2 };
const bye: RtcpPacket = { kind: 'bye', ssrcs: [1] };

describe('parseRtcp (RFC 3550 §6.1, A.2)', () => {
  it('decodes every packet of a compound, in order', () => {
    const bytes = serializeRtcp([rr, sdes, pli, bye]);
    expect(bytes.length).toBe(rtcpSize([rr, sdes, pli, bye]));
    expect(parseRtcp(bytes)).toEqual([rr, sdes, pli, bye]);
  });

  it('accepts padding on the last packet only', () => {
    // An RR padded with 4 bytes (P bit, length 2, last byte 4).
    const padded = Buffer.from('a0c90002' + '00000001' + '00000004', 'hex');
    expect(parseRtcp(padded)).toEqual([rr]);
    expect(parseRtcp(Buffer.concat([serializeRtcp(sdes), padded]))).toEqual([sdes, rr]);
    expect(parseRtcp(Buffer.concat([padded, serializeRtcp(sdes)]))).toBe('padding-not-last');
  });

  const failures: [RtcpParseFailure, string][] = [
    ['too-short', ''],
    ['too-short', '80c9'],
    ['too-short', '80c9000100000001' + '80'],
    ['bad-version', '40c9000100000001'],
    ['bad-length', '80c9000200000001'],
    ['zero-padding', 'a0c90001' + '00000000'],
    ['padding-overflow', 'a0c90001' + '00000009'],
  ];
  it.each(failures)('refuses the datagram with %s: %s', (reason, hex) => {
    expect(parseRtcp(Buffer.from(hex, 'hex'))).toBe(reason);
    expect(RTCP_PARSE_FAILURES).toContain(reason);
  });

  it('returns unknown types and feedback formats as unknown items, not errors', () => {
    const bytes = Buffer.from('80d00001' + 'deadbeef' + '85cd0002' + '0000000100000002', 'hex');
    expect(parseRtcp(bytes)).toEqual([
      { kind: 'unknown', packetType: 208, count: 0, body: Buffer.from('deadbeef', 'hex') },
      { kind: 'unknown', packetType: 205, count: 5, body: Buffer.from('0000000100000002', 'hex') },
    ]);
    // An unknown item serializes back to the same bytes.
    const items = parseRtcp(bytes) as RtcpPacket[];
    expect(serializeRtcp(items).equals(bytes)).toBe(true);
  });

  it('keeps a packet whose body does not decode as a malformed item, and the rest of the compound', () => {
    const badSr = Buffer.from('81c80001' + '00000001', 'hex'); // RC=1, no sender info
    const bytes = Buffer.concat([badSr, serializeRtcp(pli)]);
    const out = parseRtcp(bytes);
    expect(out).toEqual([
      { kind: 'malformed', packetType: 200, count: 1, reason: 'truncated', bytes: badSr },
      pli,
    ]);
    expect(serializeRtcp(out as RtcpPacket[]).equals(bytes)).toBe(true);
  });

  it('RFC 5506: accepts a lone feedback packet (reduced size) unless a compound is required', () => {
    const bytes = serializeRtcp(pli);
    expect(parseRtcp(bytes)).toEqual([pli]);
    expect(parseRtcp(bytes, { requireCompound: true })).toBe('not-compound');
    expect(parseRtcp(serializeRtcp([rr, pli]), { requireCompound: true })).toEqual([rr, pli]);
  });
});

describe('building compounds', () => {
  it('orders SR/RR first, SDES next, BYE last (RFC 3550 §6.1)', () => {
    const rr2: RtcpPacket = { kind: 'rr', ssrc: 2, reports: [] };
    const bytes = buildRtcpCompound([bye, pli, sdes, rr, rr2]);
    expect(parseRtcp(bytes)).toEqual([rr, rr2, sdes, pli, bye]);
  });

  it('requires a report and a CNAME in a full compound, not in reduced size', () => {
    expect(() => buildRtcpCompound([sdes, pli])).toThrow(RtpConfigurationError);
    expect(() => buildRtcpCompound([rr, pli])).toThrow(RtpConfigurationError);
    expect(() => buildRtcpCompound([])).toThrow(RtpConfigurationError);
    expect(parseRtcp(buildRtcpCompound([pli], { reducedSize: true }))).toEqual([pli]);
  });

  it('serializes into a caller buffer at an offset, and refuses one too small', () => {
    const target = new Uint8Array(64).fill(0xee);
    const n = serializeRtcpInto([rr, pli], target, 3);
    expect(n).toBe(20);
    expect(target[2]).toBe(0xee);
    expect(target[23]).toBe(0xee);
    expect(parseRtcp(target.subarray(3, 23))).toEqual([rr, pli]);
    expect(() => serializeRtcpInto([rr, pli], new Uint8Array(19))).toThrow(RtpConfigurationError);
  });

  it('writes an unknown body zero-padded to 32 bits, and throws for a count over 5 bits', () => {
    const unknown = { kind: 'unknown', packetType: 210, count: 0, body: Uint8Array.of(1) } as const;
    expect(serializeRtcp(unknown).toString('hex')).toBe('80d2000101000000');
    expect(() => serializeRtcp({ ...unknown, count: 32 })).toThrow(RtpConfigurationError);
  });
});
