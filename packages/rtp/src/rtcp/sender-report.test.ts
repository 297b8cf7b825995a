import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { parseReceiverReport, type RtcpReceiverReport } from './receiver-report.js';
import type { RtcpReportBlock } from './report-block.js';
import { parseSenderReport, type RtcpSenderReport } from './sender-report.js';

const block: RtcpReportBlock = {
  ssrc: 0xbc5e9a40,
  fractionLost: 0x80,
  cumulativeLost: -2,
  highestSequenceNumber: 0x000146e1,
  jitter: 273,
  lastSenderReport: 0x09f36432,
  delaySinceLastSenderReport: 150137,
};

describe('sender report (RFC 3550 §6.4.1)', () => {
  const sr: RtcpSenderReport = {
    kind: 'sr',
    ssrc: 0x902f9e2e,
    ntpSeconds: 0xe1234567,
    ntpFraction: 0x80000000,
    rtpTimestamp: 0xfffffff0,
    packetCount: 1000,
    octetCount: 0xffffffff,
    reports: [block],
  };

  it('writes the figure of §6.4.1 byte by byte', () => {
    expect(serializeRtcp(sr).toString('hex')).toBe(
      [
        '81c8000c', // V=2 P=0 RC=1 PT=200 length=12
        '902f9e2e', // SSRC of sender
        'e1234567',
        '80000000', // NTP timestamp
        'fffffff0', // RTP timestamp
        '000003e8', // sender's packet count
        'ffffffff', // sender's octet count
        'bc5e9a40', // SSRC_1
        '80fffffe', // fraction lost 128/256, cumulative lost −2 (24-bit two's complement)
        '000146e1', // extended highest sequence number
        '00000111', // jitter
        '09f36432', // LSR
        '00024a79', // DLSR
      ].join(''),
    );
  });

  it('round-trips, with 0 and 31 blocks and a profile extension', () => {
    for (const p of [
      sr,
      { ...sr, reports: [] },
      { ...sr, reports: Array.from({ length: 31 }, (_, i) => ({ ...block, ssrc: i })) },
      { ...sr, profileExtension: Buffer.of(1, 2, 3, 4) }, // parsed bytes are Buffer views
    ]) {
      expect(parseSenderReport(serializeRtcp(p))).toEqual(p);
    }
  });

  it('clamps cumulative lost to 24 signed bits (RFC 3550 A.3) and reads both ends', () => {
    const big = parseSenderReport(
      serializeRtcp({ ...sr, reports: [{ ...block, cumulativeLost: 1e9 }] }),
    );
    const low = parseSenderReport(
      serializeRtcp({ ...sr, reports: [{ ...block, cumulativeLost: -1e9 }] }),
    );
    expect(typeof big !== 'string' && big.reports[0]!.cumulativeLost).toBe(0x7fffff);
    expect(typeof low !== 'string' && low.reports[0]!.cumulativeLost).toBe(-0x800000);
  });

  it('refuses a truncated body, another type, and bad arguments', () => {
    const bytes = serializeRtcp(sr);
    const cut = Buffer.from(bytes.subarray(0, 48));
    cut[3] = 11; // length now matches 48 bytes, RC still says 1 block
    expect(parseSenderReport(cut)).toBe('truncated');
    expect(parseReceiverReport(bytes)).toBe('wrong-type');
    expect(parseSenderReport(bytes.subarray(0, 40))).toBe('bad-length');
    expect(() => serializeRtcp({ ...sr, reports: new Array(32).fill(block) })).toThrow(
      RtpConfigurationError,
    );
    expect(() => serializeRtcp({ ...sr, packetCount: 2 ** 32 })).toThrow(RtpConfigurationError);
    expect(() => serializeRtcp({ ...sr, reports: [{ ...block, fractionLost: 256 }] })).toThrow(
      RtpConfigurationError,
    );
    expect(
      serializeRtcp({ ...sr, profileExtension: Uint8Array.of(1) })
        .subarray(52)
        .toString('hex'),
    ).toBe('01000000');
  });
});

describe('receiver report (RFC 3550 §6.4.2)', () => {
  const rr: RtcpReceiverReport = { kind: 'rr', ssrc: 0x902f9e2e, reports: [block] };

  it('writes the header and block, and the empty RR of §6.1', () => {
    expect(serializeRtcp(rr).subarray(0, 8).toString('hex')).toBe('81c90007902f9e2e');
    expect(serializeRtcp({ kind: 'rr', ssrc: 1, reports: [] }).toString('hex')).toBe(
      '80c9000100000001',
    );
  });

  it('round-trips every field at its boundary values', () => {
    const max: RtcpReportBlock = {
      ssrc: 0xffffffff,
      fractionLost: 255,
      cumulativeLost: 0x7fffff,
      highestSequenceNumber: 0xffffffff,
      jitter: 0xffffffff,
      lastSenderReport: 0xffffffff,
      delaySinceLastSenderReport: 0xffffffff,
    };
    const zero: RtcpReportBlock = {
      ssrc: 0,
      fractionLost: 0,
      cumulativeLost: 0,
      highestSequenceNumber: 0,
      jitter: 0,
      lastSenderReport: 0,
      delaySinceLastSenderReport: 0,
    };
    const p: RtcpReceiverReport = {
      ...rr,
      reports: [max, zero, { ...zero, cumulativeLost: -0x800000 }],
    };
    expect(parseReceiverReport(serializeRtcp(p))).toEqual(p);
  });
});
