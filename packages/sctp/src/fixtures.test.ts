import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChunkType, type InitChunk, type ReconfigChunk } from './chunk.js';
import { decodePacket, encodePacket, type Packet } from './packet.js';
import { decodeOutgoingResetRequest, ParamType } from './param.js';

// Captured by tools/bench/sctp/capture-fixtures.mjs: a real association between werift's
// SCTP ("werift-*") and this package ("x-*"), first packet of each chunk type each way.
const dir = new URL('./fixtures/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.bin'));
const load = (name: string): Packet => {
  const p = decodePacket(readFileSync(new URL(name, dir)));
  if (typeof p === 'string') throw new Error(`${name}: ${p}`);
  return p;
};

describe('captured packets', () => {
  it('has the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files)('%s decodes (CRC32c checked) and re-encodes byte for byte', (name) => {
    const raw = readFileSync(new URL(name, dir));
    const p = load(name);
    expect(p.sourcePort).toBe(5000);
    expect(p.destinationPort).toBe(5000);
    expect(Buffer.from(encodePacket(p))).toEqual(raw);
  });

  it("reads werift's INIT: tag 0, extensions, streams", () => {
    const p = load('werift-init.bin');
    expect(p.verificationTag).toBe(0);
    const init = p.chunks[0] as InitChunk;
    expect(init.type).toBe(ChunkType.Init);
    expect(init.initiateTag).not.toBe(0);
    const ext = init.params.find((x) => x.type === ParamType.SupportedExtensions);
    expect([...(ext?.value ?? [])]).toContain(ChunkType.ForwardTsn);
  });

  it("reads werift's fragmented DATA and its RE-CONFIG", () => {
    const data = load('werift-data.bin').chunks.find((c) => c.type === ChunkType.Data);
    expect(data).toMatchObject({ type: 0, streamId: 2, ppid: 53, flags: 2 }); // Begin fragment
    const rc = load('werift-reconfig.bin').chunks[0] as ReconfigChunk;
    expect(rc.type).toBe(ChunkType.Reconfig);
    const req = decodeOutgoingResetRequest(rc.params[0]!.value);
    expect(req?.streams).toEqual([2]);
  });

  it('reads our own INIT-ACK with a cookie and our SACK', () => {
    const ack = load('x-init-ack.bin').chunks[0] as InitChunk;
    expect(ack.type).toBe(ChunkType.InitAck);
    expect(ack.params.find((x) => x.type === ParamType.StateCookie)?.value.length).toBe(69);
    expect(load('x-sack.bin').chunks.some((c) => c.type === ChunkType.Sack)).toBe(true);
  });
});
