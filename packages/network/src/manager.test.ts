import { afterEach, describe, expect, it } from 'vitest';
import type { DataChannel } from './data-channel.js';
import { ChannelClosedError } from './errors.js';
import { Manager } from './manager.js';
import { DtlsTransportState, IceTransportState, SctpTransportState } from './transport-state.js';
import { managerPair, type Pair } from './testing-managers.js';

let pair: Pair | undefined;

/** Runs the virtual clock until DTLS is connected on both sides. */
const untilDtlsConnected = (p: Pair): Promise<boolean> =>
  p.clock.runUntil(
    () =>
      p.offerer.manager.dtlsTransportState === DtlsTransportState.Connected &&
      p.answerer.manager.dtlsTransportState === DtlsTransportState.Connected,
    { timeoutMs: 5000 },
  );
afterEach(async () => {
  await pair?.close();
  await pair?.clock.runUntilIdle({ maxTimers: 10_000 }).catch(() => {});
  pair = undefined;
});

const stateOf = (p: Pair) => ({
  ice: [p.offerer.manager.iceTransportState, p.answerer.manager.iceTransportState],
  dtls: [p.offerer.manager.dtlsTransportState, p.answerer.manager.dtlsTransportState],
  sctp: [p.offerer.manager.sctpTransportState, p.answerer.manager.sctpTransportState],
});

