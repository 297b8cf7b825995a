/**
 * Bad input on the shared port (issue 21, item 7): floods of checks for unknown ufrags, checks
 * for a known ufrag with a wrong password, malformed STUN, random bytes, responses to no
 * request and another connection's traffic sent from an attacker's address. The mux's tables
 * must not grow, nothing may be created without a valid MESSAGE-INTEGRITY, and the connections
 * on the port must keep exchanging data throughout.
 */
import { randomBytes } from 'node:crypto';
import type { Net, SocketAddress, UdpSocket } from '@x/transport';
import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { StunWriter } from '../stun/writer.js';
import { cleanupAfterEach } from '../testing-lan.js';
import type { Side } from '../testing-pair.js';
import { allCompleted, check, connectToMux, MUX_PORT, muxWorld } from './testing-mux.js';
import { UdpMux } from './udp-mux.js';

const cleanup = cleanupAfterEach();

/** What an attacker sends: every kind of bad input, cycled. */
function floodKinds(victimUfrag: string): Buffer[] {
  const kinds: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    // Checks for ufrags nobody has, correctly signed with their own password.
    kinds.push(check(`nobody${i}`, 'evil', 'e'.repeat(22)));
    // The victim's ufrag with a wrong password.
    kinds.push(check(victimUfrag, 'evil', `${'w'.repeat(21)}${i}`));
    // Malformed STUN: a length past the datagram; a bad FINGERPRINT.
    const bad = check(victimUfrag, 'evil', 'x'.repeat(22));
    const truncated = Buffer.from(bad.subarray(0, bad.length - 8));
    kinds.push(truncated);
    const badFp = Buffer.from(bad);
    badFp[badFp.length - 1]! ^= 0xff;
    kinds.push(badFp);
    // A response to no request of ours.
    kinds.push(
      new StunWriter(StunMethod.Binding, StunClass.SuccessResponse).finish({ fingerprint: true }),
    );
    // Random bytes, and bytes that look like another connection's DTLS and SRTP.
    kinds.push(randomBytes(40 + i * 20));
    kinds.push(Buffer.concat([Buffer.from([0x17, 0xfe, 0xfd]), randomBytes(60)]));
    kinds.push(Buffer.concat([Buffer.from([0x80, 0x6f]), randomBytes(100)]));
  }
  return kinds;
}

/**
 * A `Net` with one socket, whose datagram handler the test calls itself (no network: the mux's
 * own cost), and which records what is sent.
 */
function stubNet(): {
  net: Net;
  deliver: (data: Buffer, from: SocketAddress) => void;
  sent: { data: Buffer; port: number; address: string }[];
} {
  let handler: ((data: Buffer, from: SocketAddress) => void) | undefined;
  const sent: { data: Buffer; port: number; address: string }[] = [];
  const stats = {
    datagramsSent: 0,
    bytesSent: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    sendErrors: 0,
  };
  let closed = false;
  const net: Net = {
    interfaces: () => [],
    bindUdp: (o) => {
      handler = o.onMessage;
      return Promise.resolve({
        localAddress: { address: '198.51.100.1', port: o.port ?? 0, family: 'IPv4' },
        get closed() {
          return closed;
        },
        stats,
        send: (data: Uint8Array, port: number, address: string) => {
          sent.push({ data: Buffer.from(data), port, address });
        },
        addMembership: () => {},
        dropMembership: () => {},
        close: () => {
          closed = true;
          return Promise.resolve();
        },
      });
    },
    connectTcp: () => Promise.reject(new Error('no TCP')),
    listenTcp: () => Promise.reject(new Error('no TCP')),
  };
  return { net, deliver: (data, from) => handler?.(data, from), sent };
}

