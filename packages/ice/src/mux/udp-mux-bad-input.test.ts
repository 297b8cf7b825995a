/**
 * Bad input on the shared port (issue 21, item 7), while three connections on the mux exchange
 * data the whole time: a million datagrams of checks for unknown ufrags, checks for a known
 * ufrag with a wrong MESSAGE-INTEGRITY, malformed STUN, random, DTLS- and RTP-looking bytes
 * from unknown 5-tuples, and the same sent from the 5-tuple of a connection's peer (the virtual
 * network lets the attacker put any source address on a datagram, as a network without source
 * address validation does). The mux's tables must not grow, nothing may be created without a
 * valid MESSAGE-INTEGRITY, every drop is counted by reason and logged at `NODE_DEBUG=x:ice`,
 * nothing throws, and the connections keep their selected pairs, their data and their consent.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Net, SocketAddress, UdpSocketStats } from '@x/transport';
import { Prng, VirtualClock, type VirtualHost, type VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import { CandidatePair } from '../candidate-pair.js';
import { type AgentStats, ConnectionState as S } from '../state.js';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { StunWriter } from '../stun/writer.js';
import { cleanupAfterEach } from '../testing-lan.js';
import type { Side } from '../testing-pair.js';
import { allCompleted, check, connectToMux, MUX_PORT, muxWorld } from './testing-mux.js';
import { UdpMux } from './udp-mux.js';

const cleanup = cleanupAfterEach();
const SERVER_IP = '203.0.113.1';
const log = debuglog('x:ice');

type Conn = { client: Side; server: Side };
type MuxReason = 'unknownUfrag' | 'badIntegrity' | 'malformed' | 'noRoute';
type AgentCounter = keyof AgentStats;

/**
 * One kind of bad input. `from` is where it claims to come from; `mux` the drop reason the mux
 * must count for it, or `victim` the counter of the agent it is routed to (by its 5-tuple),
 * and `reply` when that agent answers it (to the real peer, whose address was spoofed).
 */
interface Kind {
  readonly name: string;
  readonly mux?: MuxReason;
  readonly victim?: AgentCounter | 'data' | 'none';
  readonly reply?: boolean;
  /** A datagram for connection `k` (the target of a spoofed one, else only a variant). */
  make(k: number, i: number): { from: SocketAddress; data: Buffer };
}

/** `n` bytes from `prng`. */
function bytes(prng: Prng, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = prng.nextUint32() & 0xff;
  return b;
}

/**
 * Sends `data` to the mux with any source address: one datagram in `wanEvery` crosses the
 * attacker's link, the WAN router and the server's link (`VirtualNetwork` forwards a forged
 * source as a network without source address validation does); the others are handed to the
 * server host as its link delivers them (the same path into the mux's socket, without the
 * two link timers a datagram costs the virtual network).
 */
function spoofer(world: VirtualNetwork, attacker: VirtualHost, server: VirtualHost, wanEvery = 1) {
  const iface = attacker.hostInterfaces[0]!;
  let n = 0;
  return (from: SocketAddress, data: Buffer): void => {
    const packet = {
      protocol: 'udp' as const,
      family: 'IPv4' as const,
      src: from.address,
      srcPort: from.port,
      dst: SERVER_IP,
      dstPort: MUX_PORT,
      data,
    };
    if (n++ % wanEvery === 0) world.fromHost(iface, packet);
    else server.receive(server.hostInterfaces[0], packet);
  };
}

/** A pool of `n` variants, each datagram taken in turn. */
function pool(n: number, make: (j: number) => Buffer): (i: number) => Buffer {
  const list = Array.from({ length: n }, (_, j) => make(j));
  return (i) => list[i % n]!;
}

/**
 * Every kind of bad input against connections `conns` (their server agents are on the mux).
 * Sources of the unknown 5-tuples are spread over 65 536 addresses and 16 384 ports each, so
 * that any per-source state would show.
 */
