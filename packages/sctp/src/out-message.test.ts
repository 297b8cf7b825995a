import { describe, expect, it } from 'vitest';
import { ChunkType, DataFlags, decodeChunkAt } from './chunk.js';
import { OutChunk, OutMessage, writeDataChunk } from './out-message.js';

describe('writeDataChunk (RFC 9260 §3.3.1)', () => {
  it('writes a DATA chunk that decodes to the same fields, padded to 4 bytes', () => {
    const data = Uint8Array.of(9, 8, 7, 6, 5, 4, 3);
    const msg = new OutMessage(0x1234, 0xdeadbeef, data, true, -1, Number.POSITIVE_INFINITY);
    msg.ssn = 0xfffe;
    const flags = DataFlags.Begin | DataFlags.End;
    const c = new OutChunk(0xfffffff0, msg, flags, data.subarray(2, 7));
    const buf = new Uint8Array(64).fill(0xee);
    const end = writeDataChunk(buf, 4, c);
    expect(end).toBe(4 + 24);
    expect([...buf.subarray(4 + 21, end)]).toEqual([0, 0, 0]);
    expect(buf[end]).toBe(0xee);
    expect(decodeChunkAt(buf, 4, 21)).toEqual({
      type: ChunkType.Data,
      flags,
      tsn: 0xfffffff0,
      streamId: 0x1234,
      ssn: 0xfffe,
      ppid: 0xdeadbeef,
      payload: Uint8Array.of(7, 6, 5, 4, 3),
    });
  });

  it('adds no padding to a payload already a multiple of 4', () => {
    const msg = new OutMessage(1, 51, new Uint8Array(8), false, 0, 0);
    msg.ssn = 0;
    const c = new OutChunk(1, msg, DataFlags.Unordered, new Uint8Array(8));
    expect(writeDataChunk(new Uint8Array(24), 0, c)).toBe(24);
  });
});
