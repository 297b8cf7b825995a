import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import {
  midExtension,
  readMid,
  readRepairedRid,
  readRid,
  repairedRidExtension,
  ridExtension,
} from './extension-strings.js';
import {
  absSendTimeExtension,
  absSendTimeFromMicros,
  absSendTimeToMicros,
  audioLevelExtension,
  playoutDelayExtension,
  readAbsSendTime,
  readAudioLevel,
  readPlayoutDelay,
  readTransportSequenceNumber,
  readVideoOrientation,
  transportSequenceNumberExtension,
  videoOrientationExtension,
  writeAbsSendTime,
  writeAudioLevel,
  writePlayoutDelay,
  writeTransportSequenceNumber,
  writeVideoOrientation,
} from './extension-values.js';
import type { RtpExtensionForm, RtpHeaderExtension } from './header-extension.js';
import { parseRtp, type RtpPacket } from './rtp-packet.js';
import { serializeRtp } from './serialize.js';

const packetWith = (
  extensions: RtpHeaderExtension[],
  extensionForm?: RtpExtensionForm,
): RtpPacket => {
  const p = parseRtp(
    serializeRtp({
      payloadType: 96,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
      payload: Uint8Array.of(9, 9, 9),
      extensions,
      ...(extensionForm ? { extensionForm } : {}),
    }),
  );
  if (typeof p === 'string') throw new Error(p);
  return p;
};

describe.each(['one-byte', 'two-byte'] as const)('typed extensions, %s form', (form) => {
  it('round-trips every typed value', () => {
    const p = packetWith(
      [
        midExtension(1, '0'),
        ridExtension(2, 'hi'),
        repairedRidExtension(3, 'lo'),
        absSendTimeExtension(4, 0xabcdef),
        transportSequenceNumberExtension(5, 65535),
        audioLevelExtension(6, { voiceActivity: true, level: 127 }),
        videoOrientationExtension(7, { backFacing: true, flip: false, rotation: 270 }),
        playoutDelayExtension(8, { minMs: 0, maxMs: 40950 }),
      ],
      form,
    );
    expect(p.extensionForm).toBe(form);
    expect(readMid(p, 1)).toBe('0');
    expect(readRid(p, 2)).toBe('hi');
    expect(readRepairedRid(p, 3)).toBe('lo');
    expect(readAbsSendTime(p, 4)).toBe(0xabcdef);
    expect(readTransportSequenceNumber(p, 5)).toBe(65535);
    expect(readAudioLevel(p, 6)).toEqual({ voiceActivity: true, level: 127 });
    expect(readVideoOrientation(p, 7)).toEqual({ backFacing: true, flip: false, rotation: 270 });
    expect(readPlayoutDelay(p, 8)).toEqual({ minMs: 0, maxMs: 40950 });
  });

  it('rewrites values in place without touching the rest of the packet', () => {
    const p = packetWith(
      [
        absSendTimeExtension(4, 1),
        transportSequenceNumberExtension(5, 1),
        audioLevelExtension(6, { voiceActivity: false, level: 0 }),
        videoOrientationExtension(7, { backFacing: false, flip: false, rotation: 0 }),
        playoutDelayExtension(8, { minMs: 10, maxMs: 20 }),
      ],
      form,
    );
    const before = Buffer.from(p.bytes);
    expect(writeTransportSequenceNumber(p, 5, 0xbeef)).toBe(true);
    expect(writeAbsSendTime(p, 4, 0xffffff)).toBe(true);
    expect(writeAudioLevel(p, 6, { voiceActivity: true, level: 42 })).toBe(true);
    expect(writeVideoOrientation(p, 7, { backFacing: false, flip: true, rotation: 90 })).toBe(true);
    expect(writePlayoutDelay(p, 8, { minMs: 40950, maxMs: 0 })).toBe(true);
    expect(readTransportSequenceNumber(p, 5)).toBe(0xbeef);
    expect(readAbsSendTime(p, 4)).toBe(0xffffff);
    expect(readAudioLevel(p, 6)).toEqual({ voiceActivity: true, level: 42 });
    expect(readVideoOrientation(p, 7)).toEqual({ backFacing: false, flip: true, rotation: 90 });
    expect(readPlayoutDelay(p, 8)).toEqual({ minMs: 40950, maxMs: 0 });
    const changed = [...p.bytes.keys()].filter((i) => p.bytes[i] !== before[i]);
    expect(changed.every((i) => i >= p.extensionStart && i < p.extensionEnd)).toBe(true);
    expect([...p.payload]).toEqual([9, 9, 9]);
  });

  it('returns undefined / false for an absent id, an unnegotiated id or a value of the wrong size', () => {
    const p = packetWith(
      [
        { id: 5, data: Uint8Array.of(1, 2, 3) },
        { id: 6, data: Uint8Array.of(1, 2) },
      ],
      form,
    );
    expect(readTransportSequenceNumber(p, 5)).toBeUndefined(); // 3 bytes, not 2
    expect(readAudioLevel(p, 6)).toBeUndefined();
    expect(readVideoOrientation(p, 6)).toBeUndefined();
    expect(readAbsSendTime(p, 6)).toBeUndefined();
    expect(readPlayoutDelay(p, 9)).toBeUndefined();
    expect(readMid(p, undefined)).toBeUndefined();
    expect(readTransportSequenceNumber(p, undefined)).toBeUndefined();
    expect(writeTransportSequenceNumber(p, 5, 1)).toBe(false);
    expect(writeTransportSequenceNumber(p, undefined, 1)).toBe(false);
    expect(writeAbsSendTime(p, 7, 1)).toBe(false);
    expect(writeAudioLevel(p, 7, { voiceActivity: true, level: 1 })).toBe(false);
    expect(writeVideoOrientation(p, 7, { backFacing: true, flip: true, rotation: 0 })).toBe(false);
    expect(writePlayoutDelay(p, 7, { minMs: 0, maxMs: 0 })).toBe(false);
  });
});