function badKinds(conns: readonly Conn[], prng: Prng): Kind[] {
  const ufrag = (k: number) => conns[k]!.server.agent.localCredentials.ufrag;
  const pwd = (k: number) => conns[k]!.server.agent.localCredentials.pwd;
  const peer = (k: number): SocketAddress => {
    const r = conns[k]!.server.agent.selectedPair!.remote;
    return { address: r.address, port: r.port, family: 'IPv4' };
  };
  const unknown = (i: number): SocketAddress => ({
    address: `198.18.${(i >>> 8) & 255}.${i & 255}`,
    port: 1024 + ((i >>> 4) & 16_383),
    family: 'IPv4',
  });
  const n = conns.length;
  const per = (make: (k: number, j: number) => Buffer) => {
    const pools = conns.map((_, k) => pool(8, (j) => make(k, j)));
    return (k: number, i: number) => pools[k]!(i);
  };
  const wrongPwd = (j: number) => `${'w'.repeat(21)}${j}`;
  const truncated = (k: number, j: number) => {
    const c = check(ufrag(k), 'evil', pwd(k));
    return Buffer.from(c.subarray(0, c.length - 4 - (j % 4) * 4));
  };
  const badFingerprint = (k: number, j: number) => {
    const c = Buffer.from(check(ufrag(k), 'evil', pwd(k)));
    c[c.length - 1 - (j % 4)]! ^= 0x5a;
    return c;
  };
  const response = () =>
    new StunWriter(StunMethod.Binding, StunClass.SuccessResponse)
      .addXorAddress(StunAttr.XorMappedAddress, '198.51.100.9', 9)
      .finish({ fingerprint: true });
  const indication = () =>
    new StunWriter(StunMethod.Binding, StunClass.Indication).finish({ fingerprint: true });
  const noStun = (len: number) => {
    let b = bytes(prng, len);
    while (b.length >= 8 && b.readUInt32BE(4) === 0x2112a442) b = bytes(prng, len);
    return b;
  };
  const dtls = (j: number) =>
    Buffer.concat([Buffer.from([0x17, 0xfe, 0xfd, 0, 1]), bytes(prng, 40 + j * 16)]);
  const rtp = (j: number) => Buffer.concat([Buffer.from([0x80, 0x6f]), bytes(prng, 100 + j * 60)]);

  const u = (make: (k: number, j: number) => Buffer) => {
    const m = per(make);
    return (k: number, i: number) => ({ from: unknown(i), data: m(k, i) });
  };
  const s = (make: (k: number, j: number) => Buffer) => {
    const m = per(make);
    return (k: number, i: number) => ({ from: peer(k), data: m(k, i) });
  };
  return [
    // From unknown 5-tuples: the mux drops them all before any agent sees them.
    {
      name: 'check for an unknown ufrag (signed with its own password)',
      mux: 'unknownUfrag',
      make: u((_k, j) => check(`nobody${j}`, 'evil', 'e'.repeat(22))),
    },
    {
      name: "check for a connection's ufrag with a wrong password",
      mux: 'badIntegrity',
      make: u((k, j) => check(ufrag(k), 'evil', wrongPwd(j))),
    },
    {
      name: "check with a wrong password from the peer's address, another port",
      mux: 'badIntegrity',
      make: (k, i) => {
        const p = peer(k);
        return {
          from: { ...p, port: 1 + ((p.port + 1 + (i & 1023)) % 65_535) },
          data: check(ufrag((k + 1) % n), 'evil', wrongPwd(i & 7)),
        };
      },
    },
    { name: 'truncated STUN', mux: 'malformed', make: u(truncated) },
    { name: 'STUN with a bad FINGERPRINT', mux: 'malformed', make: u(badFingerprint) },
    {
      name: 'check without MESSAGE-INTEGRITY',
      mux: 'malformed',
      make: u((k) =>
        new StunWriter(StunMethod.Binding, StunClass.Request)
          .addString(StunAttr.Username, `${ufrag(k)}:evil`)
          .finish({ fingerprint: true }),
      ),
    },
    {
      name: 'check without USERNAME',
      mux: 'malformed',
      make: u((k) =>
        new StunWriter(StunMethod.Binding, StunClass.Request)
          .addUint32(StunAttr.Priority, 1)
          .finish({ integrity: pwd(k), fingerprint: true }),
      ),
    },
    { name: 'response to no request', mux: 'noRoute', make: u(response) },
    { name: 'Binding indication', mux: 'noRoute', make: u(indication) },
    { name: 'random bytes', mux: 'noRoute', make: u((_k, j) => noStun(20 + j * 37)) },
    { name: 'short datagram (0 to 19 bytes)', mux: 'noRoute', make: u((_k, j) => noStun(j * 2)) },
    { name: 'DTLS-looking bytes', mux: 'noRoute', make: u((_k, j) => dtls(j)) },
    { name: 'RTP-looking bytes', mux: 'noRoute', make: u((_k, j) => rtp(j)) },
    // From the 5-tuple of connection k's peer: routed to its agent (the mux cannot tell a forged
    // source address), which must drop what does not authenticate.
    {
      name: 'spoofed: DTLS-looking bytes',
      victim: 'data',
      make: s((_k, j) => dtls(j)),
    },
    { name: 'spoofed: RTP-looking bytes', victim: 'data', make: s((_k, j) => rtp(j)) },
    {
      name: "spoofed: check for the connection's ufrag with a wrong password",
      victim: 'badIntegrity',
      reply: true,
      make: s((k, j) => check(ufrag(k), 'evil', wrongPwd(j))),
    },
    {
      name: "spoofed: check for another connection's ufrag, wrong password",
      victim: 'badUsername',
      reply: true,
      make: s((k, j) => check(ufrag((k + 1) % n), 'evil', wrongPwd(j))),
    },
    {
      // What an on-path attacker could have captured: valid for the other agent, from the
      // wrong 5-tuple. Rule 1 (the 5-tuple) wins: the other agent never sees it.
      name: "spoofed: another connection's valid check, replayed",
      victim: 'badUsername',
      reply: true,
      make: s((k) => check(ufrag((k + 1) % n), 'evil', pwd((k + 1) % n))),
    },
    { name: 'spoofed: truncated STUN', victim: 'malformedStun', make: s(truncated) },
    { name: 'spoofed: bad FINGERPRINT', victim: 'badFingerprint', make: s(badFingerprint) },
    {
      name: 'spoofed: response to no request',
      victim: 'unknownTransaction',
      make: s(response),
    },
    { name: 'spoofed: Binding indication', victim: 'none', make: s(indication) },
    {
      name: 'spoofed: check with an unknown comprehension-required attribute',
      victim: 'unknownAttributes',
      reply: true,
      make: s((k) =>
        new StunWriter(StunMethod.Binding, StunClass.Request)
          .addString(StunAttr.Username, `${ufrag(k)}:evil`)
          .addBytes(0x7f31, Buffer.alloc(4))
          .finish({ integrity: 'x'.repeat(22), fingerprint: true }),
      ),
    },
  ];
}