describe('Manager over the virtual network', () => {
  it('negotiates use_srtp on every connection, AEAD AES-128-GCM first, and says so in the cause', async () => {
    const p = (pair = managerPair());
    await p.connect();
    expect(await untilDtlsConnected(p)).toBe(true);
    for (const side of [p.offerer, p.answerer]) {
      const done = side.events.find(
        (e) => e.kind === 'dtls-state' && e.cause.kind === 'handshake-complete',
      );
      expect(done?.kind === 'dtls-state' && done.cause).toMatchObject({
        kind: 'handshake-complete',
        srtpProfile: 'AeadAes128Gcm',
      });
    }
  });

  it.each([
    [
      'offers no SCTP zero checksum to a peer not known to take it (pion/sctp before 1.8.12 drops such an INIT)',
      false,
    ],
    ['uses RFC 9653 zero checksums with a peer known to take them (one of ours)', true],
  ] as const)('%s', async (_title, known) => {
    const p = (pair = managerPair(known ? { remote: { sctpZeroChecksum: true } } : {}));
    p.offerer.manager.createDataChannel({ label: 'chat' });
    await p.connect();
    const connected = (s: typeof p.offerer) =>
      s.manager.sctpTransportState === SctpTransportState.Connected;
    expect(
      await p.clock.runUntil(() => connected(p.offerer) && connected(p.answerer), {
        timeoutMs: 10_000,
      }),
    ).toBe(true);
    // Two Managers that both offered it use it; unless told the peer takes it, neither offers.
    type Internals = { association?: { zeroChecksumInUse: boolean } };
    for (const side of [p.offerer, p.answerer])
      expect((side.manager as unknown as Internals).association?.zeroChecksumInUse).toBe(known);
  });

  it('connects ICE, then DTLS, then SCTP, and opens a data channel both ways', async () => {
    const p = (pair = managerPair());
    const channel = p.offerer.manager.createDataChannel({ label: 'chat', protocol: 'text' });
    expect(channel.id).toBeNull();
    let remote: DataChannel | undefined;
    const received: string[] = [];
    p.answerer.events.length = 0;
    await p.connect();
    expect(channel.id).toBe(1); // the offerer is the DTLS server: odd ids (RFC 8832 §6)
    await p.clock.runUntil(() => p.answerer.events.some((e) => e.kind === 'data-channel'), {
      timeoutMs: 10_000,
    });
    const event = p.answerer.events.find((e) => e.kind === 'data-channel');
    remote = event?.kind === 'data-channel' ? event.channel : undefined;
    expect(remote).toBeDefined();
    expect({
      label: remote!.label,
      protocol: remote!.protocol,
      id: remote!.id,
      state: remote!.state,
    }).toEqual({
      label: 'chat',
      protocol: 'text',
      id: 1,
      state: 'open',
    });
    remote!.handlers = {
      onMessage: (data, binary) =>
        remote!.send(Buffer.concat([Buffer.from('echo:'), data]), binary),
    };
    channel.handlers = { onMessage: (data) => received.push(data.toString()) };
    await p.clock.runUntil(() => channel.state === 'open', { timeoutMs: 5000 });
    channel.send(Buffer.from('hello'), false);
    channel.send(Buffer.alloc(0), true);
    await p.clock.runUntil(() => received.length === 2, { timeoutMs: 5000 });
    expect(received).toEqual(['echo:hello', 'echo:']);
    expect(stateOf(p)).toEqual({
      ice: [IceTransportState.Completed, IceTransportState.Completed],
      dtls: [DtlsTransportState.Connected, DtlsTransportState.Connected],
      sctp: [SctpTransportState.Connected, SctpTransportState.Connected],
    });
    const timeline = p.timeline(p.offerer);
    expect(timeline[0]).toBe(`ice:${IceTransportState.Checking} connectivity checks started`);
    const order = timeline.map((l) => l.split(' ')[0]);
    expect(order.indexOf(`dtls:${DtlsTransportState.Connecting}`)).toBeGreaterThan(0);
    expect(order.indexOf(`dtls:${DtlsTransportState.Connected}`)).toBeGreaterThan(
      order.indexOf(`ice:${IceTransportState.Connected}`),
    );
    expect(order.indexOf(`sctp:${SctpTransportState.Connected}`)).toBeGreaterThan(
      order.indexOf(`dtls:${DtlsTransportState.Connected}`),
    );
    expect(p.offerer.manager.selectedPair?.label).toMatch(
      /^10\.0\.0\.\d+:\d+ <-> 10\.0\.0\.\d+:\d+ \(host\/host\)$/,
    );
  });

  it('starts DTLS on the first valid pair, and a server flight waits for its own pair instead of a retransmission', async () => {
    // The offerer never gets the answerer's candidates: it learns the answerer from its checks
    // (peer-reflexive), so the answerer has a valid pair first and its ClientHello reaches the
    // offerer (the DTLS server) one round trip before the offerer's own pair is valid.
    const p = (pair = managerPair({ withhold: 'answerer' }));
    await p.connect();
    const start = p.clock.now();
    await untilDtlsConnected(p);
    // 5 ms each way: checks, then the four DTLS flights; a lost server flight would cost the
    // client's 1 s retransmission timer.
    expect(p.clock.now() - start).toBeLessThan(100);
    const answerer = p.timeline(p.answerer);
    expect(answerer.indexOf(`dtls:${DtlsTransportState.Connecting} DTLS handshake started`)).toBe(
      answerer.findIndex((l) => l.startsWith(`ice:${IceTransportState.Connected} `)) + 1,
    );
    expect(answerer.find((l) => l.startsWith(`ice:${IceTransportState.Connected} `))).toMatch(
      /works \(valid, not nominated yet\)$/,
    );
    // The offerer's DTLS started on the ClientHello, before its own pair was valid.
    const offerer = p.timeline(p.offerer).map((l) => l.split(' ')[0]);
    expect(offerer.indexOf(`dtls:${DtlsTransportState.Connecting}`)).toBeLessThan(
      offerer.indexOf(`ice:${IceTransportState.Connected}`),
    );
    expect(p.offerer.manager.selectedPair?.label).toMatch(/\(host\/prflx\)$/);
  });

  it('keeps a ClientHello that comes before the answer, instead of costing the peer a retransmission', async () => {
    // The answer takes 50 ms through signaling; the answerer's check (10 ms each way) makes its
    // pair valid at 20 ms, and its ClientHello reaches the offerer (the DTLS server) at 30 ms,
    // before the offerer knows its DTLS role.
    const p = (pair = managerPair({ withhold: 'answerer', answerDelayMs: 50 }));
    const clientHelloSent = () =>
      p.answerer.events.some(
        (e) => e.kind === 'dtls-state' && e.state === DtlsTransportState.Connecting,
      );
    await p.connect();
    const start = p.clock.now();
    await p.clock.runUntil(clientHelloSent, { timeoutMs: 1000 });
    expect(p.clock.now() - start).toBe(20);
    await untilDtlsConnected(p);
    // Answer at 50 ms, the offerer's own check by 70, then three flights of 10 ms. A dropped
    // ClientHello would wait for the client's 100 ms retransmission timer: 160 ms.
    expect(p.clock.now() - start).toBe(100);
    expect(p.offerer.manager.stats.demuxDropped).toBe(0);
  });

  it('closes a channel on both sides by stream reset, keeping the others open', async () => {
    const p = (pair = managerPair());
    const a = p.offerer.manager.createDataChannel({ label: 'a' });
    const b = p.offerer.manager.createDataChannel({ label: 'b', negotiated: true, id: 7 });
    const bRemote = p.answerer.manager.createDataChannel({ label: 'b', negotiated: true, id: 7 });
    await p.connect();
    await p.clock.runUntil(
      () => a.state === 'open' && b.state === 'open' && bRemote.state === 'open',
      { timeoutMs: 10_000 },
    );
    const remoteA = p.answerer.events.flatMap((e) =>
      e.kind === 'data-channel' ? [e.channel] : [],
    )[0]!;
    const closedEvents: string[] = [];
    remoteA.handlers = {
      onClosing: () => closedEvents.push('remote closing'),
      onClose: () => closedEvents.push('remote closed'),
    };
    a.handlers = { onClose: () => closedEvents.push('local closed') };
    a.close();
    expect(a.state).toBe('closing');
    await p.clock.runUntil(() => a.state === 'closed' && remoteA.state === 'closed', {
      timeoutMs: 5000,
    });
    expect(closedEvents.sort()).toEqual(['local closed', 'remote closed', 'remote closing']);
    const got: string[] = [];
    bRemote.handlers = { onMessage: (d) => got.push(d.toString()) };
    b.send(Buffer.from('still here'), false);
    await p.clock.runUntil(() => got.length === 1, { timeoutMs: 5000 });
    expect(got).toEqual(['still here']);
  });

  it('refuses to send on a channel that is not open and above the peer maximum', async () => {
    const p = (pair = managerPair());
    const c = p.offerer.manager.createDataChannel({ label: 'x' });
    expect(() => c.send(Buffer.from('early'), false)).toThrow(/is connecting; send only when open/);
    await p.connect();
    await p.clock.runUntil(() => c.state === 'open', { timeoutMs: 10_000 });
    expect(() => c.send(Buffer.alloc(262_145), true)).toThrow(
      /exceeds the peer's maximum message size of 262144/,
    );
  });

  it('closes SCTP and the channels waiting for it, with an error, when DTLS fails before SCTP started', async () => {
    const p = (pair = managerPair());
    const a = p.offerer.manager;
    const b = p.answerer.manager;
    const channel = b.createDataChannel({ label: 'never' });
    let closedWith: Error | undefined;
    channel.handlers = { onClose: (error) => void (closedWith = error) };
    // The answerer expects another certificate: its handshake fails on the offerer's.
    const wrong = a.localParameters.fingerprints.map((f) => ({
      ...f,
      value: f.value.replace(/^../, (byte) => (byte === '00' ? '01' : '00')),
    }));
    b.start({ ...a.localParameters, fingerprints: wrong, dtlsRole: 'client' });
    a.start({ ...b.localParameters, dtlsRole: 'server' });
    await Promise.all([a.gather(), b.gather()]);
    await p.clock.runUntil(() => channel.state === 'closed', { timeoutMs: 10_000 });
    expect(b.dtlsTransportState).toBe(DtlsTransportState.Failed);
    expect(b.sctpTransportState).toBe(SctpTransportState.Closed);
    expect(p.timeline(p.answerer).slice(-2)).toEqual([
      expect.stringMatching(/^dtls:5 /),
      'sctp:3 SCTP aborted: DTLS failed',
    ]);
    expect(closedWith).toBeInstanceOf(ChannelClosedError);
    expect((closedWith as ChannelClosedError).sctpCauseCode).toBeUndefined();
    // The SCTP transport's cause, as data, for the layers above (the channel's close event).
    expect((closedWith as ChannelClosedError).transportCause).toEqual({
      kind: 'aborted-locally',
      reason: 'DTLS failed',
    });
    expect(() => channel.send(Buffer.from('x'), false)).toThrow(/is closed/);
    // A channel created now cannot be established either: it closes once its owner holds it.
    const late = b.createDataChannel({ label: 'late' });
    let lateError: Error | undefined;
    late.handlers = { onClose: (error) => void (lateError = error) };
    expect(late.state).toBe('connecting');
    await Promise.resolve();
    expect(late.state).toBe('closed');
    expect(lateError).toBeInstanceOf(ChannelClosedError);
    expect((lateError as ChannelClosedError).transportCause.kind).toBe('aborted-locally');
  });
});

