import { describe, expect, it } from 'vitest';
import { rtpHeaderSize } from '../packet/header-size.js';
import { unwrapRtxPacket, unwrapRtxPayload, wrapRtxPacket, wrapRtxPayload } from './rtx.js';
import { testingRtpPacket } from './testing-rtp.js';

const payload = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01]);

describe('RTX payload (RFC 4588 §4)', () => {
  it('puts the original sequence number first, in network order', () => {
    const rtx = wrapRtxPayload(0xabcd, payload);
    expect([...rtx]).toEqual([0xab, 0xcd, ...payload]);
    const back = unwrapRtxPayload(rtx);
    expect(back).toEqual({ ok: true, sequenceNumber: 0xabcd, payload });
  });

  it('takes an empty original payload; shorter than the OSN is a failure', () => {
    expect(unwrapRtxPayload(new Uint8Array([0, 7]))).toMatchObject({
      ok: true,
      sequenceNumber: 7,
    });
    expect(unwrapRtxPayload(new Uint8Array([1]))).toEqual({ ok: false, reason: 'too-short' });
    expect(unwrapRtxPayload(new Uint8Array(0))).toEqual({ ok: false, reason: 'too-short' });
  });
});

describe('RTX packets', () => {
  const original = testingRtpPacket({
    sequenceNumber: 65535,
    timestamp: 0xfedc_ba98,
    ssrc: 0x1111_1111,
    payloadType: 96,
    marker: true,
    csrcs: [0x2222_2222],
    extension: { profile: 0xbede, data: new Uint8Array([0x10, 0x55, 0, 0]) },
    payload,
    padding: 3,
  });

  it('wraps: the header kept but for PT, sequence number, SSRC and padding', () => {
    const rtx = wrapRtxPacket(original, { ssrc: 0x3333_3333, payloadType: 97, sequenceNumber: 9 })!;
    const h = rtpHeaderSize(rtx)!;
    expect(h).toBe(rtpHeaderSize(original));
    expect(rtx[0]).toBe(original[0]! & ~0x20);
    expect(rtx[1]).toBe(0x80 | 97);
    expect([...rtx.subarray(2, 4)]).toEqual([0, 9]);
    expect([...rtx.subarray(4, 8)]).toEqual([0xfe, 0xdc, 0xba, 0x98]);
    expect([...rtx.subarray(8, 12)]).toEqual([0x33, 0x33, 0x33, 0x33]);
    expect([...rtx.subarray(12, h)]).toEqual([...original.subarray(12, h)]);
    expect([...rtx.subarray(h)]).toEqual([0xff, 0xff, ...payload]);
  });

  it('unwraps to the original packet without its padding', () => {
    const rtx = wrapRtxPacket(original, { ssrc: 0x3333_3333, payloadType: 97, sequenceNumber: 9 })!;
    const back = unwrapRtxPacket(rtx, { ssrc: 0x1111_1111, payloadType: 96 });
    const unpadded = testingRtpPacket({
      sequenceNumber: 65535,
      timestamp: 0xfedc_ba98,
      ssrc: 0x1111_1111,
      payloadType: 96,
      marker: true,
      csrcs: [0x2222_2222],
      extension: { profile: 0xbede, data: new Uint8Array([0x10, 0x55, 0, 0]) },
      payload,
    });
    expect(back).toEqual({ ok: true, sequenceNumber: 65535, packet: unpadded });
  });

  it('unwraps an RTX packet that carries padding of its own', () => {
    const rtx = testingRtpPacket({
      sequenceNumber: 1,
      payloadType: 97,
      payload: new Uint8Array([0x12, 0x34, 0xaa]),
      padding: 4,
    });
    const back = unwrapRtxPacket(rtx, { ssrc: 5, payloadType: 96 });
    expect(back).toEqual({
      ok: true,
      sequenceNumber: 0x1234,
      packet: testingRtpPacket({
        sequenceNumber: 0x1234,
        ssrc: 5,
        payloadType: 96,
        payload: new Uint8Array([0xaa]),
      }),
    });
  });

  it('reports too-short and malformed input instead of throwing', () => {
    const orig = { ssrc: 1, payloadType: 96 };
    expect(unwrapRtxPacket(testingRtpPacket({ sequenceNumber: 1 }), orig)).toEqual({
      ok: false,
      reason: 'too-short',
    });
    const probe = testingRtpPacket({ sequenceNumber: 1, padding: 200 });
    expect(unwrapRtxPacket(probe, orig)).toEqual({ ok: false, reason: 'too-short' });
    expect(unwrapRtxPacket(new Uint8Array(11), orig)).toEqual({ ok: false, reason: 'malformed' });
    const badPad = testingRtpPacket({ sequenceNumber: 1, payload: new Uint8Array(3), padding: 1 });
    badPad[badPad.length - 1] = 40;
    expect(unwrapRtxPacket(badPad, orig)).toEqual({ ok: false, reason: 'malformed' });
    badPad[badPad.length - 1] = 0;
    expect(unwrapRtxPacket(badPad, orig)).toEqual({ ok: false, reason: 'malformed' });
    expect(wrapRtxPacket(new Uint8Array(4), { ssrc: 1, payloadType: 97, sequenceNumber: 1 })).toBe(
      undefined,
    );
  });
});