/** Three connections to server agents on the mux of a fresh world (two direct, one NATed). */
async function threeConnections(seed: number) {
  const w = await muxWorld(cleanup, seed);
  const conns: Conn[] = [];
  for (const net of [w.direct, w.natted, w.direct]) {
    conns.push(
      await connectToMux({ clock: w.clock, netA: net, netB: w.server, mux: w.mux }, cleanup),
    );
  }
  await w.clock.runUntil(() => allCompleted(conns), { timeoutMs: 10_000 });
  expect(allCompleted(conns)).toBe(true);
  return { ...w, conns };
}

/**
 * Data both ways on every connection, and the check that each side receives every message of
 * its peer in order; anything else a side receives is counted (spoofed bytes on its 5-tuple).
 */
function traffic(conns: readonly Conn[]) {
  let round = 0;
  const next = conns.map(() => ({ client: 0, server: 0 }));
  const foreign = conns.map(() => ({ client: 0, server: 0 }));
  const missing: string[] = [];
  return {
    foreign,
    missing,
    get round() {
      return round;
    },
    send(): void {
      conns.forEach((c, k) => {
        c.client.agent.send(Buffer.from(`ok ${k} ${round}`));
        c.server.agent.send(Buffer.from(`ok ${k} ${round}`));
      });
      round++;
    },
    /** Reads what arrived (and lets it go: the heap figure must not count it). */
    drain(): void {
      conns.forEach((c, k) => {
        for (const side of ['client', 'server'] as const) {
          for (const d of c[side].received) {
            if (d.length > 3 && d.toString('latin1', 0, 3) === 'ok ') {
              const [kk, r] = d.toString('latin1', 3).split(' ').map(Number);
              if (kk !== k || r !== next[k]![side])
                missing.push(`${side} ${k} expected ${next[k]![side]}, got ${kk} ${r}`);
              next[k]![side] = r! + 1;
            } else {
              foreign[k]![side]++;
            }
          }
          c[side].received.length = 0;
        }
      });
    },
    delivered(): { client: number; server: number }[] {
      return next;
    },
  };
}

/** `global.gc`, without `--expose-gc` on the command line. */
function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * A `Net` with one socket whose datagram handler the test calls itself: the mux's own cost,
 * without a network. What is sent is counted.
 */
