// record_size_limit (RFC 8449) between two DtlsTransports: each learns the other's limit, a
// sender keeps to it, a receiver drops records above its own, and a limit below 64 is fatal.
import { describe, expect, it } from 'vitest';
import { ExtensionType } from './constants.js';
import { readExtensions, writeExtensions } from './extensions.js';
import { DtlsTransport, DtlsTransportState } from './index.js';
import { Reader } from './reader.js';
import { certA, handshake, pair } from './testing-pair.js';

describe('record_size_limit (RFC 8449)', () => {
  it('encodes and decodes the extension (type 28, a 16-bit value)', () => {
    const block = writeExtensions({ recordSizeLimit: 16_384 });
    expect(block.readUInt16BE(2)).toBe(ExtensionType.RecordSizeLimit);
    expect(block.readUInt16BE(4)).toBe(2);
    expect(readExtensions(new Reader(block)).recordSizeLimit).toBe(16_384);
    const bad = Buffer.from(block);
    bad.writeUInt16BE(3, 4); // a length that is not 2
    expect(() => readExtensions(new Reader(Buffer.concat([bad, Buffer.alloc(1)])))).toThrow();
  });

  it('both ends learn the other’s limit; without options it is 16384', async () => {
    const p = pair({ client: { recordSizeLimit: 2000 } });
    expect(p.client.peerRecordSizeLimit).toBeUndefined();
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.client.peerRecordSizeLimit).toBe(16_384);
    expect(p.server.peerRecordSizeLimit).toBe(2000);
    // The server keeps to the client's limit; the client may send up to 16384.
    expect(() => p.server.send(Buffer.alloc(2001))).toThrow(/2000/);
    p.server.send(Buffer.alloc(2000, 1));
    p.client.send(Buffer.alloc(16_384, 2));
    await p.clock.runUntilIdle();
    expect(p.clientData.map((d) => d.length)).toEqual([2000]);
    expect(p.serverData.map((d) => d.length)).toEqual([16_384]);
  });

  it('drops and counts a record above our own limit', async () => {
    const p = pair({ server: { recordSizeLimit: 1000 } });
    await handshake(p);
    // A peer that ignores our limit: simulate it by lifting the client's view of it.
    const hs = (p.client as unknown as { hs: { peerRecordSizeLimit: number } }).hs;
    hs.peerRecordSizeLimit = 16_384;
    const before = p.server.stats.malformed;
    p.client.send(Buffer.alloc(1001));
    p.client.send(Buffer.alloc(1000, 3));
    await p.clock.runUntilIdle();
    expect(p.serverData.map((d) => d.length)).toEqual([1000]);
    expect(p.server.stats.malformed).toBe(before + 1);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
  });

  it('a value below 64 fails the handshake with illegal_parameter', async () => {
    const p = pair();
    // Rewrite the client's ClientHello limit to 63 on the wire (only the hello is in clear).
    p.pipe.tamper = (d, toB) => {
      if (!toB) return d;
      const at = d.indexOf(Buffer.from([0x00, 0x1c, 0x00, 0x02, 0x40, 0x00]));
      if (at >= 0) d.writeUInt16BE(63, at + 4);
      return d;
    };
    await handshake(p);
    expect(p.server.state).toBe(DtlsTransportState.Failed);
    expect(JSON.stringify(p.serverStates.at(-1)?.cause)).toMatch(/record_size_limit 63/);
    expect(p.client.state).toBe(DtlsTransportState.Failed);
  });

  it('rejects a limit out of range in the options', () => {
    const base = { role: 'client' as const, certificate: certA, send: () => {} };
    expect(() => new DtlsTransport({ ...base, recordSizeLimit: 63 })).toThrow(/recordSizeLimit/);
    expect(() => new DtlsTransport({ ...base, recordSizeLimit: 16_385 })).toThrow(
      /recordSizeLimit/,
    );
  });
});
