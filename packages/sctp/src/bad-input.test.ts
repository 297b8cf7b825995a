import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { type Chunk, ChunkType } from './chunk.js';
import { decodePacket, encodePacket, type Packet } from './packet.js';
import { AssociationState } from './state.js';
import { makePair } from './testing-pair.js';

async function setup() {
  const clock = new VirtualClock();
  const p = makePair(clock);
  const fromA: Packet[] = [];
  let tagOfA = 0;
  p.link.tap = (from, pkt) => {
    const d = decodePacket(pkt);
    if (typeof d === 'string') return;
    if (from === 1 && d.verificationTag !== 0) tagOfA = d.verificationTag;
    if (from === 0) fromA.push(d);
  };
  p.a.assoc.connect();
  p.b.assoc.connect();
  await clock.runUntil(
    () =>
      p.a.assoc.state === AssociationState.Connected &&
      p.b.assoc.state === AssociationState.Connected,
  );
  await clock.advance(50);
  const inject = (chunks: Chunk[], tag = tagOfA) =>
    p.a.assoc.handlePacket(
      encodePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tag, chunks }),
    );
  return { clock, p, fromA, inject };
}

const unknown = (type: number): Chunk => ({
  type,
  unknown: true,
  flags: 0,
  value: Uint8Array.of(1, 2, 3, 4),
});
const hb: Chunk = { type: ChunkType.Heartbeat, info: Uint8Array.of(9, 9, 9, 9) };

describe('bad input is dropped, counted or answered, never thrown', () => {
  it('handles unknown chunk types by their two high bits (RFC 9260 §3.2)', async () => {
    const { clock, p, fromA, inject } = await setup();
    const count = () =>
      fromA.filter((x) => x.chunks.some((c) => c.type === ChunkType.HeartbeatAck)).length;
    const errors = () =>
      fromA.filter((x) => x.chunks.some((c) => c.type === ChunkType.Error)).length;
    const cases: Array<[number, boolean, boolean]> = [
      // type, heartbeat after it processed, ERROR reported
      [0x3e, false, false], // 00: stop
      [0x7e, false, true], // 01: stop and report
      [0xbe, true, false], // 10: skip
      [0xfe, true, true], // 11: skip and report
    ];
    for (const [type, processed, reported] of cases) {
      const [h0, e0] = [count(), errors()];
      inject([unknown(type), hb]);
      await clock.advance(1);
      expect(count() - h0, `type ${type}`).toBe(processed ? 1 : 0);
      expect(errors() - e0, `type ${type}`).toBe(reported ? 1 : 0);
    }
    expect(p.a.assoc.stats.internalErrors).toBe(0);
    p.close();
  });

  it('drops bad checksums, wrong verification tags, forged cookies, and bundled INITs', async () => {
    const { clock, p, inject } = await setup();
    const before = p.a.assoc.stats.droppedPackets;
    const pkt = encodePacket({
      sourcePort: 5000,
      destinationPort: 5000,
      verificationTag: 1,
      chunks: [hb],
    });
    pkt[20]! ^= 0xff;
    p.a.assoc.handlePacket(pkt); // checksum
    inject([hb], 12345); // wrong tag
    inject(
      [
        {
          type: ChunkType.Init,
          initiateTag: 5,
          aRwnd: 1000,
          outboundStreams: 1,
          inboundStreams: 1,
          initialTsn: 1,
          params: [],
        },
        hb,
      ],
      0,
    ); // INIT must travel alone
    p.a.assoc.handlePacket(new Uint8Array(3));
    expect(p.a.assoc.stats.droppedPackets - before).toBe(4);
    const chunksBefore = p.a.assoc.stats.droppedChunks;
    inject([{ type: ChunkType.CookieEcho, cookie: new Uint8Array(69).fill(1) }]);
    expect(p.a.assoc.stats.droppedChunks - chunksBefore).toBe(1);
    // An ABORT with the wrong tag does not close.
    inject([{ type: ChunkType.Abort, reflected: false, causes: [] }], 777);
    await clock.advance(10);
    expect(p.a.assoc.state).toBe(AssociationState.Connected);
    p.close();
  });
});

describe('stream limits', () => {
  it('negotiates stream counts: the peer cannot send beyond our inbound streams (RFC 9260 §5.1.2)', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, {}, {}, { inboundStreams: 4 });
    p.a.assoc.connect();
    p.b.assoc.connect();
    await clock.runUntil(
      () =>
        p.b.assoc.state === AssociationState.Connected &&
        p.a.assoc.state === AssociationState.Connected,
    );
    expect(p.b.assoc.streamCount).toBe(4);
    expect(() => p.b.assoc.send(4, 51, Uint8Array.of(1))).toThrow();
    p.a.assoc.close();
    p.b.assoc.close();
  });
});
