import { describe, expect, it } from 'vitest';
import { DcepChannelType, DcepPriority } from './constants.js';
import { DcepDecodeError, DcepEncodeError } from './errors.js';
import {
  type DcepOpen,
  decodeDcepMessage,
  encodeDcepMessage,
  openFromParameters,
  parametersFromOpen,
  tryDecodeDcepMessage,
} from './message.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// RFC 8832 §5.1 layout: type(1) channel type(1) priority(2) reliability(4) label len(2)
// protocol len(2) label protocol.
const CHAT_OPEN = hex('03 00 0100 00000000 0004 0000 63686174');

describe('DATA_CHANNEL_OPEN', () => {
  it('decodes a reliable ordered OPEN byte for byte', () => {
    expect(decodeDcepMessage(CHAT_OPEN)).toEqual({
      type: 'open',
      channelType: DcepChannelType.Reliable,
      priority: 256,
      reliabilityParameter: 0,
      label: 'chat',
      protocol: '',
    });
  });

  it('encodes to the same bytes', () => {
    const open = decodeDcepMessage(CHAT_OPEN);
    expect(Buffer.from(encodeDcepMessage(open)).toString('hex')).toBe(
      Buffer.from(CHAT_OPEN).toString('hex'),
    );
  });

  const cases: Array<[string, DcepOpen]> = [
    ['reliable', mk(DcepChannelType.Reliable, 0)],
    ['reliable unordered', mk(DcepChannelType.ReliableUnordered, 0)],
    ['rexmit', mk(DcepChannelType.PartialReliableRexmit, 3)],
    ['rexmit unordered', mk(DcepChannelType.PartialReliableRexmitUnordered, 0)],
    ['timed', mk(DcepChannelType.PartialReliableTimed, 1500)],
    ['timed unordered', mk(DcepChannelType.PartialReliableTimedUnordered, 0xffffffff)],
  ];
  function mk(channelType: DcepOpen['channelType'], reliabilityParameter: number): DcepOpen {
    return {
      type: 'open',
      channelType,
      priority: DcepPriority.ExtraHigh,
      reliabilityParameter,
      label: 'läbel ✓ 🚀',
      protocol: 'wamp.2.json',
    };
  }
  it.each(cases)('round-trips the %s channel type', (_, open) => {
    const bytes = encodeDcepMessage(open);
    expect(bytes[1]).toBe(open.channelType);
    expect(tryDecodeDcepMessage(bytes)).toEqual({ ok: true, message: open });
  });

  it('ignores the reliability parameter of reliable channels (RFC 8832 §5.1)', () => {
    const bytes = hex('03 80 0100 0000002a 0000 0000');
    expect(decodeDcepMessage(bytes)).toMatchObject({ channelType: 0x80, reliabilityParameter: 0 });
  });

  it('accepts empty label and protocol, and a label of 65535 bytes', () => {
    const empty = encodeDcepMessage(openFromParameters({}));
    expect(empty.length).toBe(12);
    expect(decodeDcepMessage(empty)).toMatchObject({ label: '', protocol: '' });
    const long = 'x'.repeat(0xffff);
    expect(decodeDcepMessage(encodeDcepMessage(openFromParameters({ label: long })))).toMatchObject(
      {
        label: long,
      },
    );
  });

  it('refuses to encode fields that do not fit', () => {
    expect(() => encodeDcepMessage(openFromParameters({ label: 'x'.repeat(0x10000) }))).toThrow(
      DcepEncodeError,
    );
    expect(() => openFromParameters({ priority: 0x10000 })).toThrow(/priority/);
    expect(() => openFromParameters({ maxRetransmits: -1 })).toThrow(/maxRetransmits/);
    expect(() => openFromParameters({ maxPacketLifeTime: 1.5 })).toThrow(/maxPacketLifeTime/);
    expect(() => openFromParameters({ maxRetransmits: 1, maxPacketLifeTime: 1 })).toThrow(
      /cannot be combined/,
    );
    expect(() =>
      encodeDcepMessage({ ...openFromParameters({}), channelType: 0x03 as never }),
    ).toThrow(/channel type/);
  });
});

