import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import {
  AlertDescription,
  CipherSuite,
  type DtlsStateChange,
  DtlsTransport,
  DtlsTransportState,
  generateCertificate,
  SrtpProtectionProfile,
} from './index.js';
import { certA, certB, handshake, pair, captureWire } from './testing-pair.js';

describe('DtlsTransport handshake', () => {
  for (const suite of [
    CipherSuite.EcdheEcdsaAes128GcmSha256,
    CipherSuite.EcdheEcdsaAes256GcmSha384,
    CipherSuite.EcdheEcdsaChacha20Poly1305Sha256,
  ]) {
    it(`completes in both roles, exchanges data and agrees on exported keys (suite 0x${suite.toString(16)})`, async () => {
      const p = pair({ client: { cipherSuites: [suite] } });
      await handshake(p);
      expect(p.client.state).toBe(DtlsTransportState.Connected);
      expect(p.server.state).toBe(DtlsTransportState.Connected);
      expect(p.client.cipherSuite).toBe(suite);
      expect(p.server.cipherSuite).toBe(suite);
      expect(p.clientStates.map((c) => c.cause.kind)).toEqual(['started', 'handshake-complete']);
      p.client.send(Buffer.from('to server'));
      p.server.send(Buffer.from('to client'));
      await p.clock.runUntilIdle();
      expect(p.serverData.map(String)).toEqual(['to server']);
      expect(p.clientData.map(String)).toEqual(['to client']);
      const a = p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
      expect(a.equals(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(true);
      expect(p.client.remoteCertificate?.equals(certB.der)).toBe(true);
      expect(p.server.remoteCertificate?.equals(certA.der)).toBe(true);
    });
  }

  it('picks an ECDSA suite with our ECDSA certificate, and fails when the client offers only RSA suites', async () => {
    // The default offer lists the RSA suites too (for servers with RSA certificates).
    const ok = pair();
    await handshake(ok);
    expect(ok.server.cipherSuite).toBe(CipherSuite.EcdheEcdsaAes128GcmSha256);
    const p = pair({
      client: {
        cipherSuites: [
          CipherSuite.EcdheRsaAes128GcmSha256,
          CipherSuite.EcdheRsaChacha20Poly1305Sha256,
        ],
      },
    });
    await handshake(p);
    expect(p.server.state).toBe(DtlsTransportState.Failed);
    expect(p.client.state).toBe(DtlsTransportState.Failed);
    expect(p.clientStates.at(-1)!.cause).toMatchObject({ kind: 'alert-received' });
  });

  it('negotiates use_srtp: the server picks its preferred profile among the offered ones', async () => {
    const p = pair({
      client: {
        srtpProfiles: [
          SrtpProtectionProfile.Aes128CmHmacSha1_80,
          SrtpProtectionProfile.AeadAes128Gcm,
        ],
      },
      server: {
        srtpProfiles: [
          SrtpProtectionProfile.AeadAes128Gcm,
          SrtpProtectionProfile.Aes128CmHmacSha1_80,
        ],
      },
    });
    await handshake(p);
    expect(p.client.srtpProfile).toBe(SrtpProtectionProfile.AeadAes128Gcm);
    expect(p.server.srtpProfile).toBe(SrtpProtectionProfile.AeadAes128Gcm);
  });

  it('answers the first ClientHello statelessly with a HelloVerifyRequest', async () => {
    const p = pair();
    const { toServer, toClient } = captureWire(p);
    await handshake(p);
    // ClientHello, HelloVerifyRequest (type 3, record version DTLS 1.0), ClientHello with cookie.
    expect(toClient[0]![13]).toBe(3);
    expect(toClient[0]!.readUInt16BE(1)).toBe(0xfeff);
    expect(toServer[0]![13]).toBe(1);
    expect(toServer[1]![13]).toBe(1);
    expect(toServer[1]!.length).toBeGreaterThan(toServer[0]!.length);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) {
    it(`completes in both roles under 20 % loss, reordering and duplication (seed ${seed}${seed % 2 ? ', MTU 300' : ''})`, async () => {
      const p = pair({
        seed,
        link: { loss: 0.2, duplicate: 0.2, jitterMs: 30 },
        client: { mtu: seed % 2 ? 300 : 1200 },
        server: { mtu: seed % 2 ? 300 : 1200 },
      });
      await handshake(p);
      expect(DtlsTransportState[p.client.state]).toBe('Connected');
      expect(DtlsTransportState[p.server.state]).toBe('Connected');
      for (let i = 0; i < 20; i++) {
        p.client.send(Buffer.from(`c${i}`));
        p.server.send(Buffer.from(`s${i}`));
      }
      await p.clock.runUntilIdle();
      // Lossy link: some records are lost, but none is delivered twice or altered.
      const fromClient = p.serverData.map(String);
      expect(new Set(fromClient).size).toBe(fromClient.length);
      expect(fromClient.every((s) => /^c\d+$/.test(s))).toBe(true);
      expect(p.client.stats.badMac + p.server.stats.badMac).toBe(0);
      expect(p.pipe.dropped).toBeGreaterThan(0);
    });
  }

  it('fails after the documented retransmission schedule when the peer is a black hole', async () => {
    const clock = new VirtualClock();
    const sent: number[] = [];
    const states: DtlsStateChange[] = [];
    const t = new DtlsTransport(
      { role: 'client', certificate: certA, clock, send: () => sent.push(clock.now()) },
      (c) => states.push(c),
    );
    t.start();
    await clock.runUntil(() => t.state === DtlsTransportState.Failed, { timeoutMs: 120_000 });
    // Default: initial 2 × 50 ms RTT hint = 100 ms, doubling, 6 retransmissions.
    expect(sent).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(clock.now()).toBe(12_700);
    expect(states.at(-1)?.cause).toEqual({
      kind: 'handshake-timeout',
      retransmissions: 6,
      elapsedMs: 12_700,
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('derives the initial timeout from the RTT hint, clamped to 50–3000 ms', async () => {
    for (const [rttHintMs, first] of [
      [10, 50],
      [200, 400],
      [5000, 3000],
    ] as const) {
      const clock = new VirtualClock();
      const sent: number[] = [];
      const t = new DtlsTransport({
        role: 'client',
        certificate: certA,
        clock,
        rttHintMs,
        maxRetransmits: 1,
        send: () => sent.push(clock.now()),
      });
      t.start();
      await clock.runUntil(() => t.state === DtlsTransportState.Failed);
      expect(sent).toEqual([0, first]);
      expect(clock.now()).toBe(3 * first);
    }
  });

  it('setRttHint changes the initial timeout of the next flights', async () => {
    const clock = new VirtualClock();
    const sent: number[] = [];
    const t = new DtlsTransport({
      role: 'client',
      certificate: certA,
      clock,
      maxRetransmits: 1,
      send: () => sent.push(clock.now()),
    });
    t.setRttHint(400);
    expect(() => t.setRttHint(Number.NaN)).toThrow(/number/);
    t.start();
    await clock.runUntil(() => t.state === DtlsTransportState.Failed);
    expect(sent).toEqual([0, 800]);
  });
  it('answers a retransmitted flight 5 with its final flight again when flight 6 was lost', async () => {
    const p = pair();
    let dropped = 0;
    p.pipe.tamper = (d, toB) => {
      // The server's flight 6 starts with its ChangeCipherSpec record (type 20).
      if (!toB && d[0] === 20 && dropped === 0) {
        dropped++;
        return undefined;
      }
      return d;
    };
    await handshake(p);
    expect(dropped).toBe(1);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
    expect(p.client.stats.retransmissions).toBe(1);
    expect(p.server.stats.retransmissions).toBe(1);
    // The client's timer (100 ms) drove the recovery.
    expect(p.clock.now()).toBeGreaterThanOrEqual(100);
  });

  it('drops and counts a handshake message out of place without losing the genuine one', async () => {
    const p = pair();
    let injected = false;
    p.pipe.tamper = (d, toB) => {
      if (!toB && !injected) {
        injected = true;
        // A ServerHelloDone with message_seq 0 ahead of the HelloVerifyRequest.
        const header = '16' + 'fefd' + '0000' + '0000000000ff' + '000c';
        const bogus = Buffer.from(`${header}0e${'000000'}${'0000'}${'000000'}${'000000'}`, 'hex');
        p.client.handleDatagram(bogus);
      }
      return d;
    };
    await handshake(p);
    expect(injected).toBe(true);
    expect(p.client.stats.handshakeDropped).toBe(1);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.client.stats.retransmissions).toBe(0);
  });
  it('over a synchronous in-memory link, completes without a retransmission timer left armed', async () => {
    // Each send is handled by the peer before it returns: the reply flight, and so the end of
    // the handshake, arrive while the flight that expects it is still being sent.
    const clock = new VirtualClock();
    const states: DtlsStateChange[] = [];
    let server: DtlsTransport | undefined;
    const client = new DtlsTransport(
      {
        role: 'client',
        clock,
        certificate: certA,
        remoteFingerprints: [certB.fingerprint()],
        send: (d) => server?.handleDatagram(d),
      },
      (c) => states.push(c),
    );
    server = new DtlsTransport(
      {
        role: 'server',
        clock,
        certificate: certB,
        remoteFingerprints: [certA.fingerprint()],
        send: (d) => client.handleDatagram(d),
      },
      (c) => states.push(c),
    );
    server.start();
    client.start();
    expect(client.state).toBe(DtlsTransportState.Connected);
    expect(server.state).toBe(DtlsTransportState.Connected);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(client.state).toBe(DtlsTransportState.Connected);
    expect(server.state).toBe(DtlsTransportState.Connected);
    expect(states.map((c) => c.cause.kind)).not.toContain('handshake-timeout');
    client.close();
    server.close();
  });

  it('keeps a Finished that overtakes the rest of its flight, and opens it once the keys exist', () => {
    const clock = new VirtualClock();
    const toServer: Buffer[] = [];
    const toClient: Buffer[] = [];
    const client = new DtlsTransport({
      role: 'client',
      certificate: certA,
      clock,
      mtu: 256,
      send: (d) => toServer.push(d),
    });
    const server = new DtlsTransport({
      role: 'server',
      certificate: certB,
      clock,
      send: (d) => toClient.push(d),
    });
    server.start();
    client.start();
    for (let round = 0; round < 6; round++) {
      const flight = toServer.splice(0);
      // Reverse every client flight: flight 5 spans several datagrams at this MTU, and its
      // epoch-1 Finished then reaches the server before the ClientKeyExchange.
      for (const d of flight.reverse()) server.handleDatagram(d);
      for (const d of toClient.splice(0)) client.handleDatagram(d);
    }
    expect(DtlsTransportState[server.state]).toBe('Connected');
    expect(DtlsTransportState[client.state]).toBe('Connected');
    expect(server.stats.retransmissions).toBe(0);
    client.close();
    server.close();
  });
});

describe('DtlsTransport authentication and bad input', () => {
  it('a certificate that does not match the fingerprint: fatal alert, failed with the cause, no data', async () => {
    const wrong = generateCertificate();
    const p = pair({ client: { remoteFingerprints: [wrong.fingerprint('sha-256')] } });
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Failed);
    const cause = p.clientStates.at(-1)!.cause;
    expect(cause.kind).toBe('fingerprint-mismatch');
    if (cause.kind === 'fingerprint-mismatch')
      expect(cause.actual).toEqual(certB.fingerprint('sha-256'));
    expect(p.server.state).toBe(DtlsTransportState.Failed);
    expect(p.serverStates.at(-1)!.cause).toMatchObject({
      kind: 'alert-received',
      description: AlertDescription.BadCertificate,
    });
    expect(() => p.client.send(Buffer.from('x'))).toThrow(/Connected/);
    expect(p.clientData).toHaveLength(0);
    expect(p.serverData).toHaveLength(0);
    expect(p.clock.pendingTimers).toBe(0);
  });

  it('the server rejects a client certificate that does not match (sha-512 fingerprint)', async () => {
    const p = pair({
      server: { remoteFingerprints: [generateCertificate().fingerprint('sha-512')] },
    });
    await handshake(p);
    expect(p.serverStates.at(-1)!.cause.kind).toBe('fingerprint-mismatch');
    expect(p.client.state).toBe(DtlsTransportState.Failed);
    expect(p.clientStates.at(-1)!.cause).toMatchObject({
      kind: 'alert-received',
      name: 'BadCertificate',
    });
  });

  it('accepts a matching sha-1 / sha-384 fingerprint in lower case', async () => {
    const p = pair({
      client: {
        remoteFingerprints: [
          { algorithm: 'sha-384', value: certB.fingerprint('sha-384').value.toLowerCase() },
        ],
      },
      server: { remoteFingerprints: [certA.fingerprint('sha-1')] },
    });
    await handshake(p);
    expect(p.client.state).toBe(DtlsTransportState.Connected);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
  });

  for (const cookieExchange of [false, true]) {
    it(`drops a ClientHello whose message_seq leaves no room for the handshake (cookie exchange ${cookieExchange})`, async () => {
      // The server numbers its flight from the ClientHello's message_seq (RFC 6347 §4.2.2):
      // from 0xffff on, its second message would need message_seq 0x10000.
      const p = pair({ server: { cookieExchange } });
      let forged = 0;
      p.pipe.tamper = (d, toServer) => {
        if (toServer && d[0] === 22 && d.readUInt16BE(3) === 0 && d[13] === 1) {
          for (const seq of [0xffff, 0xfff0]) {
            const copy = Buffer.from(d);
            copy.writeUInt16BE(seq, 13 + 4);
            p.server.handleDatagram(copy);
            forged++;
          }
        }
        return d;
      };
      await handshake(p);
      expect(forged).toBeGreaterThan(0);
      expect(p.server.stats.internalErrors).toBe(0);
      expect(p.server.stats.handshakeDropped).toBeGreaterThanOrEqual(forged);
      expect(p.server.state).toBe(DtlsTransportState.Connected);
      expect(p.client.state).toBe(DtlsTransportState.Connected);
    });
  }

  it('drops and counts a record with a bad MAC, and keeps the association', async () => {
    const p = pair();
    await handshake(p);
    let corrupt = true;
    p.pipe.tamper = (d) => {
      if (corrupt && d[0] === 23) {
        corrupt = false;
        d[d.length - 1]! ^= 1;
      }
      return d;
    };
    p.client.send(Buffer.from('first'));
    p.client.send(Buffer.from('second'));
    await p.clock.runUntilIdle();
    expect(p.server.stats.badMac).toBe(1);
    expect(p.serverData.map(String)).toEqual(['second']);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
  });

  it('drops and counts replayed records', async () => {
    const p = pair();
    await handshake(p);
    let last: Buffer | undefined;
    p.pipe.tamper = (d) => {
      if (d[0] === 23) last = Buffer.from(d);
      return d;
    };
    p.client.send(Buffer.from('once'));
    await p.clock.runUntilIdle();
    p.server.handleDatagram(last!);
    expect(p.server.stats.replayed).toBe(1);
    expect(p.serverData.map(String)).toEqual(['once']);
  });

  it('drops unprotected application data and records of unknown epochs', async () => {
    const p = pair();
    await handshake(p);
    const plain = Buffer.from('17fefd0000000000000099000161', 'hex');
    p.server.handleDatagram(plain);
    const future = Buffer.from('17fefd0005000000000001000161', 'hex');
    p.server.handleDatagram(future);
    expect(p.server.stats.wrongEpoch).toBe(2);
    expect(p.serverData).toHaveLength(0);
  });

  it('close_notify both ways: the peer goes closed with its cause; timers stop', async () => {
    const p = pair();
    await handshake(p);
    p.server.close();
    await p.clock.runUntilIdle();
    expect(p.serverStates.at(-1)!.cause).toEqual({ kind: 'closed-by-user' });
    expect(p.clientStates.at(-1)!.cause).toEqual({ kind: 'close-notify-received' });
    expect(p.client.state).toBe(DtlsTransportState.Closed);
  });
});

describe('DtlsTransport options', () => {
  it('a server that asks for no client certificate: the client sends none', async () => {
    const p = pair({ server: { requireClientCertificate: false, remoteFingerprints: undefined } });
    await handshake(p);
    expect(p.server.state).toBe(DtlsTransportState.Connected);
    expect(p.server.remoteCertificate).toBeUndefined();
    expect(p.client.remoteCertificate?.equals(certB.der)).toBe(true);
  });

  it('refuses a record larger than 2^14 bytes and sending before Connected', async () => {
    const p = pair();
    expect(() => p.client.send(Buffer.from('early'))).toThrow(/Connected/);
    await handshake(p);
    expect(() => p.client.send(Buffer.alloc(16_385))).toThrow(/16384/);
    p.client.send(Buffer.alloc(16_384, 1));
    await p.clock.runUntilIdle();
    expect(p.serverData[0]).toHaveLength(16_384);
  });

  it('rejects options out of range', () => {
    const base = { role: 'client' as const, certificate: certA, send: () => {} };
    expect(() => new DtlsTransport({ ...base, mtu: 100 })).toThrow(/mtu/);
    expect(() => new DtlsTransport({ ...base, maxRetransmits: -1 })).toThrow(/maxRetransmits/);
    expect(() => new DtlsTransport({ ...base, cipherSuites: [] })).toThrow(/cipherSuites/);
    expect(() => new DtlsTransport({ ...base, role: 'peer' as never })).toThrow(/role/);
  });
});

describe('DtlsTransport state contract', () => {
  it('reports each change once, in order, queues re-entrant changes and survives a throwing handler', async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const errors: unknown[] = [];
    const t: DtlsTransport = new DtlsTransport(
      {
        role: 'client',
        certificate: certA,
        clock,
        send: () => {},
        onHandlerError: (e) => errors.push(e),
      },
      (c) => {
        seen.push(`${DtlsTransportState[c.previous]}>${DtlsTransportState[c.state]}`);
        if (c.state === DtlsTransportState.Connecting) {
          t.close();
          seen.push('after close');
          throw new Error('handler bug');
        }
      },
    );
    t.start();
    t.close();
    expect(seen).toEqual(['New>Connecting', 'after close', 'Connecting>Closed']);
    expect(errors).toHaveLength(1);
    expect(t.state).toBe(DtlsTransportState.Closed);
    expect(clock.pendingTimers).toBe(0);
  });
});
