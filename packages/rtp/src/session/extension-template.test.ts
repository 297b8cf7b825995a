import { describe, expect, it } from 'vitest';
import { midExtension, ridExtension } from '../packet/extension-strings.js';
import {
  absSendTimeExtension,
  absSendTimeFromMicros,
  audioLevelExtension,
  transportSequenceNumberExtension,
} from '../packet/extension-values.js';
import type { RtpHeaderExtension } from '../packet/header-extension.js';
import { serializeRtp } from '../packet/serialize.js';
import { ExtensionTemplate } from './extension-template.js';

const payload = Uint8Array.from({ length: 37 }, (_, i) => i * 7);

/** The same packet each way, its extensions given as elements or as a ready block. */
const packet = (
  csrcs: number[],
  extensions: Pick<Parameters<typeof serializeRtp>[0], 'extensions' | 'rawExtension'>,
) =>
  serializeRtp({
    payloadType: 111,
    sequenceNumber: 4321,
    timestamp: 0xfedc_ba98,
    ssrc: 0x1234_5678,
    marker: true,
    csrcs,
    ...extensions,
    payload,
    paddingSize: 3,
  });

/** What one packet carries: the fixed elements, the ids, and the per-packet values. */
type Build = (
  fixed: RtpHeaderExtension[],
  ids: { absSendTime?: number; audioLevel?: number; transportSequenceNumber?: number },
  nowMs: number,
  level: { voiceActivity: boolean; level: number } | undefined,
  seq: number | undefined,
  csrcs: number[],
) => Uint8Array;

/** The packet built element by element, as the stream did before the template. */
const byElements: Build = (fixed, ids, nowMs, level, seq, csrcs) => {
  const list = [...fixed];
  if (ids.absSendTime !== undefined)
    list.push(absSendTimeExtension(ids.absSendTime, absSendTimeFromMicros(nowMs * 1000)));
  if (ids.audioLevel !== undefined && level !== undefined)
    list.push(audioLevelExtension(ids.audioLevel, level));
  if (ids.transportSequenceNumber !== undefined)
    list.push(transportSequenceNumberExtension(ids.transportSequenceNumber, seq ?? 0));
  return packet(csrcs, { extensions: list });
};

const byTemplate: Build = (fixed, ids, nowMs, level, seq, csrcs) => {
  const template = new ExtensionTemplate(fixed, ids, level !== undefined);
  const bytes = packet(csrcs, { rawExtension: template.raw });
  const octet = level === undefined ? undefined : audioLevelExtension(1, level).data[0];
  template.write(bytes, 16 + 4 * csrcs.length, nowMs, octet, seq);
  expect(template.size).toBe(bytes.length - 12 - 4 * csrcs.length - payload.length - 3);
  return bytes;
};

describe('ExtensionTemplate', () => {
  const cases: [string, RtpHeaderExtension[], Parameters<Build>[1]][] = [
    ['none', [], {}],
    ['per-packet values only', [], { absSendTime: 3, audioLevel: 5, transportSequenceNumber: 4 }],
    [
      'MID and RID first (one-byte form)',
      [midExtension(1, '0'), ridExtension(2, 'hi')],
      { absSendTime: 3, transportSequenceNumber: 4 },
    ],
    [
      'a MID of 20 octets forces the two-byte form (RFC 8285 §4.3)',
      [midExtension(1, 'abcdefghijklmnopqrst')],
      { absSendTime: 3, audioLevel: 5, transportSequenceNumber: 4 },
    ],
    [
      'an id above 14 forces the two-byte form',
      [midExtension(20, 'v')],
      { transportSequenceNumber: 200 },
    ],
  ];
  for (const [name, fixed, ids] of cases) {
    it(`writes the octets element-by-element serialization writes: ${name}`, () => {
      for (const [nowMs, level, seq, csrcs] of [
        [0, undefined, undefined, []],
        [123_456.789, { voiceActivity: true, level: 42 }, 65_535, [7]],
        [64_000.5, { voiceActivity: false, level: 127 }, 1, [1, 2, 3]],
      ] as const) {
        const expected = byElements(fixed, ids, nowMs, level, seq, [...csrcs]);
        expect(byTemplate(fixed, ids, nowMs, level, seq, [...csrcs])).toEqual(expected);
      }
    });
  }

  it('leaves the transport-wide number 0 when none is given (written as the packet leaves)', () => {
    const t = new ExtensionTemplate([], { transportSequenceNumber: 4 }, false);
    const bytes = serializeRtp({
      payloadType: 96,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
      rawExtension: t.raw,
      payload,
    });
    t.write(bytes, 16, 10, undefined, undefined);
    expect([...bytes.subarray(16, 20)]).toEqual([0x41, 0, 0, 0]);
  });
});