describe('W3C parameters', () => {
  it.each([
    [{}, 0x00, 0, { ordered: true, maxRetransmits: undefined, maxPacketLifeTime: undefined }],
    [{ ordered: false }, 0x80, 0, { ordered: false }],
    [{ maxRetransmits: 0 }, 0x01, 0, { ordered: true, maxRetransmits: 0 }],
    [{ ordered: false, maxRetransmits: 5 }, 0x81, 5, { ordered: false, maxRetransmits: 5 }],
    [{ maxPacketLifeTime: 250 }, 0x02, 250, { maxPacketLifeTime: 250, maxRetransmits: undefined }],
    [{ ordered: false, maxPacketLifeTime: 9 }, 0x82, 9, { ordered: false, maxPacketLifeTime: 9 }],
  ] as const)('%j is channel type %i', (params, type, rel, back) => {
    const open = openFromParameters(params);
    expect(open.channelType).toBe(type);
    expect(open.reliabilityParameter).toBe(rel);
    expect(open.priority).toBe(DcepPriority.Normal);
    expect(parametersFromOpen(open)).toMatchObject(back);
  });
});

describe('DATA_CHANNEL_ACK', () => {
  it('is the single byte 0x02', () => {
    expect([...encodeDcepMessage({ type: 'ack' })]).toEqual([2]);
    expect(decodeDcepMessage(hex('02'))).toEqual({ type: 'ack' });
  });

  it("is read from its type byte alone, as libwebrtc does: pion's is padded to 4 bytes", () => {
    expect(decodeDcepMessage(hex('02 00 00 00'))).toEqual({ type: 'ack' });
    expect(decodeDcepMessage(hex('02 00'))).toEqual({ type: 'ack' });
  });
});

describe('malformed messages', () => {
  it.each([
    ['', 'empty', 0],
    ['00', 'unknown-message-type', 0],
    ['01', 'unknown-message-type', 0],
    ['04 00', 'unknown-message-type', 0],
    ['ff', 'unknown-message-type', 0],
    ['03', 'truncated', 1],
    ['03 00 0100 00000000 0004', 'truncated', 10],
    ['03 00 0100 00000000 0004 0000 636861', 'truncated', 15],
    ['03 00 0100 00000000 0000 0002 61', 'truncated', 13],
    ['03 00 0100 00000000 0001 0000 61 62', 'trailing-bytes', 13],
    ['03 03 0100 00000000 0000 0000', 'unknown-channel-type', 1],
    ['03 7f 0100 00000000 0000 0000', 'unknown-channel-type', 1],
    ['03 83 0100 00000000 0000 0000', 'unknown-channel-type', 1],
    ['03 00 0100 00000000 0002 0000 c328', 'invalid-utf8', 12],
    ['03 00 0100 00000000 0001 0001 61 ff', 'invalid-utf8', 13],
    ['03 00 0100 00000000 0003 0000 eda080', 'invalid-utf8', 12],
  ])('%s → %s at byte %i', (bytes, code, offset) => {
    const result = tryDecodeDcepMessage(hex(bytes));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.offset).toBe(offset);
    expect(() => decodeDcepMessage(hex(bytes))).toThrow(DcepDecodeError);
  });

  it('decodes from a view into a larger buffer', () => {
    const big = new Uint8Array(100);
    big.set(CHAT_OPEN, 37);
    expect(tryDecodeDcepMessage(big.subarray(37, 37 + CHAT_OPEN.length))).toMatchObject({
      ok: true,
      message: { label: 'chat' },
    });
  });

  it('has an error class recognised across copies', () => {
    const result = tryDecodeDcepMessage(hex('00'));
    if (result.ok) throw new Error('expected a failure');
    const error = new DcepDecodeError(result.error);
    expect(DcepDecodeError.isInstance(error)).toBe(true);
    expect(DcepDecodeError.isInstance(new Error('x'))).toBe(false);
    expect(error.code).toBe('unknown-message-type');
    expect(error.message).toMatch(/byte 0/);
  });
});