describe('UdpMux under a flood of bad input', () => {
  it('drops 100 000 bad datagrams without growing a table while the connections keep exchanging data', async () => {
    const { clock, server, direct, natted, attacker, mux } = await muxWorld(cleanup, 11);
    const pairs: { client: Side; server: Side }[] = [];
    for (let i = 0; i < 4; i++) {
      pairs.push(
        await connectToMux({ clock, netA: i % 2 ? natted : direct, netB: server, mux }, cleanup),
      );
    }
    await clock.runUntil(() => allCompleted(pairs), { timeoutMs: 5000 });
    const victim = pairs[0]!;
    const victimState = victim.server.agent.stats;
    const before = mux.routeCounts;
    const pairsBefore = pairs.map((p) => p.server.agent.getPairs().length);
    const remotesBefore = pairs.map((p) => p.server.agent.getRemoteCandidates().length);
    const kinds = floodKinds(victim.server.agent.localCredentials.ufrag);
    const sockets: UdpSocket[] = [];
    for (let i = 0; i < 16; i++) {
      const s = await attacker.bindUdp({ port: 20_000 + i, onMessage: () => {} });
      sockets.push(s);
      cleanup.push(() => s.close());
    }
    const TOTAL = 100_000;
    const PER_MS = 1000;
    const started = performance.now();
    let sent = 0;
    let round = 0;
    while (sent < TOTAL) {
      for (let i = 0; i < PER_MS; i++, sent++) {
        const data = kinds[sent % kinds.length]!;
        sockets[sent % sockets.length]!.send(data, MUX_PORT, '203.0.113.1');
      }
      // The connections go on: a datagram each way on every pair, every millisecond.
      for (const p of pairs) {
        p.client.agent.send(Buffer.from(`up ${round}`));
        p.server.agent.send(Buffer.from(`down ${round}`));
      }
      round++;
      await clock.advance(1);
    }
    await clock.advance(50);
    const elapsed = performance.now() - started;
    // Every attack datagram was dropped by the mux, and counted by reason.
    const d = mux.stats.dropped;
    expect(d.unknownUfrag + d.badIntegrity + d.malformed + d.noRoute).toBe(TOTAL);
    expect(d.unknownUfrag).toBe(TOTAL / 8);
    expect(d.badIntegrity).toBe(TOTAL / 8);
    expect(d.malformed).toBe(TOTAL / 4);
    expect(d.noRoute).toBe(TOTAL / 2);
    // Nothing was created: the tables, the agents' candidates and pairs are as before.
    expect(mux.routeCounts).toEqual(before);
    expect(pairs.map((p) => p.server.agent.getPairs().length)).toEqual(pairsBefore);
    expect(pairs.map((p) => p.server.agent.getRemoteCandidates().length)).toEqual(remotesBefore);
    // The victim agent never saw a datagram of the attacker's (its counters of bad input are 0).
    expect(victimState.badIntegrity + victimState.badUsername + victimState.malformedStun).toBe(0);
    expect(victimState.unknownSource).toBe(0);
    // The connections were undisturbed: every datagram of theirs arrived, in both directions.
    for (const p of pairs) {
      expect(p.server.received.length).toBe(round);
      expect(p.client.received.length).toBe(round);
      expect(p.server.agent.state).toBe(p.client.agent.state);
    }
    console.log(
      `mux flood on the virtual network: ${TOTAL} bad datagrams and ${round * 8} good ones in ${elapsed.toFixed(0)} ms (${Math.round((TOTAL / elapsed) * 1000)} bad datagrams/s, virtual network included); tables ${JSON.stringify(mux.routeCounts)}`,
    );
  });

  it('bounds the routes an authenticated check replayed from many addresses can open', async () => {
    const { clock, server, attacker } = await muxWorld(cleanup, 12);
    const mux = await UdpMux.bind({ net: server, clock, port: MUX_PORT + 1, maxRoutesPerAgent: 8 });
    cleanup.push(() => mux.close());
    const agent = new Agent(
      {
        net: server,
        clock,
        udpMux: mux,
        controlling: false,
        mdns: 'off',
        ufrag: 'vict',
        pwd: 'v'.repeat(22),
        maxPairs: 8,
      },
      () => {},
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    agent.setRemoteCredentials('peer', 'q'.repeat(22));
    // One captured check, replayed from 64 source ports: it passes MESSAGE-INTEGRITY each time.
    const captured = check('vict', 'peer', 'v'.repeat(22));
    const replay = async (port: number): Promise<UdpSocket> => {
      const s = await attacker.bindUdp({ port, onMessage: () => {} });
      cleanup.push(() => s.close());
      s.send(captured, MUX_PORT + 1, '203.0.113.1');
      return s;
    };
    const first = await replay(30_000);
    for (let i = 1; i < 64; i++) await replay(30_000 + i);
    await clock.advance(10);
    expect(mux.routeCounts.addresses).toBe(8);
    expect(mux.stats.dropped.routeLimit).toBe(56);
    expect(agent.getRemoteCandidates().length).toBeLessThanOrEqual(8);
    // 35 s on, during which only the first address kept sending: new addresses take the places
    // of the silent routes (routeIdleMs, 30 s), never that of the one in use.
    for (let t = 0; t < 7; t++) {
      first.send(Buffer.from([0x17, 0xfe, 0xfd, t]), MUX_PORT + 1, '203.0.113.1');
      await clock.advance(5000);
    }
    for (let i = 0; i < 8; i++) await replay(31_000 + i);
    await clock.advance(10);
    expect(mux.routeCounts.addresses).toBe(8);
    expect(mux.stats.dropped.routeLimit).toBe(57);
    const routed = mux.stats.routedByAddress;
    first.send(Buffer.from([0x17, 0xfe, 0xfd, 9]), MUX_PORT + 1, '203.0.113.1');
    await clock.advance(10);
    expect(mux.stats.routedByAddress).toBe(routed + 1);
  });

  it('measures the routing rate of the mux alone (no network): 1 000 000 bad datagrams', async () => {
    const { net, deliver } = stubNet();
    const clock = new VirtualClock();
    const mux = await UdpMux.bind({ net, clock, port: 9, address: '198.51.100.1' });
    cleanup.push(() => mux.close());
    const agent = new Agent(
      { net, clock, udpMux: mux, mdns: 'off', ufrag: 'vict', pwd: 'v'.repeat(22) },
      () => {},
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    const kinds = floodKinds('vict');
    const from: SocketAddress[] = [];
    for (let i = 0; i < 256; i++)
      from.push({ address: `203.0.113.${i}`, port: 1024 + i, family: 'IPv4' });
    const N = 1_000_000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) deliver(kinds[i % kinds.length]!, from[i & 255]!);
    const ms = performance.now() - t0;
    expect(mux.stats.datagramsReceived).toBe(N);
    expect(mux.routeCounts).toEqual({ agents: 1, addresses: 0, ufrags: 1, transactions: 0 });
    expect(agent.stats.datagramsReceived).toBe(0);
    // The good path: a known 5-tuple, routed to its agent (here a client that only counts).
    let delivered = 0;
    const conn = mux.connect({ receive: () => delivered++ });
    cleanup.push(async () => conn.close());
    conn.setCredentials([{ ufrag: 'good', pwd: 'g'.repeat(22) }]);
    const peer = { address: '192.0.2.7', port: 5000, family: 'IPv4' as const };
    deliver(check('good', 'peer', 'g'.repeat(22)), peer);
    const rtp = Buffer.concat([Buffer.from([0x80, 0x6f]), randomBytes(1198)]);
    const t1 = performance.now();
    for (let i = 0; i < N; i++) deliver(rtp, peer);
    const goodMs = performance.now() - t1;
    expect(delivered).toBe(N + 1);
    console.log(
      `mux alone, known 5-tuple: ${N} datagrams in ${goodMs.toFixed(0)} ms = ${Math.round((N / goodMs) * 1000)} datagrams/s (${((goodMs * 1000) / N).toFixed(3)} µs each)`,
    );
    console.log(
      `mux alone: ${N} bad datagrams in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)} datagrams/s (${((ms * 1000) / N).toFixed(2)} µs each; one in eight costs an HMAC-SHA1)`,
    );
  });

  it('routes a response only when it comes from where its request went', async () => {
    const { net, deliver, sent } = stubNet();
    const clock = new VirtualClock();
    const mux = await UdpMux.bind({ net, clock, port: 9, address: '198.51.100.1' });
    cleanup.push(() => mux.close());
    const agent = new Agent(
      { net, clock, udpMux: mux, mdns: 'off', iceServers: [{ urls: 'stun:192.0.2.50' }] },
      () => {},
    );
    cleanup.push(() => agent.close());
    const gathered = agent.gather();
    await clock.advance(1);
    // The server-reflexive query left from the mux socket; an attacker answers it first.
    const query = sent.find((d) => d.address === '192.0.2.50')!;
    expect(query).toBeDefined();
    expect(mux.routeCounts.transactions).toBe(1);
    const answer = new StunWriter(
      StunMethod.Binding,
      StunClass.SuccessResponse,
      query.data.subarray(8, 20),
    )
      .addXorAddress(StunAttr.XorMappedAddress, '203.0.113.200', 4444)
      .finish({ fingerprint: true });
    deliver(answer, { address: '203.0.113.66', port: 3478, family: 'IPv4' });
    deliver(answer, { address: '192.0.2.50', port: 9999, family: 'IPv4' });
    expect(mux.stats.dropped.noRoute).toBe(2);
    expect(mux.routeCounts.transactions).toBe(1);
    expect(agent.stats.datagramsReceived).toBe(0);
    // The server's own answer is routed, and makes the candidate.
    const real = new StunWriter(
      StunMethod.Binding,
      StunClass.SuccessResponse,
      query.data.subarray(8, 20),
    )
      .addXorAddress(StunAttr.XorMappedAddress, '203.0.113.9', 40_000)
      .finish({ fingerprint: true });
    deliver(real, { address: '192.0.2.50', port: 3478, family: 'IPv4' });
    await clock.runUntil(() => agent.gatheringState === 'complete', { timeoutMs: 5000 });
    await gathered;
    expect(mux.stats.routedByTransaction).toBe(1);
    expect(agent.getLocalCandidates().map((c) => `${c.type} ${c.address}:${c.port}`)).toEqual([
      'host 198.51.100.1:9',
      'srflx 203.0.113.9:40000',
    ]);
    expect(mux.routeCounts.transactions).toBe(0);
  });
});
