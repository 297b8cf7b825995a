import { describe, expect, it } from 'vitest';
import { type Chunk, ChunkType, chunkLength, decodeChunkAt, encodeChunk } from './chunk.js';
import { decodePacket, encodePacket } from './packet.js';
import {
  decodeOutgoingResetRequest,
  decodeReconfigResponse,
  encodeOutgoingResetRequest,
  encodeReconfigResponse,
  ParamType,
} from './param.js';

const roundTrip = (c: Chunk): Chunk | undefined => {
  const buf = new Uint8Array((chunkLength(c) + 3) & ~3);
  expect(encodeChunk(c, buf, 0)).toBe(buf.length);
  return decodeChunkAt(buf, 0, chunkLength(c));
};

const samples: Chunk[] = [
  {
    type: 0,
    flags: 3,
    tsn: 0xfffffffe,
    streamId: 7,
    ssn: 65535,
    ppid: 51,
    payload: Uint8Array.of(1, 2, 3),
  },
  {
    type: 1,
    initiateTag: 0xdeadbeef,
    aRwnd: 131072,
    outboundStreams: 1024,
    inboundStreams: 2048,
    initialTsn: 12345,
    params: [
      { type: ParamType.SupportedExtensions, value: Uint8Array.of(130, 192) },
      { type: ParamType.ForwardTsnSupported, value: new Uint8Array(0) },
    ],
  },
  {
    type: 2,
    initiateTag: 1,
    aRwnd: 2,
    outboundStreams: 3,
    inboundStreams: 4,
    initialTsn: 5,
    params: [{ type: ParamType.StateCookie, value: Uint8Array.of(9, 9, 9, 9, 9) }],
  },
  {
    type: 3,
    cumulativeTsnAck: 100,
    aRwnd: 5000,
    gapBlocks: [
      { start: 2, end: 3 },
      { start: 6, end: 9 },
    ],
    duplicateTsns: [99, 98],
  },
  { type: 4, info: Uint8Array.of(1, 2, 3, 4, 5, 6) },
  { type: 5, info: Uint8Array.of(7) },
  { type: 6, reflected: true, causes: [{ type: 12, value: new TextEncoder().encode('bye') }] },
  { type: 9, reflected: false, causes: [{ type: 6, value: Uint8Array.of(200, 0, 0, 4) }] },
  { type: 7, cumulativeTsnAck: 77 },
  { type: 8, reflected: false },
  { type: 10, cookie: Uint8Array.of(1, 2, 3, 4, 5, 6, 7) },
  { type: 11, reflected: false },
  { type: 14, reflected: true },
  {
    type: 130,
    params: [
      encodeOutgoingResetRequest({
        requestSeq: 10,
        responseSeq: 20,
        lastTsn: 30,
        streams: [1, 3, 5],
      }),
    ],
  },
  {
    type: 192,
    newCumulativeTsn: 555,
    streams: [
      { streamId: 1, ssn: 4 },
      { streamId: 9, ssn: 0 },
    ],
  },
  { type: 0x3f, unknown: true, flags: 5, value: Uint8Array.of(1, 2, 3, 4, 5) },
];

describe('chunk codec', () => {
  it.each(samples.map((c) => [c.type, c] as const))('round-trips type %i', (_, c) => {
    expect(roundTrip(c)).toEqual(c);
  });

  it('refuses malformed values without throwing', () => {
    const bad: Array<[number, number[]]> = [
      [ChunkType.Data, [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]], // no user data
      [ChunkType.Sack, [0, 0, 0, 1, 0, 0, 0, 0, 0, 5, 0, 0]], // 5 gaps announced, none there
      [ChunkType.Init, [0, 0, 0, 1]],
      [ChunkType.Shutdown, [0, 0]],
      [ChunkType.CookieAck, [0, 0, 0, 0]],
      [ChunkType.ForwardTsn, [0, 0, 0, 1, 0, 1]],
      [ChunkType.Reconfig, []],
      [ChunkType.Heartbeat, [0, 2, 0, 4]], // not a Heartbeat Info
      [ChunkType.Abort, [0, 12, 0, 40]], // cause runs past the end
    ];
    for (const [type, value] of bad) {
      const buf = Uint8Array.from([type, 0, 0, 4 + value.length, ...value]);
      expect(decodeChunkAt(buf, 0, buf.length), `type ${type}`).toBeUndefined();
    }
  });

  it('round-trips RE-CONFIG parameters', () => {
    const req = { requestSeq: 1, responseSeq: 0xffffffff, lastTsn: 7, streams: [0, 65535] };
    expect(decodeOutgoingResetRequest(encodeOutgoingResetRequest(req).value)).toEqual(req);
    const res = { responseSeq: 9, result: 6 };
    expect(decodeReconfigResponse(encodeReconfigResponse(res).value)).toEqual(res);
  });
});

describe('packet codec', () => {
  it('encodes, checksums and decodes a bundle', () => {
    const chunks = [samples[3]!, samples[0]!, samples[14]!];
    const buf = encodePacket({
      sourcePort: 5000,
      destinationPort: 5001,
      verificationTag: 0xabcdef01,
      chunks,
    });
    const p = decodePacket(buf);
    expect(p).toMatchObject({
      sourcePort: 5000,
      destinationPort: 5001,
      verificationTag: 0xabcdef01,
      chunks,
    });
  });

  it('rejects a bad checksum, and accepts zero only when allowed (RFC 9653)', () => {
    const buf = encodePacket({
      sourcePort: 1,
      destinationPort: 2,
      verificationTag: 3,
      chunks: [samples[11]!],
    });
    buf[buf.length - 1]! ^= 1;
    expect(decodePacket(buf)).toBe('checksum');
    const zero = encodePacket(
      { sourcePort: 1, destinationPort: 2, verificationTag: 3, chunks: [samples[11]!] },
      { zeroChecksum: true },
    );
    expect(decodePacket(zero)).toBe('checksum');
    expect(decodePacket(zero, { acceptZeroChecksum: true })).toMatchObject({ checksum: 0 });
    expect(decodePacket(new Uint8Array(5))).toBe('short');
  });
});
