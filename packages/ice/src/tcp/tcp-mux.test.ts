/**
 * Passive ICE-TCP on the virtual network: a server agent on a `TcpMux` and clients whose only
 * path is a TCP connection to it (see testing-tcp.ts): connecting, data both ways, consent
 * over the stream, what closes a connection (either agent, a failed pair), and what a
 * connection that sends anything else gets (closed and counted, never thrown).
 */
import type { TcpSocket } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import { parseCandidate, serializeCandidate } from '../candidate.js';
import { PairState } from '../candidate-pair.js';
import { IceConfigError } from '../errors.js';
import { check } from '../mux/testing-mux.js';
import { tcpCandidatePriority } from '../priority.js';
import { ConnectionState as S } from '../state.js';
import { cleanupAfterEach } from '../testing-lan.js';
import { encodeFrame } from './framing.js';
import { TcpMux } from './tcp-mux.js';
import { connectOverTcp, settle, type TcpPair } from './testing-tcp.js';

const cleanup = cleanupAfterEach();
const PORT = 443;
const SERVER = '203.0.113.1';

async function world(options: Partial<Parameters<typeof TcpMux.listen>[0]> = {}) {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: 11 });
  cleanup.push(() => net.close());
  const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const home = net.addRouter({
    name: 'home',
    cidr: '192.168.1.0/24',
    parent: wan,
    publicIp: '203.0.113.100',
    nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  });
  const server = net.addHost({ name: 'server', router: wan, ip: SERVER });
  const direct = net.addHost({ name: 'direct', router: wan, ip: '203.0.113.2' });
  const natted = net.addHost({ name: 'natted', router: home });
  const attacker = net.addHost({ name: 'attacker', router: wan, ip: '203.0.113.66' });
  const mux = await TcpMux.listen({ net: server, clock, port: PORT, ...options });
  cleanup.push(() => mux.close());
  return { clock, net, wan, server, direct, natted, attacker, mux };
}

async function pairOver(
  w: Awaited<ReturnType<typeof world>>,
  clientNet = w.direct,
  server: Parameters<typeof connectOverTcp>[0]['server'] = {},
): Promise<TcpPair> {
  const p = await connectOverTcp({
    clock: w.clock,
    clientNet,
    serverNet: w.server,
    mux: w.mux,
    server,
  });
  cleanup.push(async () => {
    await p.client.agent.close();
    await p.server.agent.close();
  });
  return p;
}

const completed = (p: TcpPair) =>
  p.client.agent.state === S.Completed && p.server.agent.state === S.Completed;

/** A raw TCP connection from `net` to the mux, recording whether it was closed. */
async function raw(clock: VirtualClock, net: Parameters<typeof connectOverTcp>[0]['clientNet']) {
  const state = { closed: false, received: 0 };
  const socket: TcpSocket = await settle(
    clock,
    net.connectTcp(
      { host: SERVER, port: PORT },
      {
        onData: (d) => {
          state.received += d.length;
        },
        onClose: () => {
          state.closed = true;
        },
      },
    ),
  );
  cleanup.push(() => socket.close());
  return { socket, state };
}

