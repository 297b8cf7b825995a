// What a connected transport keeps for the life of its connection. Node cuts buffers under
// 4 KiB out of shared 8 KiB pool blocks, so one small buffer kept for hours (a certificate, a
// random, the master secret) would hold a whole block: the kept ones are copies of their own.
// And what the handshake no longer needs is let go, while a repeated flight is still answered.
import { describe, expect, it } from 'vitest';
import { certA, certB, handshake, pair } from './testing-pair.js';
import { DtlsTransportState } from './index.js';

const ownsItsMemory = (b: Buffer): boolean =>
  b.byteOffset === 0 && b.buffer.byteLength === b.length;

describe('state kept for the life of a connection', () => {
  it('the peer certificates and our own are not views of a pool block', async () => {
    const p = pair();
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    for (const t of [p.client, p.server]) {
      expect(ownsItsMemory(t.remoteCertificate!)).toBe(true);
      expect(t.remoteCertificates.every(ownsItsMemory)).toBe(true);
    }
    expect(ownsItsMemory(certA.der) && ownsItsMemory(certB.der)).toBe(true);
    expect(p.client.remoteCertificate!.equals(certB.der)).toBe(true);
  });

  it('keying material still derives after the handshake state was let go', async () => {
    const p = pair();
    await handshake(p);
    const a = p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    const b = p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    expect(a.equals(b)).toBe(true);
  });

  it('the server keeps its last flight after it connected: a lost flight 6 is sent again when the client repeats flight 5', async () => {
    const p = pair();
    let dropped = 0;
    // The first datagram to the client once the server is connected: flight 6.
    p.pipe.tamper = (d, toServer) => {
      if (toServer || p.server.state !== DtlsTransportState.Connected || dropped > 0) return d;
      dropped++;
      return undefined;
    };
    await handshake(p);
    expect(dropped).toBe(1);
    expect([p.client.state, p.server.state]).toEqual([
      DtlsTransportState.Connected,
      DtlsTransportState.Connected,
    ]);
    expect(p.client.stats.retransmissions).toBeGreaterThan(0);
    p.client.send(Buffer.from('still up'));
    await p.clock.advance(10);
    expect(p.serverData.map(String)).toEqual(['still up']);
  });
});
