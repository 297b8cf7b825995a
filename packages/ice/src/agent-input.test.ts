/**
 * Bad input is dropped and counted, never thrown, and never changes state; role conflicts,
 * ICE-lite and aggressive-nomination peers, mDNS candidates.
 */
import type { UdpSocket } from '@x/transport';
import { describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { ConnectionState as S } from './state.js';
import { StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { decodeStun } from './stun/message.js';
import { StunWriter } from './stun/writer.js';
import { cleanupAfterEach, lanWith } from './testing-lan.js';
import { connectPair, makeSide, type Side } from './testing-pair.js';

const cleanup = cleanupAfterEach();
const lan = () => lanWith(cleanup, 2);

/** Two agents on the LAN, connected until Completed; both closed after the test. */
async function completedPair() {
  const { clock, ha, hb, hx } = lan();
  const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
  cleanup.push(async () => {
    await a.agent.close();
    await b.agent.close();
  });
  await clock.runUntil(() => a.agent.state === S.Completed, { timeoutMs: 5000 });
  return { clock, hx, a, b };
}

describe('bad input', () => {
  it('drops and counts malformed STUN, bad integrity/fingerprint, unknown transactions and strangers', async () => {
    const { clock, hx, a } = await completedPair();
    const before = a.states.length;
    const target = a.agent.selectedPair!.local;
    const x: UdpSocket = await hx.bindUdp({ onMessage: () => {} });
    cleanup.push(() => x.close());
    const send = (buf: Uint8Array) => x.send(buf, target.port, target.address);
    const header = new StunWriter(StunMethod.Binding, StunClass.Request).finish();
    send(header.subarray(0, 19)); // not even a header: treated as data from a stranger
    const malformed = Buffer.from(header);
    malformed.writeUInt16BE(40, 2);
    send(Buffer.concat([malformed, Buffer.alloc(8)]));
    const creds = a.agent.localCredentials;
    const badMi = new StunWriter(StunMethod.Binding, StunClass.Request)
      .addString(StunAttr.Username, `${creds.ufrag}:zzzz`)
      .addUint64(StunAttr.IceControlled, 1n)
      .finish({ integrity: 'x'.repeat(22), fingerprint: true });
    send(badMi);
    const badFp = Buffer.from(
      new StunWriter(StunMethod.Binding, StunClass.Request)
        .addString(StunAttr.Username, `${creds.ufrag}:zzzz`)
        .finish({ integrity: creds.pwd, fingerprint: true }),
    );
    badFp[badFp.length - 1]! ^= 1;
    send(badFp);
    send(
      new StunWriter(StunMethod.Binding, StunClass.SuccessResponse).finish({ fingerprint: true }),
    );
    send(Buffer.from([0x17, 0xfe, 0xfd, 1, 2, 3]));
    const unknownAttr = new StunWriter(StunMethod.Binding, StunClass.Request)
      .addBytes(0x7001, Buffer.from([1]))
      .finish();
    send(unknownAttr);
    await clock.advance(20);
    const st = a.agent.stats;
    expect(st.malformedStun).toBe(1);
    expect(st.badIntegrity).toBe(1);
    expect(st.badFingerprint).toBe(1);
    expect(st.unknownTransaction).toBe(1);
    expect(st.unknownSource).toBe(2);
    expect(st.unknownAttributes).toBe(1);
    expect(a.states.length).toBe(before);
    expect(S[a.agent.state]).toBe('Completed');
  });

  it('an authenticated check replayed from many source ports adds at most 100 peer-reflexive candidates', async () => {
    const { clock, hx, a, b } = await completedPair();
    const pairsBefore = a.agent.getPairs().length;
    const checksBefore = a.agent.stats.checksSent;
    const target = a.agent.selectedPair!.local;
    // What B sends: MESSAGE-INTEGRITY does not cover the source address, so a copy captured
    // on the path stays valid from any port (RFC 8445 §19.5.1).
    const check = new StunWriter(StunMethod.Binding, StunClass.Request)
      .addString(
        StunAttr.Username,
        `${a.agent.localCredentials.ufrag}:${b.agent.localCredentials.ufrag}`,
      )
      .addUint32(StunAttr.Priority, 1)
      .addUint64(StunAttr.IceControlled, 1n)
      .finish({ integrity: a.agent.localCredentials.pwd, fingerprint: true });
    for (let i = 0; i < 150; i++) {
      const x: UdpSocket = await hx.bindUdp({ onMessage: () => {} });
      cleanup.push(() => x.close());
      x.send(check, target.port, target.address);
    }
    await clock.advance(2000);
    const st = a.agent.stats;
    expect(st.checksReceived).toBeGreaterThanOrEqual(150);
    expect(st.peerReflexiveDropped).toBe(50);
    // 100 candidates learned, but the list keeps at most maxPairs (100) pairs: the lowest
    // priority ones beyond it are discarded (RFC 8445 §6.1.2.5), never the selected one.
    expect(a.agent.getPairs().length).toBe(100);
    expect(st.pairsDiscarded).toBe(pairsBefore);
    expect(a.agent.selectedPair?.local).toEqual(target);
    expect(st.checksSent - checksBefore).toBeLessThanOrEqual(100);
    expect(S[a.agent.state]).toBe('Completed');
  });

  it('keeps at most maxPairs pairs, the highest-priority ones, from many signalled candidates (RFC 8445 §6.1.2.5)', async () => {
    const { clock, ha, hx } = lan();
    const agent = new Agent(
      { net: ha, clock, mdns: 'off', controlling: true, maxPairs: 4 },
      () => {},
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    agent.setRemoteCredentials('peer', 'p'.repeat(22));
    // Nobody answers: the checks stay outstanding or fail, and the list stays within 4 pairs.
    for (let i = 0; i < 12; i++) {
      agent.addRemoteCandidate(
        `candidate:${i} 1 udp ${1000 + i * 100} ${hx.addresses[0]} ${40_000 + i} typ host`,
      );
    }
    const pairs = agent.getPairs();
    expect(pairs.length).toBe(4);
    expect(pairs.map((p) => p.remote.port).sort()).toEqual([40_008, 40_009, 40_010, 40_011]);
    expect(agent.stats.pairsDiscarded).toBe(8);
    await clock.advance(60_000);
    expect(agent.getPairs().length).toBeLessThanOrEqual(4);
  });

  it('refuses a maxPairs that is not above 0', () => {
    expect(() => new Agent({ maxPairs: 0 }, () => {})).toThrow(/maxPairs/);
  });

  it('a response from another address than the request went to is dropped', async () => {
    const { clock, ha, hx } = lan();
    const agent = new Agent({ net: ha, clock, mdns: 'off', controlling: true }, () => {});
    cleanup.push(() => agent.close());
    await agent.gather();
    // A fake peer at hx answers our checks, but from a second socket.
    const second: UdpSocket = await hx.bindUdp({ onMessage: () => {} });
    const peer: UdpSocket = await hx.bindUdp({
      onMessage: (data, from) => {
        const m = decodeStun(data);
        if (!m) return;
        second.send(
          new StunWriter(1, StunClass.SuccessResponse, m.transactionId)
            .addXorAddress(StunAttr.XorMappedAddress, from.address, from.port)
            .finish({ integrity: 'p'.repeat(22), fingerprint: true }),
          from.port,
          from.address,
        );
      },
    });
    cleanup.push(async () => {
      await peer.close();
      await second.close();
    });
    agent.setRemoteCredentials('peer', 'p'.repeat(22));
    agent.addRemoteCandidate(
      `candidate:1 1 udp 2130706431 ${hx.addresses[0]} ${peer.localAddress.port} typ host`,
    );
    await clock.advance(2000);
    expect(agent.stats.unexpectedSource).toBeGreaterThan(0);
    expect(S[agent.state]).toBe('Checking');
  });
});

describe('roles and peers', () => {
  it('repairs a role conflict (both controlling) with 487 and the tie-breaker', async () => {
    const { clock, ha, hb } = lan();
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb, b: { controlling: true } });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 10_000,
    });
    expect(a.agent.controlling).not.toBe(b.agent.controlling);
    expect(a.agent.stats.roleConflicts + b.agent.stats.roleConflicts).toBeGreaterThan(0);
  });

  it('works with an ICE-lite peer that only answers, and accepts aggressive nomination', async () => {
    const { clock, ha, hx } = lan();
    const pwd = 'L'.repeat(22);
    // A controlled agent facing a lite peer takes the controlling role (RFC 8445 §6.1.1).
    const agent = new Agent({ net: ha, clock, mdns: 'off', controlling: false }, () => {});
    cleanup.push(() => agent.close());
    await agent.gather();
    let nominated = false;
    const lite: UdpSocket = await hx.bindUdp({
      onMessage: (data, from) => {
        const m = decodeStun(data);
        if (!m || m.cls !== StunClass.Request) return;
        if (m.has(StunAttr.UseCandidate)) nominated = true;
        lite.send(
          new StunWriter(1, StunClass.SuccessResponse, m.transactionId)
            .addXorAddress(StunAttr.XorMappedAddress, from.address, from.port)
            .finish({ integrity: pwd, fingerprint: true }),
          from.port,
          from.address,
        );
      },
    });
    cleanup.push(() => lite.close());
    agent.setRemoteCredentials('lite', pwd, { iceLite: true });
    expect(agent.controlling).toBe(true);
    agent.addRemoteCandidate(
      `candidate:1 1 udp 2130706431 ${hx.addresses[0]} ${lite.localAddress.port} typ host`,
    );
    agent.addRemoteCandidate(null);
    await clock.runUntil(() => agent.state === S.Completed, { timeoutMs: 5000 });
    expect(S[agent.state]).toBe('Completed');
    expect(nominated).toBe(true);

    // Aggressive nomination: a controlling peer sends USE-CANDIDATE on its first check.
    const controlled = new Agent({ net: ha, clock, mdns: 'off', controlling: false }, () => {});
    cleanup.push(() => controlled.close());
    await controlled.gather();
    controlled.setRemoteCredentials('aggr', pwd);
    const local = controlled.getLocalCandidates()[0]!;
    lite.send(
      new StunWriter(1, StunClass.Request)
        .addString(StunAttr.Username, `${controlled.localCredentials.ufrag}:aggr`)
        .addUint32(StunAttr.Priority, 1845501695)
        .addUint64(StunAttr.IceControlling, 5n)
        .addFlag(StunAttr.UseCandidate)
        .finish({ integrity: controlled.localCredentials.pwd, fingerprint: true }),
      local.port,
      local.address,
    );
    await clock.runUntil(() => controlled.state === S.Connected, { timeoutMs: 5000 });
    expect(S[controlled.state]).toBe('Connected');
    expect(controlled.selectedPair!.remote.type).toBe('prflx');
    expect(controlled.selectedPair!.nominated).toBe(true);
  });

  it('resolves a remote <uuid>.local candidate over mDNS and hides its own host addresses', async () => {
    const { clock, ha, hb } = lan();
    const { a, b } = await connectPair({
      clock,
      netA: ha,
      netB: hb,
      a: { mdns: 'hide' },
      b: { mdns: 'resolve' },
    });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    expect(a.candidates[0]!.address).toMatch(/^[0-9a-f-]{36}\.local$/);
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 10_000,
    });
    expect(b.agent.selectedPair!.remote.address).toBe(a.candidates[0]!.address);
    expect(S[b.agent.state]).toBe('Completed');
  });
});