describe('Manager configuration', () => {
  const handler = (): void => {};

  it('throws a bad ICE option where it is given, not at the first gathering', async () => {
    expect(() => new Manager({ iceServers: [{ urls: 'foo:bar' }] }, undefined, handler)).toThrow(
      /iceServers\[0\]: bad ICE server URL "foo:bar"/,
    );
    expect(
      () => new Manager({ iceServers: [{ urls: 'turn:t.example.net' }] }, undefined, handler),
    ).toThrow(/needs username and credential/);
    expect(
      () =>
        new Manager(
          { consent: { disconnectedAfterMs: 5000, failedAfterMs: 1000 } },
          undefined,
          handler,
        ),
    ).toThrow(/failedAfterMs/);
  });

  it('hands new servers and policy to the agent: the next ICE restart gathers with them', async () => {
    const p = (pair = managerPair());
    await p.connect();
    const m = p.offerer.manager;
    const announced = () =>
      p.offerer.events.flatMap((e) =>
        e.kind === 'local-candidate' ? [e.candidate?.type ?? 'end'] : [],
      );
    expect(announced()).toEqual(['host', 'end']);
    m.setIceServers({ iceTransportPolicy: 'relay' });
    m.beginIceGeneration();
    await p.clock.advance(10);
    // No TURN server: a relay-only restart has nothing to announce but the end.
    expect(announced()).toEqual(['host', 'end', 'end']);
  });

  it('begins an ICE generation without disturbing the connection, and abandons it (a rollback)', async () => {
    const p = (pair = managerPair());
    await p.connect();
    await p.clock.runUntil(
      () => p.offerer.manager.sctpTransportState === SctpTransportState.Connected,
      { timeoutMs: 5000 },
    );
    const m = p.offerer.manager;
    const before = m.localParameters;
    const selected = m.selectedPair;
    const events = p.offerer.events.length;
    const next = m.beginIceGeneration();
    expect(m.localParameters.ufrag).toBe(next.ufrag);
    expect(m.localParameters.pwd).toBe(next.pwd);
    await p.clock.advance(3000);
    // The candidates again, under the new credentials; no state moved, the pair is the same.
    const after = p.offerer.events.slice(events);
    expect(after.map((e) => e.kind)).toEqual([
      'local-candidate',
      'local-candidate',
      'gathering-state',
    ]);
    expect(m.selectedPair).toEqual(selected);
    expect(stateOf(p).ice).toEqual([IceTransportState.Completed, IceTransportState.Completed]);
    expect(m.abandonIceGeneration()).toBe(true);
    expect(m.abandonIceGeneration()).toBe(false);
    expect(m.localParameters.ufrag).toBe(before.ufrag);
    await p.clock.advance(30_000);
    expect(p.offerer.events.length).toBe(events + 3);
    expect(stateOf(p)).toEqual({
      ice: [IceTransportState.Completed, IceTransportState.Completed],
      dtls: [DtlsTransportState.Connected, DtlsTransportState.Connected],
      sctp: [SctpTransportState.Connected, SctpTransportState.Connected],
    });
  });

  it('replaces the ICE servers and policy only with good ones', async () => {
    const p = (pair = managerPair());
    const m = p.offerer.manager;
    m.setIceServers({ iceTransportPolicy: 'relay' });
    expect(() => m.setIceServers({ iceServers: [{ urls: 'stun:' }] })).toThrow(
      /bad ICE server URL/,
    );
    // The relay-only policy stays: without a TURN server, the offerer gathers nothing.
    await p.connect();
    const gathered = p.offerer.events.flatMap((e) =>
      e.kind === 'local-candidate' ? [e.candidate] : [],
    );
    expect(gathered).toEqual([null]);
    expect(p.answerer.events.some((e) => e.kind === 'local-candidate' && e.candidate)).toBe(true);
  });
});

describe('Manager with ICE-lite', () => {
  it('connects ICE, DTLS and SCTP when the answerer is a lite agent (RFC 8445 §2.5)', async () => {
    const p = (pair = managerPair({ answererConfig: { iceLite: true } }));
    await p.connect();
    expect(
      await p.clock.runUntil(
        () =>
          p.offerer.manager.sctpTransportState === SctpTransportState.Connected &&
          p.answerer.manager.sctpTransportState === SctpTransportState.Connected,
        { timeoutMs: 10_000 },
      ),
    ).toBe(true);
    // The lite side sent no check: every pair it knows was validated by the offerer's checks.
    const lite = p.answerer.manager.getIceStats();
    expect(lite.pairs.length).toBeGreaterThan(0);
    expect(lite.pairs.every((pair) => pair.requestsSent === 0)).toBe(true);
  });
});
