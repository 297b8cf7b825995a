import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { compactNtp, roundTripTimeMs } from './ntp.js';
import { parseXr, type RtcpExtendedReport } from './xr.js';

describe('XR (RFC 3611)', () => {
  const xr: RtcpExtendedReport = {
    kind: 'xr',
    ssrc: 0x01020304,
    blocks: [
      { type: 'rrtr', ntpSeconds: 0x01020304, ntpFraction: 0x05060708 },
      {
        type: 'dlrr',
        items: [
          {
            ssrc: 0x88888888,
            lastReceiverReport: 0x12345678,
            delaySinceLastReceiverReport: 0x99999999,
          },
          { ssrc: 0, lastReceiverReport: 0, delaySinceLastReceiverReport: 0 },
        ],
      },
      { type: 'raw', blockType: 42, typeSpecific: 7, data: Buffer.of(1, 2, 3, 4) },
    ],
  };

  it('writes RRTR (§4.4) and DLRR (§4.5) blocks byte by byte', () => {
    expect(serializeRtcp({ kind: 'xr', ssrc: 1, blocks: [xr.blocks[0]!] }).toString('hex')).toBe(
      '80cf0004' + '00000001' + '04000002' + '0102030405060708',
    );
    expect(serializeRtcp({ kind: 'xr', ssrc: 1, blocks: [xr.blocks[1]!] }).toString('hex')).toBe(
      '80cf0008' +
        '00000001' +
        '05000006' +
        '888888881234567899999999' +
        '000000000000000000000000',
    );
  });

  it('round-trips every block kind, and none', () => {
    expect(parseXr(serializeRtcp(xr))).toEqual(xr);
    expect(parseXr(serializeRtcp({ kind: 'xr', ssrc: 9, blocks: [] }))).toEqual({
      kind: 'xr',
      ssrc: 9,
      blocks: [],
    });
  });

  it('gives the receiver RTT from an RRTR answered by a DLRR', () => {
    // The receiver sent an RRTR at NTP 1000.5 s; the sender held it 0.25 s; it came back at 1001 s.
    const sent = compactNtp({ seconds: 1000, fraction: 0x80000000 });
    const arrival = compactNtp({ seconds: 1001, fraction: 0 });
    expect(roundTripTimeMs(arrival, sent, 0x4000)).toBe(250);
  });

  it('refuses blocks past the end or of the wrong size', () => {
    expect(parseXr(Buffer.from('80cf000200000001' + '04000002', 'hex'))).toBe('truncated');
    expect(parseXr(Buffer.from('80cf00030000000104000001' + '00000000', 'hex'))).toBe(
      'malformed-body',
    );
    expect(parseXr(Buffer.from('80cf00030000000105000001' + '00000000', 'hex'))).toBe(
      'malformed-body',
    );
    expect(parseXr(Buffer.from('80cf00010000', 'hex'))).toBe('bad-length');
  });

  it('writes raw data that is not whole words zero-padded, and throws for a block type over 8 bits', () => {
    const raw = { type: 'raw', blockType: 1, typeSpecific: 0, data: Uint8Array.of(1) } as const;
    expect(
      serializeRtcp({ ...xr, blocks: [raw] })
        .subarray(8)
        .toString('hex'),
    ).toBe('0100000101000000');
    expect(() => serializeRtcp({ ...xr, blocks: [{ ...raw, blockType: 256 }] })).toThrow(
      RtpConfigurationError,
    );
  });
});