describe('extension values', () => {
  it('encodes each value as its draft or RFC lays it out', () => {
    expect([...absSendTimeExtension(1, 0x123456).data]).toEqual([0x12, 0x34, 0x56]);
    expect([...transportSequenceNumberExtension(1, 0x0102).data]).toEqual([1, 2]);
    // RFC 6464 §3: V in the top bit, level below.
    expect([...audioLevelExtension(1, { voiceActivity: true, level: 0x5a }).data]).toEqual([0xda]);
    expect([...audioLevelExtension(1, { voiceActivity: false, level: 127 }).data]).toEqual([0x7f]);
    // 3GPP TS 26.114 §7.4.5: 0 0 0 0 C F R1 R0
    expect([
      ...videoOrientationExtension(1, { backFacing: true, flip: true, rotation: 180 }).data,
    ]).toEqual([0x0e]);
    expect([
      ...videoOrientationExtension(1, { backFacing: false, flip: false, rotation: 90 }).data,
    ]).toEqual([0x01]);
    // libwebrtc kPacketWithTwoByteExtensionIdLast: {30, 340} ms is 00 30 22.
    expect([...playoutDelayExtension(1, { minMs: 30, maxMs: 340 }).data]).toEqual([
      0x00, 0x30, 0x22,
    ]);
    expect([...playoutDelayExtension(1, { minMs: 39, maxMs: 40950 }).data]).toEqual([
      0x00, 0x3f, 0xff,
    ]);
  });

  it('converts abs-send-time: 6.18 fixed point, wrapping every 64 s', () => {
    expect(absSendTimeFromMicros(0)).toBe(0);
    expect(absSendTimeFromMicros(1_000_000)).toBe(1 << 18);
    expect(absSendTimeFromMicros(64_000_000)).toBe(0);
    expect(absSendTimeFromMicros(63_999_999)).toBe(0); // rounds up to 64 s, which wraps
    expect(absSendTimeFromMicros(500_000)).toBe(1 << 17);
    expect(absSendTimeToMicros(1 << 17)).toBe(500_000);
    expect(absSendTimeToMicros(0xffffff)).toBeCloseTo(64e6 - 3.814697265625, 6);
    // A Unix-epoch time in µs keeps its precision.
    const t = 1_700_000_123_456_789;
    const v = absSendTimeFromMicros(t);
    expect(Math.abs(absSendTimeToMicros(v) - (t % 64_000_000))).toBeLessThan(2);
  });

  it('throws RtpConfigurationError for out-of-range values and ids', () => {
    const bad = [
      () => absSendTimeExtension(1, 0x1000000),
      () => absSendTimeExtension(0, 1),
      () => transportSequenceNumberExtension(1, 65536),
      () => transportSequenceNumberExtension(256, 1),
      () => audioLevelExtension(1, { voiceActivity: true, level: 128 }),
      () => videoOrientationExtension(1, { backFacing: true, flip: true, rotation: 45 as 90 }),
      () => playoutDelayExtension(1, { minMs: 40960, maxMs: 0 }),
      () => playoutDelayExtension(1, { minMs: -10, maxMs: 0 }),
      () => midExtension(1, ''),
      () => midExtension(1, 'x'.repeat(256)),
      () => ridExtension(1.5, 'a'),
    ];
    for (const f of bad) expect(f).toThrow(RtpConfigurationError);
    expect(midExtension(1, 'x'.repeat(255)).data.length).toBe(255);
  });
});

describe('string extensions', () => {
  it('stops at the first NUL and reads an empty value as absent (as libwebrtc)', () => {
    const p = packetWith([
      { id: 1, data: Uint8Array.of(0x61, 0x62, 0, 0x63) },
      { id: 2, data: Uint8Array.of(0) },
    ]);
    expect(readMid(p, 1)).toBe('ab');
    expect(readRid(p, 2)).toBeUndefined();
  });

  it('reads UTF-8 and 255-byte values in the two-byte form', () => {
    const p = packetWith([midExtension(1, 'é🙂'), ridExtension(20, 'r'.repeat(255))]);
    expect(p.extensionForm).toBe('two-byte');
    expect(readMid(p, 1)).toBe('é🙂');
    expect(readRid(p, 20)).toBe('r'.repeat(255));
  });
});
