import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { parseSdes, type RtcpSourceDescription, SdesItemType, sdesCname } from './sdes.js';

describe('SDES (RFC 3550 §6.5)', () => {
  it('writes a CNAME chunk with the END octet and padding to 32 bits', () => {
    const p: RtcpSourceDescription = {
      kind: 'sdes',
      chunks: [{ ssrc: 0x01020304, items: [{ type: 1, text: 'ab' }] }],
    };
    // header, SSRC, CNAME len 2 "ab", then END and padding: a whole word. 16 bytes, length 3.
    expect(serializeRtcp(p).toString('hex')).toBe(
      '81ca0003' + '01020304' + '01026162' + '00000000',
    );
    // "abc": 2 + 3 = 5 bytes of item, END, 2 of padding.
    const q: RtcpSourceDescription = {
      kind: 'sdes',
      chunks: [{ ssrc: 1, items: [{ type: 1, text: 'abc' }] }],
    };
    expect(serializeRtcp(q).toString('hex')).toBe(
      '81ca0003' + '00000001' + '01036162' + '63000000',
    );
  });

  it('round-trips several chunks, every item type, empty chunks and 255-byte items', () => {
    const p: RtcpSourceDescription = {
      kind: 'sdes',
      chunks: [
        {
          ssrc: 0xffffffff,
          items: Object.values(SdesItemType).map((type) => ({ type, text: `item ${type} é` })),
        },
        { ssrc: 0, items: [] },
        {
          ssrc: 7,
          items: [
            { type: 1, text: 'x'.repeat(255) },
            { type: 200, text: '' },
          ],
        },
      ],
    };
    const parsed = parseSdes(serializeRtcp(p));
    expect(parsed).toEqual(p);
    expect(typeof parsed !== 'string' && sdesCname(parsed, 7)).toBe('x'.repeat(255));
    expect(typeof parsed !== 'string' && sdesCname(parsed)).toBe('item 1 é');
    expect(typeof parsed !== 'string' && sdesCname(parsed, 0)).toBeUndefined();
  });

  it('refuses an item past the end or a chunk without END', () => {
    // A CNAME of 9 bytes in a 12-byte packet.
    expect(parseSdes(Buffer.from('81ca00020102030401096162', 'hex'))).toBe('truncated');
    // An item that ends exactly at the end: no END octet.
    expect(parseSdes(Buffer.from('81ca00020102030401026162', 'hex'))).toBe('truncated');
    // Two chunks announced, one present.
    expect(parseSdes(Buffer.from('82ca0003010203040102616200000000', 'hex'))).toBe('truncated');
    // The sound one parses.
    expect(parseSdes(Buffer.from('81ca0003010203040102616200000000', 'hex'))).toEqual({
      kind: 'sdes',
      chunks: [{ ssrc: 0x01020304, items: [{ type: 1, text: 'ab' }] }],
    });
  });

  it('throws for an item over 255 bytes, item type 0, or 32 chunks', () => {
    const chunk = (text: string, type = 1) => ({
      kind: 'sdes' as const,
      chunks: [{ ssrc: 1, items: [{ type, text }] }],
    });
    expect(() => serializeRtcp(chunk('x'.repeat(256)))).toThrow(RtpConfigurationError);
    expect(() => serializeRtcp(chunk('a', 0))).toThrow(RtpConfigurationError);
    expect(() =>
      serializeRtcp({ kind: 'sdes', chunks: new Array(32).fill({ ssrc: 1, items: [] }) }),
    ).toThrow(RtpConfigurationError);
  });
});