describe('mDNS service lifetime', () => {
  it('closes the resolver opened for a .local candidate that came before gather()', async () => {
    const { clock, ha } = lan();
    const agent = new Agent({ net: ha, clock, mdns: 'hide', controlling: true }, () => {});
    agent.setRemoteCredentials('peer', 'p'.repeat(22));
    // A .local candidate before gathering opens a resolver (a socket on 5353) ...
    agent.addRemoteCandidate(
      'candidate:1 1 udp 2130706431 1f0e4c8a-3b2d-4e5f-8a9b-0c1d2e3f4a5b.local 5000 typ host',
    );
    await clock.advance(10);
    // ... and gathering with mdns 'hide' needs an announcing service.
    await agent.gather();
    await agent.close();
    // Nothing is left on 5353: a socket without address reuse can take the port.
    const probe = await ha.bindUdp({ address: '0.0.0.0', port: 5353, onMessage: () => {} });
    await probe.close();
  });
});

describe('relay candidates (the place for the TURN client, issue 5)', () => {
  it('pairs and selects a relay candidate whose socket the TURN client provides', async () => {
    const { clock, ha, hb, hx } = lan();
    // Stand-in for a TURN allocation: a socket on another host; its address is "relayed".
    let deliver: ((d: Buffer, f: import('@x/transport').SocketAddress) => void) | undefined;
    const relaySocket: UdpSocket = await hx.bindUdp({
      address: hx.addresses[0]!,
      onMessage: (d, f) => deliver?.(d, f),
    });
    const { a, b } = await connectPair({
      clock,
      netA: ha,
      netB: hb,
      a: { gather: { interfaceFilter: () => false } },
      noEnd: true,
    });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    deliver = a.agent.addRelayCandidate({ socket: relaySocket, server: '10.0.0.9:3478' });
    a.agent.addRemoteCandidate(null);
    b.agent.addRemoteCandidate(null);
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 10_000,
    });
    expect(a.agent.selectedPair!.local.type).toBe('relay');
    expect(b.agent.selectedPair!.remote.type).toBe('relay');
    expect(a.candidates.find((c) => c?.type === 'relay')).toMatchObject({
      address: hx.addresses[0],
    });
    a.agent.send(Buffer.from('relayed'));
    await clock.advance(10);
    expect(b.received.map(String)).toEqual(['relayed']);
    expect(relaySocket.closed).toBe(false);
    await a.agent.close();
    expect(relaySocket.closed).toBe(true);
  });
});

