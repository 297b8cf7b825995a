import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readMid, readRid } from './extension-strings.js';
import {
  readAbsSendTime,
  readAudioLevel,
  readPlayoutDelay,
  readTransportSequenceNumber,
} from './extension-values.js';
import { parseRtp, type RtpPacket } from './rtp-packet.js';
import { serializeRtp } from './serialize.js';
import { readHexFixture } from './testing-fixtures.js';

// Golden packets: captures of Chromium's RTP and libwebrtc's unit-test vectors (see each file).
const dir = new URL('./fixtures/', import.meta.url);
const load = (name: string): RtpPacket => {
  const p = parseRtp(readHexFixture(dir, name));
  if (typeof p === 'string') throw new Error(`${name}: ${p}`);
  return p;
};
const elements = (p: RtpPacket) =>
  p.extensions().map((e) => [e.id, Buffer.from(e.data).toString('hex')]);

describe('golden RTP packets', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.hex'));

  it.each(files)('%s parses and re-serializes byte for byte', (name) => {
    const raw = readHexFixture(dir, name);
    const p = load(name);
    // The serializer writes zero padding; libwebrtc's vector pads with text.
    raw.fill(0, raw.length - p.paddingSize, raw.length - 1);
    expect(serializeRtp(p.toInit()).equals(raw)).toBe(true);
  });

  it("reads Chromium's one-byte extensions (abs-send-time and transport-wide seq at ids 2 and 4)", () => {
    const p = load('chromium-one-byte-1.hex');
    expect([p.payloadType, p.sequenceNumber, p.timestamp, p.ssrc, p.marker]).toEqual([
      45,
      6751,
      3557360969,
      0xf7b16e83,
      false,
    ]);
    expect(elements(p)).toEqual([
      [2, 'f34350'],
      [4, '009b'],
      [13, '810045'],
    ]);
    expect(readAbsSendTime(p, 2)).toBe(0xf34350);
    expect(readTransportSequenceNumber(p, 4)).toBe(0x9b);
    const q = load('chromium-one-byte-2.hex');
    expect(q.marker).toBe(true);
    expect(elements(q).map(([id]) => id)).toEqual([2, 4, 9, 3, 6, 7, 13]);
    expect(q.getExtension(7)?.length).toBe(13);
  });

  it("reads Chromium's two-byte block with a 33-byte element", () => {
    const p = load('chromium-two-byte.hex');
    expect(p.extensionProfile).toBe(0x1000);
    expect(p.extensionForm).toBe('two-byte');
    expect(elements(p).map(([id]) => id)).toEqual([2, 4, 9, 3, 6, 7, 13]);
    expect(p.getExtension(13)?.length).toBe(33);
    expect(readTransportSequenceNumber(p, 4)).toBe(2);
    expect(p.payloadSize).toBe(0);
  });

  it("reads libwebrtc's vectors: CSRCs with padding, two-byte playout delay, rid, mid", () => {
    const p = load('libwebrtc-csrcs-padding.hex');
    expect(p.csrcs).toEqual([0x34567890, 0x32435465]);
    expect(Buffer.from(p.payload).toString()).toBe('payload');
    expect(p.paddingSize).toBe(8);
    const d = load('libwebrtc-two-byte-playout-delay.hex');
    expect(readPlayoutDelay(d, 0xf0)).toEqual({ minMs: 30, maxMs: 340 });
    expect(readAudioLevel(d, 9)).toEqual({ voiceActivity: true, level: 0x5a });
    expect(readRid(load('libwebrtc-rid.hex'), 10)).toBe('streamid');
    expect(readMid(load('libwebrtc-mid.hex'), 11)).toBe('mid');
  });
});
