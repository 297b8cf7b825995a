// A server with cookieExchange off (RFC 6347 §4.2.1 allows it where the path is verified, as
// ICE does in WebRTC) answers the first ClientHello with flight 4: one round trip fewer.
import { describe, expect, it } from 'vitest';
import { DtlsTransportState } from './index.js';
import { handshake, pair, captureWire } from './testing-pair.js';

describe('cookieExchange: false', () => {
  it('answers the first ClientHello with ServerHello, no HelloVerifyRequest', async () => {
    const p = pair({ server: { cookieExchange: false } });
    const { toServer, toClient } = captureWire(p);
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
    // The first handshake message to the client is a ServerHello (type 2), and the client
    // sent a single ClientHello.
    expect(toClient[0]![13]).toBe(2);
    expect(toServer.filter((d) => d[0] === 22 && d[13] === 1)).toHaveLength(1);
    p.client.send(Buffer.from('hello'));
    await p.clock.runUntilIdle();
    expect(p.serverData.map(String)).toEqual(['hello']);
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`completes under 20 % loss, reordering and duplication (seed ${seed})`, async () => {
      const p = pair({
        seed,
        link: { loss: 0.2, duplicate: 0.2, jitterMs: 30 },
        server: { cookieExchange: false },
      });
      await handshake(p);
      expect(DtlsTransportState[p.client.state]).toBe('Connected');
      expect(DtlsTransportState[p.server.state]).toBe('Connected');
    });
  }
});