describe('consent before nomination', () => {
  it('a controlled agent sending on a valid pair fails when the peer goes before nominating (RFC 7675)', async () => {
    const { clock, ha, hb } = lan();
    let b: Side | undefined;
    const a = makeSide(ha, clock, { controlling: true }, () => b);
    b = makeSide(hb, clock, { controlling: false }, () => a);
    cleanup.push(async () => {
      await a.agent.close();
      await b!.agent.close();
    });
    a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
    b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
    const gathered = Promise.all([a.agent.gather(), b.agent.gather()]);
    await clock.runUntil(() => b!.states.some((x) => x.state === S.Connected), {
      timeoutMs: 5000,
    });
    await gathered;
    await a.agent.close();
    expect(b.agent.selectedPair?.nominated).toBe(false);
    expect(b.states.at(-1)!.cause.kind).toBe('pair-valid');
    // B stops hearing A: disconnected, then consent expires on the pair it sends on.
    expect(await clock.runUntil(() => b!.agent.state === S.Failed, { timeoutMs: 60_000 })).toBe(
      true,
    );
    expect(b.states.map((x) => x.cause.kind).slice(-2)).toEqual(['no-packets', 'consent-expired']);
    expect(b.agent.send(Buffer.from('x'))).toBe(false);
  });
});

describe('restart with the peer known only from its checks', () => {
  it('forms the new generation pair from a check on the old selected path (RFC 8445 §9)', async () => {
    const { clock, a, b } = await completedPair();
    await clock.runUntil(() => b.agent.state === S.Completed, { timeoutMs: 5000 });
    // A restarts first: its new candidates and end-of-candidates reach B while B still has A's
    // old credentials, so B drops them and knows A's new generation only from its checks,
    // which come on the path of the pair selected before.
    const ca = a.agent.beginGeneration();
    const cb = b.agent.beginGeneration();
    a.agent.setRemoteCredentials(cb.ufrag, cb.pwd);
    b.agent.setRemoteCredentials(ca.ufrag, ca.pwd);
    b.agent.addRemoteCandidate(null);
    expect(
      await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
        timeoutMs: 5000,
      }),
    ).toBe(true);
    expect(b.agent.getPairs().length).toBe(1);
    expect(b.selected.at(-1)!.cause.kind).toBe('restart');
    expect(b.agent.selectedPair!.remote.type).toBe('prflx');
  });
});
