import { describe, expect, it } from 'vitest';
import { RtpConfigurationError, RtpError } from '../errors.js';
import { parseRtp, type RtpPacket } from './rtp-packet.js';
import {
  chooseExtensionForm,
  type RtpPacketInit,
  rtpPacketSize,
  serializeRtp,
  serializeRtpInto,
} from './serialize.js';

const parsed = (bytes: Uint8Array): RtpPacket => {
  const p = parseRtp(bytes);
  if (typeof p === 'string') throw new Error(p);
  return p;
};

const base: RtpPacketInit = {
  payloadType: 96,
  sequenceNumber: 0x1234,
  timestamp: 0x65431278,
  ssrc: 0x12345678,
  payload: Uint8Array.of(0xaa, 0xbb),
};

describe('serializeRtp', () => {
  it('writes the RFC 3550 §5.1 fixed header byte by byte', () => {
    expect([...serializeRtp({ ...base, marker: true })]).toEqual([
      0x80, 0xe0, 0x12, 0x34, 0x65, 0x43, 0x12, 0x78, 0x12, 0x34, 0x56, 0x78, 0xaa, 0xbb,
    ]);
  });

  it('writes CSRCs, a one-byte block with zero padding to a word, and padding', () => {
    const out = serializeRtp({
      ...base,
      csrcs: [0x34567890, 0x32435465],
      extensions: [
        { id: 1, data: Uint8Array.of(0x00, 0x56, 0xce) },
        { id: 9, data: Uint8Array.of(0xda) },
      ],
      paddingSize: 4,
    });
    expect(out.toString('hex')).toBe(
      'b2601234654312781234567834567890324354' +
        '65bede00021200' +
        '56ce90da0000' +
        'aabb' +
        '00000004',
    );
  });

  it('round-trips every field, with extension forms, CSRCs and padding', () => {
    const inits: RtpPacketInit[] = [
      base,
      {
        ...base,
        marker: true,
        payloadType: 127,
        sequenceNumber: 65535,
        timestamp: 0xffffffff,
        ssrc: 0xffffffff,
      },
      {
        ...base,
        payloadType: 0,
        sequenceNumber: 0,
        timestamp: 0,
        ssrc: 0,
        payload: new Uint8Array(0),
      },
      { ...base, csrcs: Array.from({ length: 15 }, (_, i) => 0xfffffff0 + i) },
      { ...base, paddingSize: 255 },
      { ...base, paddingSize: 1 },
      { ...base, extensions: [{ id: 14, data: new Uint8Array(16).fill(7) }] },
      { ...base, extensions: [{ id: 15, data: Uint8Array.of(1) }] },
      {
        ...base,
        extensions: [
          { id: 255, data: new Uint8Array(255).fill(3) },
          { id: 1, data: new Uint8Array(0) },
        ],
      },
      { ...base, extensions: [{ id: 1, data: Uint8Array.of(1) }], extensionForm: 'two-byte' },
      { ...base, rawExtension: { profile: 0xabcd, data: Uint8Array.of(1, 2, 3, 4) } },
    ];
    for (const init of inits) {
      const bytes = serializeRtp(init);
      expect(bytes.length).toBe(rtpPacketSize(init));
      const p = parsed(bytes);
      const back = p.toInit();
      expect(back.payloadType).toBe(init.payloadType);
      expect(back.sequenceNumber).toBe(init.sequenceNumber);
      expect(back.timestamp).toBe(init.timestamp);
      expect(back.ssrc).toBe(init.ssrc);
      expect(back.marker).toBe(init.marker ?? false);
      expect(back.csrcs).toEqual(init.csrcs ?? []);
      expect([...back.payload]).toEqual([...init.payload]);
      expect(back.paddingSize ?? 0).toBe(init.paddingSize ?? 0);
      expect((back.extensions ?? []).map((e) => [e.id, [...e.data]])).toEqual(
        (init.extensions ?? []).map((e) => [e.id, [...e.data]]),
      );
      if (init.rawExtension) expect(p.extensionProfile).toBe(init.rawExtension.profile);
      // The init read back serializes to the same bytes.
      expect(serializeRtp(back).equals(bytes)).toBe(true);
    }
  });

  it('picks the one-byte form when every element fits it, else the two-byte form', () => {
    const one = [
      { id: 1, data: Uint8Array.of(1) },
      { id: 14, data: new Uint8Array(16) },
    ];
    expect(chooseExtensionForm(one)).toBe('one-byte');
    expect(chooseExtensionForm([...one, { id: 15, data: Uint8Array.of(1) }])).toBe('two-byte');
    expect(chooseExtensionForm([{ id: 2, data: new Uint8Array(17) }])).toBe('two-byte');
    expect(chooseExtensionForm([{ id: 2, data: new Uint8Array(0) }])).toBe('two-byte');
    expect(parsed(serializeRtp({ ...base, extensions: one })).extensionProfile).toBe(0xbede);
    const two = serializeRtp({ ...base, extensions: [{ id: 16, data: Uint8Array.of(1) }] });
    expect(parsed(two).extensionProfile).toBe(0x1000);
    // libwebrtc kPacketWithTwoByteHeaderExtension
    expect(
      serializeRtp({
        ...base,
        payloadType: 100,
        payload: new Uint8Array(0),
        extensions: [{ id: 0xf0, data: Uint8Array.of(0, 0x56, 0xce) }],
      }).toString('hex'),
    ).toBe('9064123465431278123456781000000' + '2f0030056ce000000');
  });

  it('writes no extension block for an empty list', () => {
    expect(serializeRtp({ ...base, extensions: [] })[0]).toBe(0x80);
  });

  it('writes into a caller buffer at an offset and returns the size', () => {
    const target = new Uint8Array(40).fill(0xee);
    const n = serializeRtpInto({ ...base, paddingSize: 2 }, target, 5);
    expect(n).toBe(16);
    expect(target[4]).toBe(0xee);
    expect(target[21]).toBe(0xee);
    const p = parsed(target.subarray(5, 5 + n));
    expect(p.sequenceNumber).toBe(0x1234);
    expect([...p.payload]).toEqual([0xaa, 0xbb]);
    expect(p.paddingSize).toBe(2);
  });

  const bad: [string, RtpPacketInit][] = [
    ['16 CSRCs', { ...base, csrcs: new Array(16).fill(1) }],
    ['a CSRC over 32 bits', { ...base, csrcs: [2 ** 32] }],
    ['payload type 128', { ...base, payloadType: 128 }],
    ['sequence number 65536', { ...base, sequenceNumber: 65536 }],
    ['a negative timestamp', { ...base, timestamp: -1 }],
    ['a fractional SSRC', { ...base, ssrc: 1.5 }],
    ['padding 256', { ...base, paddingSize: 256 }],
    ['extension id 0', { ...base, extensions: [{ id: 0, data: Uint8Array.of(1) }] }],
    ['extension id 256', { ...base, extensions: [{ id: 256, data: Uint8Array.of(1) }] }],
    ['a 256-byte value', { ...base, extensions: [{ id: 1, data: new Uint8Array(256) }] }],
    [
      'id 15 forced one-byte',
      { ...base, extensions: [{ id: 15, data: Uint8Array.of(1) }], extensionForm: 'one-byte' },
    ],
    [
      '17 bytes forced one-byte',
      { ...base, extensions: [{ id: 1, data: new Uint8Array(17) }], extensionForm: 'one-byte' },
    ],
    ['a raw block not in words', { ...base, rawExtension: { profile: 1, data: Uint8Array.of(1) } }],
    [
      'both raw and elements',
      {
        ...base,
        rawExtension: { profile: 1, data: new Uint8Array(4) },
        extensions: [{ id: 1, data: Uint8Array.of(1) }],
      },
    ],
  ];
  it.each(bad)('throws RtpConfigurationError for %s', (_, init) => {
    expect(() => serializeRtp(init)).toThrow(RtpConfigurationError);
    try {
      serializeRtp(init);
    } catch (e) {
      expect(RtpError.isInstance(e)).toBe(true);
      expect((e as Error).name).toBe('RtpConfigurationError');
    }
  });

  it('throws before writing anything when the target is too small', () => {
    const target = new Uint8Array(15).fill(0xee);
    expect(() => serializeRtpInto(base, target, 2)).toThrow(RtpConfigurationError);
    expect(target.every((b) => b === 0xee)).toBe(true);
    expect(() =>
      serializeRtpInto({ ...base, csrcs: [1, -1] }, new Uint8Array(100).fill(0xee)),
    ).toThrow(RtpConfigurationError);
  });
});