function stubNet(address: string): {
  net: Net;
  deliver: (data: Buffer, from: SocketAddress) => void;
  sent: { n: number; bytes: number };
} {
  let handler: ((data: Buffer, from: SocketAddress) => void) | undefined;
  const sent = { n: 0, bytes: 0 };
  const stats: UdpSocketStats = {
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
        localAddress: { address, port: o.port ?? 0, family: 'IPv4' as const },
        get closed() {
          return closed;
        },
        stats,
        send: (data: Uint8Array) => {
          sent.n++;
          sent.bytes += data.length;
        },
        addMembership: () => {},
        dropMembership: () => {},
        close: () => {
          closed = true;
          return Promise.resolve();
        },
      });
    },
    connectTcp: () => Promise.reject(new Error('no TCP here')),
    listenTcp: () => Promise.reject(new Error('no TCP here')),
  };
  return { net, deliver: (data, from) => handler?.(data, from), sent };
}

/** A mux on a stub `Net` with one agent (ufrag `vict`) and its peer's 5-tuple routed to it. */
async function muxAlone(clock: VirtualClock) {
  const stub = stubNet('198.51.100.1');
  const mux = await UdpMux.bind({ net: stub.net, clock, port: 9, address: '198.51.100.1' });
  cleanup.push(() => mux.close());
  const pwd = 'v'.repeat(22);
  const agent = new Agent(
    { net: stub.net, clock, udpMux: mux, mdns: 'off', controlling: false, ufrag: 'vict', pwd },
    () => {},
  );
  cleanup.push(() => agent.close());
  await agent.gather();
  agent.setRemoteCredentials('peer', 'p'.repeat(22));
  const peer: SocketAddress = { address: '192.0.2.7', port: 5000, family: 'IPv4' };
  stub.deliver(check('vict', 'peer', pwd), peer);
  expect(mux.routeCounts.addresses).toBe(1);
  return { ...stub, mux, agent, pwd, peer };
}

/** One datagram of each kind the mux drops, with the debug line each must produce. */
function oneOfEach(pwd: string) {
  const from = (i: number): SocketAddress => ({
    address: `198.18.0.${i}`,
    port: 4000 + i,
    family: 'IPv4',
  });
  const c = check('vict', 'evil', 'w'.repeat(22));
  return [
    { text: 'mux: unknown ufrag from 198.18.0.1:4001', data: check('nobody', 'evil', pwd) },
    { text: 'mux: bad MESSAGE-INTEGRITY from 198.18.0.2:4002', data: c },
    { text: 'mux: malformed STUN from 198.18.0.3:4003', data: c.subarray(0, c.length - 4) },
    {
      text: 'mux: check without USERNAME from 198.18.0.4:4004',
      data: new StunWriter(StunMethod.Binding, StunClass.Request).finish({ integrity: pwd }),
    },
    {
      text: 'mux: response to no request from 198.18.0.5:4005',
      data: new StunWriter(StunMethod.Binding, StunClass.SuccessResponse).finish(),
    },
    {
      text: 'mux: unroutable STUN from 198.18.0.6:4006',
      data: new StunWriter(StunMethod.Binding, StunClass.Indication).finish(),
    },
    { text: 'mux: no route for 40 bytes from 198.18.0.7:4007', data: Buffer.alloc(40, 0x17) },
  ].map((e, i) => ({ ...e, from: from(i + 1) }));
}

