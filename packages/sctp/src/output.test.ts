import { describe, expect, it } from 'vitest';
import { ChunkType } from './chunk.js';
import { Output } from './output.js';
import { decodePacket } from './packet.js';
import { AssociationSession, S } from './session.js';

function setup(send: (p: Uint8Array) => void) {
  const s = new AssociationSession({ send }, { localPort: 5000, remotePort: 5001 }, undefined);
  let flushed = 0;
  const output = new Output(s, () => flushed++);
  return { s, output, flushed: () => flushed };
}

describe('Output', () => {
  it('sends a chunk alone with the given tag and a CRC32c, counted', () => {
    const sent: Uint8Array[] = [];
    const { s, output } = setup((p) => sent.push(p));
    output.sendSingle(0x01020304, { type: ChunkType.CookieAck, reflected: false });
    expect(sent).toHaveLength(1);
    const packet = decodePacket(sent[0]!);
    expect(packet).toMatchObject({
      sourcePort: 5000,
      destinationPort: 5001,
      verificationTag: 0x01020304,
      chunks: [{ type: ChunkType.CookieAck }],
    });
    expect(s.counters.packetsSent).toBe(1);
    expect(s.counters.bytesSent).toBe(sent[0]!.length);
  });

  it('keeps the CRC32c on handshake packets once zero checksums are agreed (RFC 9653 §5.2)', () => {
    const sent: Uint8Array[] = [];
    const { s, output } = setup((p) => sent.push(p));
    s.useZeroChecksum = true;
    s.s = S.CookieEchoed;
    output.sendSingle(1, { type: ChunkType.CookieAck, reflected: false });
    s.s = S.Established;
    output.sendSingle(1, { type: ChunkType.ShutdownAck, reflected: false });
    expect(decodePacket(sent[0]!)).not.toBe('checksum');
    expect(decodePacket(sent[1]!)).toBe('checksum');
    expect(decodePacket(sent[1]!, { acceptZeroChecksum: true })).toMatchObject({ checksum: 0 });
  });

  it('counts a packet whose transport throws, and does not throw', () => {
    const { s, output } = setup(() => {
      throw new Error('gone');
    });
    expect(() =>
      output.sendSingle(1, { type: ChunkType.CookieAck, reflected: false }),
    ).not.toThrow();
    expect(s.counters.packetsSent).toBe(1);
  });

  it('sends nothing before the association is established, or while input is processed', () => {
    const sent: Uint8Array[] = [];
    const { s, output, flushed } = setup((p) => sent.push(p));
    s.control.push({ type: ChunkType.CookieAck, reflected: false });
    output.flush();
    s.peerTag = 7;
    s.s = S.Established;
    s.processing = true;
    output.flush();
    expect(sent).toHaveLength(0);
    expect(flushed()).toBe(0);
    expect(s.control).toHaveLength(1);
  });
});
