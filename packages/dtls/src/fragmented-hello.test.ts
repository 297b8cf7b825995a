// A ClientHello larger than one record arrives in fragments (Chromium 156's is 1413 bytes, with
// a post-quantum key share, sent as two records of one 1200-byte datagram each): the server
// must answer it like a whole one. The fixture is the first datagram Chromium sent.
import { readFileSync } from 'node:fs';
import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from './certificate.js';
import { DtlsTransport } from './dtls-transport.js';
import { readFragments } from './handshake-codec.js';

const chromium = readFileSync(
  new URL('./fixtures/chromium-156-clienthello-fragment-1.bin', import.meta.url),
);

describe('a fragmented ClientHello', () => {
  it('is the first record of a 1413-byte ClientHello from Chromium 156', () => {
    const [f] = readFragments(chromium.subarray(13, 13 + chromium.readUInt16BE(11)));
    expect(f).toMatchObject({ type: 1, length: 1413, offset: 0 });
    expect(f!.data.length).toBeLessThan(f!.length);
  });

  it('gets a HelloVerifyRequest once its fragments are in, in any order', async () => {
    const clock = new VirtualClock();
    const server = new DtlsTransport({
      role: 'server',
      certificate: generateCertificate(),
      clock,
      send: (d) => sent.push(d),
    });
    const sent: Buffer[] = [];
    server.start();
    // Split a whole ClientHello of our own client into three fragments, fed last first.
    const client = new DtlsTransport({
      role: 'client',
      certificate: generateCertificate(),
      clock,
      send: (d) => hellos.push(d),
    });
    const hellos: Buffer[] = [];
    client.start();
    const record = hellos[0]!;
    const body = record.subarray(13);
    const [whole] = readFragments(body);
    const header = record.subarray(0, 13);
    const pieces = [0, 40, 90].map((offset, i, all) => {
      const end = all[i + 1] ?? whole!.length;
      const fragment = Buffer.alloc(12 + end - offset);
      body.copy(fragment, 0, 0, 12);
      fragment.writeUIntBE(offset, 6, 3);
      fragment.writeUIntBE(end - offset, 9, 3);
      whole!.data.copy(fragment, 12, offset, end);
      const h = Buffer.from(header);
      h.writeUInt16BE(fragment.length, 11);
      return Buffer.concat([h, fragment]);
    });
    server.handleDatagram(pieces[2]!);
    server.handleDatagram(pieces[1]!);
    expect(sent).toHaveLength(0);
    server.handleDatagram(pieces[0]!);
    expect(sent).toHaveLength(1);
    expect(sent[0]![13]).toBe(3); // HelloVerifyRequest
    expect(server.stats.handshakeDropped).toBe(0);
    client.close();
    server.close();
    await clock.runUntilIdle();
  });

  it('drops a fragment of a ClientHello claiming more than 8 KiB, and keeps no state for it', () => {
    const clock = new VirtualClock();
    const sent: Buffer[] = [];
    const server = new DtlsTransport({
      role: 'server',
      certificate: generateCertificate(),
      clock,
      send: (d) => sent.push(d),
    });
    server.start();
    const forged = Buffer.from(chromium);
    forged.writeUIntBE(100_000, 13 + 1, 3);
    server.handleDatagram(forged);
    expect(sent).toHaveLength(0);
    expect(server.stats.handshakeDropped + server.stats.malformed).toBe(1);
    server.close();
  });
});