describe('UdpMux: bad input on the shared port', () => {
  it('drops 1 000 000 bad datagrams over 30 s while three connections keep their pairs, data and consent', async () => {
    const { clock, world, attacker, server, mux, conns } = await threeConnections(21);
    const send = spoofer(world, attacker, server, 16);
    const kinds = badKinds(conns, new Prng(7));
    const agents = conns.flatMap((c) => [c.client, c.server]);
    const selected = agents.map((s) => s.agent.selectedPair);
    const states = agents.map((s) => s.states.length);
    const selectedChanges = agents.map((s) => s.selected.length);
    const shape = (a: Agent) => [
      a.getLocalCandidates().length,
      a.getRemoteCandidates().length,
      a.getPairs().length,
    ];
    const shapes = agents.map((s) => shape(s.agent));
    const routes = mux.routeCounts;
    const muxBefore = structuredClone(mux.stats);
    const statsBefore = agents.map((s) => ({ ...s.agent.stats }));
    const consentBefore = agents.map((s) => s.agent.selectedPair!.stun.responsesReceived);
    for (const s of selected) expect(s).toBeInstanceOf(CandidatePair);

    const collect = gc();
    const t = traffic(conns);
    collect();
    const heapBefore = process.memoryUsage().heapUsed;

    const N = 1_000_000;
    const STEPS = 3000;
    const STEP_MS = 10;
    const count = new Map<Kind, number[]>(kinds.map((k) => [k, conns.map(() => 0)]));
    let i = 0;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    for (let step = 0; step < STEPS; step++) {
      const end = Math.floor(((step + 1) * N) / STEPS);
      for (; i < end; i++) {
        const kind = kinds[i % kinds.length]!;
        const k = Math.floor(i / kinds.length) % conns.length;
        const { from, data } = kind.make(k, i);
        send(from, data);
        count.get(kind)![k]!++;
      }
      t.send();
      await clock.advance(STEP_MS);
      t.drain();
    }
    await clock.advance(100);
    t.drain();
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    collect();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

    // Every datagram of the flood reached the mux.
    const floodTotal = [...count.values()].flat().reduce((a, b) => a + b, 0);
    expect(floodTotal).toBe(N);
    // What came from unknown 5-tuples was dropped by the mux, counted by reason.
    const expected = { unknownUfrag: 0, badIntegrity: 0, malformed: 0, noRoute: 0, routeLimit: 0 };
    for (const [kind, n] of count) if (kind.mux) expected[kind.mux] += n.reduce((a, b) => a + b);
    const d = mux.stats.dropped;
    const b = muxBefore.dropped;
    expect({
      unknownUfrag: d.unknownUfrag - b.unknownUfrag,
      badIntegrity: d.badIntegrity - b.badIntegrity,
      malformed: d.malformed - b.malformed,
      noRoute: d.noRoute - b.noRoute,
      routeLimit: d.routeLimit - b.routeLimit,
    }).toEqual(expected);
    // Nothing was created: no route, ufrag or transaction, no candidate or pair, no check routed
    // by ufrag (a route is only opened by an authenticated check).
    expect(mux.routeCounts).toEqual(routes);
    expect(mux.stats.routedByUfrag).toBe(muxBefore.routedByUfrag);
    expect(agents.map((s) => shape(s.agent))).toEqual(shapes);
    // What came from a peer's 5-tuple went to that connection's agent only, which dropped it,
    // counted by reason (and answered the requests, as RFC 8489 §6.3 asks, to the real peer).
    conns.forEach((c, k) => {
      const server = c.server.agent.stats;
      const before = statsBefore[2 * k + 1]!;
      const sum = (f: (kind: Kind) => boolean) =>
        kinds.filter(f).reduce((a, kind) => a + count.get(kind)![k]!, 0);
      for (const counter of [
        'badIntegrity',
        'badUsername',
        'malformedStun',
        'badFingerprint',
        'unknownTransaction',
        'unknownAttributes',
      ] as const) {
        expect({ k, counter, n: server[counter] - before[counter] }).toEqual({
          k,
          counter,
          n: sum((kind) => kind.victim === counter),
        });
      }
      // Spoofed non-STUN bytes on the selected 5-tuple are data to ICE (RFC 8445 does not
      // authenticate data: DTLS and SRTP do, above it): delivered, and nothing else was.
      expect(t.foreign[k]).toEqual({ client: 0, server: sum((kind) => kind.victim === 'data') });
      // The answers to spoofed requests reached the real peer, which dropped them.
      const client = c.client.agent.stats;
      const cb = statsBefore[2 * k]!;
      expect(client.unknownTransaction - cb.unknownTransaction).toBe(sum((kind) => !!kind.reply));
      expect(client.badIntegrity + client.malformedStun - cb.badIntegrity - cb.malformedStun).toBe(
        0,
      );
    });
    // The other agents never saw a datagram meant for another connection: every routed bad
    // datagram is counted above, on its own connection's agent.
    // The connections were undisturbed: every message arrived, in order, both ways; no state
    // or selected pair changed; consent was refreshed all along (every 4–6 s, RFC 7675).
    expect(t.missing).toEqual([]);
    expect(t.delivered()).toEqual(conns.map(() => ({ client: STEPS, server: STEPS })));
    agents.forEach((s, j) => {
      expect(s.agent.selectedPair).toBe(selected[j]);
    });
    expect(agents.map((s) => s.states.length)).toEqual(states);
    expect(agents.map((s) => s.selected.length)).toEqual(selectedChanges);
    expect(agents.map((s) => s.agent.state)).toEqual(agents.map(() => S.Completed));
    const seconds = (STEPS * STEP_MS) / 1000;
    agents.forEach((s, j) => {
      const pair = s.agent.selectedPair as CandidatePair;
      // At most 1.2 × 5000 ms apart: at least 4 answered consent requests in 30 s.
      expect(pair.stun.responsesReceived - consentBefore[j]!).toBeGreaterThanOrEqual(
        Math.floor((seconds * 1000) / 6000) - 1,
      );
      expect(clock.now() - pair.lastConsentAt).toBeLessThan(6100);
      expect(s.agent.stats.handlerErrors).toBe(0);
    });
    // Memory: the tables are as they were (above); the heap grew by less than 4 bytes a datagram.
    expect(heapGrowth).toBeLessThan(4 * N);
    console.log(
      `mux bad input: ${N} datagrams (${kinds.length} kinds) and ${t.round * 6} messages over ${seconds} s of virtual time in ${elapsed.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${Math.round((N / elapsed) * 1000)} datagrams/s, virtual network included); mux drops ${JSON.stringify(expected)}; heap ${(heapGrowth / 1024).toFixed(0)} KiB after vs before; tables ${JSON.stringify(mux.routeCounts)}`,
    );
  }, 120_000);

  it("cannot keep a vanished peer's consent alive by sending from its 5-tuple", async () => {
    const { clock, world, attacker, server, conns } = await threeConnections(22);
    const send = spoofer(world, attacker, server);
    const victim = conns[0]!;
    const others = conns.slice(1);
    const from = victim.server.agent.selectedPair!.remote;
    const peer: SocketAddress = { address: from.address, port: from.port, family: 'IPv4' };
    const t = traffic(others);
    const ufrag = victim.server.agent.localCredentials.ufrag;
    // The peer goes away without a word; from then on the attacker sends in its name, every
    // 10 ms: DTLS-looking bytes, a keepalive and a check with a wrong password.
    await victim.client.agent.close();
    const gone = clock.now();
    const prng = new Prng(3);
    while (victim.server.agent.state !== S.Failed && clock.now() - gone < 20_000) {
      send(peer, Buffer.concat([Buffer.from([0x17, 0xfe, 0xfd]), bytes(prng, 50)]));
      send(
        peer,
        new StunWriter(StunMethod.Binding, StunClass.Indication).finish({ fingerprint: true }),
      );
      send(peer, check(ufrag, 'evil', 'w'.repeat(22)));
      t.send();
      await clock.advance(10);
      t.drain();
    }
    // Consent rests on authenticated answers alone (RFC 7675 §5.1): it expired after
    // `failedAfterMs` (12 s) however much arrived from the peer's address. Arriving bytes do
    // hold off `disconnected` (RFC 8445 does not authenticate data): the agent went from
    // completed to failed directly.
    const failedAt = clock.now() - gone;
    expect(victim.server.agent.state).toBe(S.Failed);
    expect(failedAt).toBeGreaterThanOrEqual(12_000);
    expect(failedAt).toBeLessThan(12_000 + 1000);
    expect(victim.server.states.at(-1)!.cause).toMatchObject({ kind: 'consent-expired' });
    expect(victim.server.states.map((x) => x.state)).not.toContain(S.Disconnected);
    // The other connections did not notice.
    expect(t.missing).toEqual([]);
    expect(t.delivered()).toEqual(others.map(() => ({ client: t.round, server: t.round })));
    expect(t.foreign).toEqual(others.map(() => ({ client: 0, server: 0 })));
    for (const c of others)
      expect([c.client.agent.state, c.server.agent.state]).toEqual([S.Completed, S.Completed]);
  });

  it('survives 100 000 fuzzed STUN messages from unknown and spoofed 5-tuples without creating anything', async () => {
    const { clock, world, attacker, server, mux, conns } = await threeConnections(23);
    const send = spoofer(world, attacker, server, 8);
    const prng = new Prng(11);
    const agents = conns.flatMap((c) => [c.client, c.server]);
    const shape = () =>
      agents.map((s) => [
        s.agent.getLocalCandidates().length,
        s.agent.getRemoteCandidates().length,
        s.agent.getPairs().length,
      ]);
    const before = shape();
    const routes = mux.routeCounts;
    const routedByUfrag = mux.stats.routedByUfrag;
    const states = agents.map((s) => s.states.length);
    const creds = conns.map((c) => c.server.agent.localCredentials);
    const peers = conns.map((c) => {
      const r = c.server.agent.selectedPair!.remote;
      return { address: r.address, port: r.port, family: 'IPv4' as const };
    });
    const rand = (n: number) => prng.nextUint32() % n;
    /** A check that cannot authenticate (wrong password), or a valid one of connection k. */
    const base = (k: number, valid: boolean) =>
      new StunWriter(StunMethod.Binding, StunClass.Request)
        .addString(StunAttr.Username, `${creds[k]!.ufrag}:evil`)
        .addUint32(StunAttr.Priority, prng.nextUint32())
        .addUint64(StunAttr.IceControlling, 1n)
        .addFlag(StunAttr.UseCandidate)
        .finish({ integrity: valid ? creds[k]!.pwd : 'w'.repeat(22), fingerprint: true });
    /** Random attributes after a STUN header: types near the known ones, any length. */
    const structured = (k: number) => {
      const parts: Buffer[] = [];
      for (let a = rand(6); a >= 0; a--) {
        const type = [
          0x0006,
          0x0008,
          0x8028,
          0x0024,
          0x8029,
          0x802a,
          0x0025,
          0x001c,
          rand(0x10000),
        ][rand(9)]!;
        const len = [0, 4, 8, 20, 32, rand(600)][rand(6)]!;
        const value =
          type === 0x0006 ? Buffer.from(`${creds[k]!.ufrag}:${'e'.repeat(len)}`) : bytes(prng, len);
        const h = Buffer.alloc(4);
        h.writeUInt16BE(type, 0);
        h.writeUInt16BE(rand(4) === 0 ? rand(0x10000) : value.length, 2);
        parts.push(h, value, Buffer.alloc(rand(4) === 0 ? rand(4) : (4 - (value.length % 4)) % 4));
      }
      const body = Buffer.concat(parts);
      const head = Buffer.alloc(20);
      head.writeUInt16BE(
        rand(2) === 0 ? [0x0001, 0x0101, 0x0111, 0x0011][rand(4)]! : rand(0x4000),
        0,
      );
      head.writeUInt16BE(rand(4) === 0 ? rand(0x10000) : body.length, 2);
      head.writeUInt32BE(0x2112a442, 4);
      bytes(prng, 12).copy(head, 8);
      return Buffer.concat([head, body]);
    };
    const mutate = (m: Buffer) => {
      const out = Buffer.from(m);
      for (let f = 1 + rand(4); f > 0; f--) out[rand(out.length)]! ^= 1 << rand(8);
      return rand(3) === 0 ? out.subarray(0, rand(out.length + 1)) : out;
    };
    const t = traffic(conns);
    const N = 100_000;
    let spoofedValid = 0;
    for (let i = 0; i < N; ) {
      for (const end = i + 200; i < end; i++) {
        const k = i % conns.length;
        const spoofed = (i & 1) === 1;
        const from: SocketAddress = spoofed
          ? peers[k]!
          : { address: `198.18.${rand(256)}.${rand(256)}`, port: 1 + rand(65_535), family: 'IPv4' };
        // From a peer's 5-tuple, even a valid check of that connection may come (a replay).
        const valid = spoofed && rand(4) === 0;
        if (valid) spoofedValid++;
        send(from, rand(2) === 0 ? mutate(base(k, valid)) : structured(k));
      }
      t.send();
      await clock.advance(10);
      t.drain();
    }
    await clock.advance(100);
    t.drain();
    expect(spoofedValid).toBeGreaterThan(N / 20);
    // Nothing threw (a throw in a datagram handler fails `advance`), and nothing was created.
    expect(mux.stats.routedByUfrag).toBe(routedByUfrag);
    expect(mux.routeCounts).toEqual(routes);
    expect(shape()).toEqual(before);
    expect(agents.map((s) => s.states.length)).toEqual(states);
    expect(agents.map((s) => s.agent.stats.handlerErrors)).toEqual(agents.map(() => 0));
    expect(t.missing).toEqual([]);
    expect(t.delivered()).toEqual(conns.map(() => ({ client: t.round, server: t.round })));
    const d = mux.stats.dropped;
    console.log(
      `fuzz: ${N} STUN-looking datagrams; mux drops ${JSON.stringify(d)}; server agents ${JSON.stringify(
        conns.map((c) => {
          const st = c.server.agent.stats;
          return [
            st.malformedStun,
            st.badFingerprint,
            st.badIntegrity,
            st.badUsername,
            st.unknownAttributes,
            st.unknownTransaction,
            st.checksReceived,
          ];
        }),
      )} (malformed, fingerprint, integrity, username, 420, unknown transaction, checks)`,
    );
  }, 60_000);

  it('logs every drop at NODE_DEBUG=x:ice, one line a datagram', async () => {
    if (!log.enabled) {
      // debuglog reads NODE_DEBUG when the process starts: run this test in a child that has it.
      const file = fileURLToPath(import.meta.url);
      const vitest = fileURLToPath(
        new URL('../../../../node_modules/vitest/vitest.mjs', import.meta.url),
      );
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_DEBUG: 'x:ice',
      };
      const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const child = spawn(process.execPath, [vitest, 'run', file, '-t', 'logs every drop'], {
          cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        child.stdout.on('data', (b: Buffer) => {
          text += b.toString();
        });
        child.stderr.on('data', (b: Buffer) => {
          text += b.toString();
        });
        child.on('close', (code) => resolve({ code, text }));
      });
      expect(out.text).toContain('x:ice drop lines:');
      expect(out.code, out.text.slice(-3000)).toBe(0);
      return;
    }
    const clock = new VirtualClock();
    const { deliver, mux, agent, pwd, peer } = await muxAlone(clock);
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(chunk.toString());
      return true;
    }) as typeof process.stderr.write;
    const kinds = oneOfEach(pwd);
    const dropped = { ...mux.stats.dropped };
    try {
      for (const k of kinds) for (let r = 0; r < 3; r++) deliver(k.data, k.from);
      // From the peer's 5-tuple: the agent's own drop.
      deliver(check('vict', 'peer', 'w'.repeat(22)), peer);
    } finally {
      process.stderr.write = write;
    }
    for (const k of kinds) expect(lines.filter((l) => l.includes(k.text)).length, k.text).toBe(3);
    const agentLine = lines.filter((l) =>
      l.includes(`refused a check from ${peer.address}:${peer.port}: bad-integrity`),
    );
    expect(agentLine.length).toBe(1);
    const d = mux.stats.dropped;
    expect(d.unknownUfrag - dropped.unknownUfrag).toBe(3);
    expect(d.badIntegrity - dropped.badIntegrity).toBe(3);
    expect(d.malformed - dropped.malformed).toBe(6);
    expect(d.noRoute - dropped.noRoute).toBe(9);
    expect(agent.stats.badIntegrity).toBe(1);
    console.log(`x:ice drop lines: ${JSON.stringify(lines.map((l) => l.trim()))}`);
  }, 60_000);

  // Writing a debug line per datagram would be what this measures.
  it.skipIf(log.enabled)(
    'measures what a drop costs the mux on one core, by kind',
    async () => {
      const clock = new VirtualClock();
      const { deliver, mux, agent, pwd, peer, sent } = await muxAlone(clock);
      const from: SocketAddress[] = Array.from({ length: 256 }, (_, i) => ({
        address: `203.0.113.${i}`,
        port: 1024 + i,
        family: 'IPv4' as const,
      }));
      const wrong = check('vict', 'evil', 'w'.repeat(22));
      const cases: {
        name: string;
        data: Buffer;
        n: number;
        spoofed?: boolean;
        counter: () => number;
      }[] = [
        {
          name: 'random bytes (first-byte test)',
          data: randomBytes(100),
          n: 1_000_000,
          counter: () => mux.stats.dropped.noRoute,
        },
        {
          name: 'check for an unknown ufrag (decode, FINGERPRINT, lookup)',
          data: check('nobody', 'evil', pwd),
          n: 200_000,
          counter: () => mux.stats.dropped.unknownUfrag,
        },
        {
          name: 'check for a known ufrag, wrong password (+ HMAC-SHA1)',
          data: wrong,
          n: 100_000,
          counter: () => mux.stats.dropped.badIntegrity,
        },
        {
          name: 'the same from a routed 5-tuple (the agent answers 401)',
          data: wrong,
          n: 50_000,
          spoofed: true,
          counter: () => agent.stats.badIntegrity,
        },
      ];
      const rates: string[] = [];
      for (const c of cases) {
        const counted = c.counter();
        const t0 = performance.now();
        if (c.spoofed) for (let i = 0; i < c.n; i++) deliver(c.data, peer);
        else for (let i = 0; i < c.n; i++) deliver(c.data, from[i & 255]!);
        const ms = performance.now() - t0;
        expect(c.counter() - counted).toBe(c.n);
        const rate = (c.n / ms) * 1000;
        // Floors several times below the slowest run seen on this busy machine: they catch a
        // change of complexity, not noise.
        expect(rate).toBeGreaterThan(c.spoofed ? 10_000 : 25_000);
        rates.push(`${c.name}: ${Math.round(rate)}/s (${((ms * 1000) / c.n).toFixed(2)} µs)`);
      }
      expect(mux.routeCounts).toEqual({ agents: 1, addresses: 1, ufrags: 1, transactions: 0 });
      expect(sent.n).toBeGreaterThanOrEqual(50_000);
      console.log(`mux drop cost on one core: ${rates.join('; ')}`);
    },
    60_000,
  );
});