describe('TcpMux: passive ICE-TCP', () => {
  it('offers a passive TCP host candidate (RFC 6544 §4.5) below the UDP ones, beside them', async () => {
    const w = await world();
    const agent = new Agent(
      { net: w.server, clock: w.clock, tcpMux: w.mux, mdns: 'off' },
      () => {},
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    const [udp, tcp] = agent.getLocalCandidates();
    expect(udp).toMatchObject({ transport: 'udp', address: SERVER, type: 'host' });
    expect(tcp).toMatchObject({
      transport: 'tcp',
      address: SERVER,
      port: PORT,
      type: 'host',
      tcpType: 'passive',
    });
    // 2^24·90 + 2^8·(2^13·4 + other-pref) + 255; other-pref is the address preference in 13 bits.
    expect(tcp!.priority >>> 24).toBe(90);
    expect((tcp!.priority >>> 8) & 0xffff).toBe(4 * 8192 + (0xffff >>> 3) - 0);
    expect(tcp!.priority).toBe(tcpCandidatePriority('host', 'passive', 0xffff));
    expect(tcp!.priority).toBeLessThan(udp!.priority);
    expect(tcp!.foundation).not.toBe(udp!.foundation);
    expect(serializeCandidate(tcp!)).toMatch(
      / tcp \d+ 203\.0\.113\.1 443 typ host tcptype passive$/,
    );
    // A browser's active candidate (port 9) and passive/so ones: taken without error, no pair.
    agent.setRemoteCredentials('peer', 'q'.repeat(22));
    for (const t of ['active', 'passive', 'so'])
      agent.addRemoteCandidate(`candidate:1 1 tcp 1518280447 203.0.113.2 9 typ host tcptype ${t}`);
    expect(agent.getPairs()).toEqual([]);
    expect(parseCandidate(serializeCandidate(tcp!))).toEqual(tcp);
  });

  it('connects a client over TCP only: checks, nomination, data both ways, one connection per pair', async () => {
    const w = await world();
    const p = await pairOver(w);
    await w.clock.runUntil(() => completed(p), { timeoutMs: 10_000 });
    expect(completed(p)).toBe(true);
    const sel = p.server.agent.selectedPair!;
    expect(sel.local).toMatchObject({ transport: 'tcp', tcpType: 'passive', port: PORT });
    // The client's real port is learned from the connection (RFC 6544 §7.2).
    expect(sel.remote).toMatchObject({
      transport: 'tcp',
      tcpType: 'active',
      type: 'prflx',
      address: '203.0.113.2',
      port: p.connection.localAddress.port,
    });
    expect(p.server.agent.getPairs().length).toBe(1);
    for (let i = 0; i < 5; i++) {
      expect(p.client.agent.send(Buffer.from(`up ${i}`))).toBe(true);
      expect(p.server.agent.send(Buffer.from(`down ${i}`))).toBe(true);
    }
    // A datagram as large as a frame can be.
    expect(p.server.agent.send(Buffer.alloc(65_535, 1))).toBe(true);
    await w.clock.advance(50);
    expect(p.server.received.map(String)).toEqual(['up 0', 'up 1', 'up 2', 'up 3', 'up 4']);
    expect(p.client.received.slice(0, 5).map(String)).toEqual([
      'down 0',
      'down 1',
      'down 2',
      'down 3',
      'down 4',
    ]);
    expect(p.client.received[5]!.length).toBe(65_535);
    // One above the 16-bit length: refused, never thrown.
    expect(p.server.agent.send(Buffer.alloc(65_536))).toBe(false);
    expect(w.mux.stats).toMatchObject({ connectionsAccepted: 1, connectionsRouted: 1 });
    expect(w.mux.connectionCounts).toEqual({ pending: 0, routed: 1, agents: 1 });
  });

  it('connects a client behind a NAT, and 10 clients on one port each to its own agent', async () => {
    const w = await world();
    const pairs: TcpPair[] = [];
    for (let i = 0; i < 10; i++) pairs.push(await pairOver(w, i % 2 === 0 ? w.direct : w.natted));
    await w.clock.runUntil(() => pairs.every(completed), { timeoutMs: 10_000 });
    expect(pairs.every(completed)).toBe(true);
    pairs.forEach((p, i) => {
      p.client.agent.send(Buffer.from(`c${i}`));
      p.server.agent.send(Buffer.from(`s${i}`));
    });
    await w.clock.advance(50);
    pairs.forEach((p, i) => {
      expect(p.server.received.map(String)).toEqual([`c${i}`]);
      expect(p.client.received.map(String)).toEqual([`s${i}`]);
    });
    expect(pairs[1]!.server.agent.selectedPair!.remote.address).toBe('203.0.113.100');
    expect(w.mux.connectionCounts).toEqual({ pending: 0, routed: 10, agents: 10 });
  });

  it('keeps consent over the connection, and a dead path fails the pair and closes the connection', async () => {
    const w = await world();
    const p = await pairOver(w);
    await w.clock.runUntil(() => completed(p), { timeoutMs: 10_000 });
    await w.clock.advance(30_000);
    expect(p.server.agent.state).toBe(S.Completed);
    expect(p.client.agent.state).toBe(S.Completed);
    const stun = p.server.agent.selectedPair!.stun;
    // One consent request at most 6 s apart (5 s × 0.8–1.2, RFC 7675 §5.1), more only when
    // nothing was heard for 1.2 s or more; each answered over the stream.
    expect(stun.consentRequestsSent).toBeGreaterThanOrEqual(30 / 6 - 1);
    expect(stun.consentRequestsSent).toBeLessThan(30 / 1.2);
    expect(stun.responsesReceived).toBeGreaterThanOrEqual(stun.consentRequestsSent - 1);
    // The client's link goes dark: the server loses consent, the pair fails, the connection closes.
    w.direct.link.partition();
    await w.clock.runUntil(() => p.server.agent.state === S.Failed, { timeoutMs: 20_000 });
    const kinds = p.server.states.map((s) => s.cause.kind);
    expect(kinds.slice(-2)).toEqual(['no-packets', 'consent-expired']);
    expect(p.server.agent.getPairs()[0]!.state).toBe(PairState.Failed);
    expect(w.mux.connectionCounts.routed).toBe(0);
  });

  it('closes the connection when the server agent closes, and fails the pair when the client closes', async () => {
    const w = await world();
    const a = await pairOver(w);
    const b = await pairOver(w);
    await w.clock.runUntil(() => completed(a) && completed(b), { timeoutMs: 10_000 });
    expect(w.mux.connectionCounts.routed).toBe(2);
    // The server side closes: its connection goes, the client's socket sees the end.
    await a.server.agent.close();
    await w.clock.advance(100);
    expect(a.connection.closed).toBe(true);
    expect(w.mux.connectionCounts).toEqual({ pending: 0, routed: 1, agents: 1 });
    // The client closes: the server's pair on that connection fails at once.
    await b.client.agent.close();
    await w.clock.advance(100);
    expect(w.mux.connectionCounts.routed).toBe(0);
    expect(b.server.agent.getPairs()[0]!.state).toBe(PairState.Failed);
    // The other agent's ufrag is still routed: a new client reaches it.
    await b.server.agent.close();
    const c = await pairOver(w);
    await w.clock.runUntil(() => completed(c), { timeoutMs: 10_000 });
    expect(completed(c)).toBe(true);
  });

  it('closes and counts connections that send anything but an authenticated check first, and never throws', async () => {
    const w = await world({ firstFrameTimeoutMs: 2000 });
    const agent = new Agent(
      {
        net: w.server,
        clock: w.clock,
        tcpMux: w.mux,
        controlling: false,
        mdns: 'off',
        ufrag: 'srv1',
        pwd: 'p'.repeat(22),
      },
      () => {},
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    agent.setRemoteCredentials('peer', 'q'.repeat(22));
    const garbage = await raw(w.clock, w.attacker);
    garbage.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const huge = await raw(w.clock, w.attacker);
    huge.socket.write(encodeFrame(Buffer.alloc(65_535, 0x17)));
    const stranger = await raw(w.clock, w.attacker);
    stranger.socket.write(encodeFrame(check('nobody', 'peer', 'q'.repeat(22))));
    const forger = await raw(w.clock, w.attacker);
    forger.socket.write(encodeFrame(check('srv1', 'peer', 'w'.repeat(22))));
    const silent = await raw(w.clock, w.attacker);
    const stalled = await raw(w.clock, w.attacker);
    stalled.socket.write(Buffer.from([0x01, 0x00, 0, 1, 2])); // 256 bytes announced, 3 sent
    const empty = await raw(w.clock, w.attacker);
    empty.socket.write(Buffer.from([0, 0, 0, 0]));
    await w.clock.advance(100);
    // 'GET ' is read as a 18 245-byte frame: it never completes, like `stalled`.
    for (const c of [huge, stranger, forger]) expect(c.state.closed).toBe(true);
    for (const c of [garbage, silent, stalled, empty]) expect(c.state.closed).toBe(false);
    await w.clock.advance(2000);
    for (const c of [garbage, silent, stalled, empty]) expect(c.state.closed).toBe(true);
    expect(w.mux.stats.dropped).toEqual({
      malformed: 1,
      unknownUfrag: 1,
      badIntegrity: 1,
      timeout: 4,
      pendingLimit: 0,
      connectionLimit: 0,
    });
    expect(w.mux.stats.emptyFrames).toBe(2);
    expect(w.mux.stats.connectionsRouted).toBe(0);
    expect(w.mux.connectionCounts).toEqual({ pending: 0, routed: 0, agents: 1 });
    // Nothing reached the agent, and nobody got an answer.
    expect(agent.stats.datagramsReceived).toBe(0);
    for (const c of [garbage, huge, stranger, forger, silent, stalled, empty])
      expect(c.state.received).toBe(0);
    // The authenticated check is routed and answered on its connection.
    const good = await raw(w.clock, w.attacker);
    good.socket.write(encodeFrame(check('srv1', 'peer', 'p'.repeat(22))));
    await w.clock.advance(100);
    expect(good.state.closed).toBe(false);
    expect(good.state.received).toBeGreaterThan(20);
    expect(agent.stats.checksReceived).toBe(1);
    // After it, garbage frames on the routed connection are the agent's input: dropped, counted.
    const before = agent.stats.malformedStun;
    good.socket.write(
      encodeFrame(Buffer.from([0, 1, 0, 40, 0x21, 0x12, 0xa4, 0x42, ...Array(16).fill(0)])),
    );
    good.socket.write(encodeFrame(Buffer.alloc(300, 0xff)));
    await w.clock.advance(100);
    expect(agent.stats.malformedStun).toBe(before + 1);
    expect(agent.stats.unknownSource + agent.stats.dataReceived).toBe(1);
    expect(good.state.closed).toBe(false);
  });

  it('bounds pending connections and connections per agent', async () => {
    const w = await world({ maxPendingConnections: 2, maxConnectionsPerAgent: 1 });
    const agent = new Agent(
      {
        net: w.server,
        clock: w.clock,
        tcpMux: w.mux,
        controlling: false,
        mdns: 'off',
        ufrag: 'srv1',
        pwd: 'p'.repeat(22),
      },
      () => {},
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    agent.setRemoteCredentials('peer', 'q'.repeat(22));
    const idle = [
      await raw(w.clock, w.attacker),
      await raw(w.clock, w.attacker),
      await raw(w.clock, w.attacker),
    ];
    await w.clock.advance(50);
    expect(idle.map((c) => c.state.closed)).toEqual([false, false, true]);
    expect(w.mux.stats.dropped.pendingLimit).toBe(1);
    for (const c of idle.slice(0, 2))
      c.socket.write(encodeFrame(check('srv1', 'peer', 'p'.repeat(22))));
    await w.clock.advance(50);
    expect(idle.map((c) => c.state.closed)).toEqual([false, true, true]);
    expect(w.mux.stats.dropped.connectionLimit).toBe(1);
    expect(w.mux.connectionCounts).toEqual({ pending: 0, routed: 1, agents: 1 });
  });

  it('waits for the connection of a peer that has only active TCP candidates, then fails', async () => {
    const w = await world();
    const states: S[] = [];
    const agent = new Agent(
      { net: w.server, clock: w.clock, tcpMux: w.mux, controlling: false, mdns: 'off' },
      (state) => states.push(state),
    );
    cleanup.push(() => agent.close());
    await agent.gather();
    agent.setRemoteCredentials('peer', 'q'.repeat(22));
    agent.addRemoteCandidate('candidate:1 1 tcp 1518280447 203.0.113.2 9 typ host tcptype active');
    agent.addRemoteCandidate(null);
    // Rc = 7 transmissions from an RTO of 500 ms, the last one waited for 16 RTOs: 39.5 s.
    await w.clock.advance(39_000);
    expect(states).toEqual([]);
    await w.clock.advance(1000);
    expect(states).toEqual([S.Failed]);
    // Without a TcpMux there is nothing to wait for.
    const other = new Agent(
      { net: w.server, clock: w.clock, controlling: false, mdns: 'off' },
      () => {},
    );
    cleanup.push(() => other.close());
    await other.gather();
    other.setRemoteCredentials('peer2', 'q'.repeat(22));
    other.addRemoteCandidate(null);
    await w.clock.advance(10);
    expect(other.state).toBe(S.Failed);
    // A peer that signals nothing at all (a browser avoiding UDP) is waited for too.
    const third = new Agent(
      { net: w.server, clock: w.clock, tcpMux: w.mux, controlling: false, mdns: 'off' },
      () => {},
    );
    cleanup.push(() => third.close());
    await third.gather();
    third.setRemoteCredentials('peer3', 'q'.repeat(22));
    third.addRemoteCandidate(null);
    await w.clock.advance(39_000);
    expect(third.state).toBe(S.New);
    await w.clock.advance(1000);
    expect(third.state).toBe(S.Failed);
  });

  it('refuses bad options and a ufrag another agent of the mux has', async () => {
    const w = await world();
    await expect(TcpMux.listen({ net: w.server, port: 70_000 })).rejects.toThrow(IceConfigError);
    await expect(TcpMux.listen({ net: w.server, port: 0, firstFrameTimeoutMs: 0 })).rejects.toThrow(
      IceConfigError,
    );
    await expect(TcpMux.listen({ net: w.server, port: 0, address: '0.0.0.0' })).rejects.toThrow(
      IceConfigError,
    );
    const one = new Agent(
      { net: w.server, clock: w.clock, tcpMux: w.mux, ufrag: 'same' },
      () => {},
    );
    const two = new Agent(
      { net: w.server, clock: w.clock, tcpMux: w.mux, ufrag: 'same' },
      () => {},
    );
    cleanup.push(async () => {
      await one.close();
      await two.close();
    });
    await one.gather();
    await expect(two.gather()).rejects.toThrow(IceConfigError);
  });
});
