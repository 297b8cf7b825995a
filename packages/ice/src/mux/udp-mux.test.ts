/**
 * The UDP mux on the virtual network: many agents on one port, routing by ufrag then by
 * 5-tuple, two clients behind one NAT, restarts, closing one agent, server-reflexive and
 * announced candidates, and the options' errors.
 */
import type { UdpSocket } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import { IceConfigError } from '../errors.js';
import { ConnectionState as S } from '../state.js';
import { cleanupAfterEach } from '../testing-lan.js';
import { connectPair, type Side } from '../testing-pair.js';
import { startStunServer } from '../testing-stun-server.js';
import { allCompleted, check, connectToMux, MUX_PORT, muxWorld } from './testing-mux.js';
import { UdpMux } from './udp-mux.js';

const cleanup = cleanupAfterEach();

describe('UdpMux: many agents on one port', () => {
  it('connects 20 server agents on one mux port with 20 clients (10 behind one NAT) and carries data both ways', async () => {
    const { clock, server, direct, natted, mux } = await muxWorld(cleanup);
    const pairs: { client: Side; server: Side }[] = [];
    for (let i = 0; i < 20; i++) {
      pairs.push(
        await connectToMux(
          { clock, netA: i % 2 === 0 ? direct : natted, netB: server, mux },
          cleanup,
        ),
      );
    }
    await clock.runUntil(() => allCompleted(pairs), { timeoutMs: 10_000 });
    expect(allCompleted(pairs)).toBe(true);
    // Every server agent's candidates are the mux's address and port: no socket of its own.
    for (const p of pairs) {
      expect(p.server.agent.getLocalCandidates().map((c) => `${c.address}:${c.port}`)).toEqual([
        `203.0.113.1:${MUX_PORT}`,
      ]);
      expect(p.server.agent.selectedPair!.local.port).toBe(MUX_PORT);
    }
    pairs.forEach((p, i) => {
      expect(p.client.agent.send(Buffer.from(`up ${i}`))).toBe(true);
      expect(p.server.agent.send(Buffer.from(`down ${i}`))).toBe(true);
    });
    await clock.advance(20);
    pairs.forEach((p, i) => {
      expect(p.server.received.map(String)).toEqual([`up ${i}`]);
      expect(p.client.received.map(String)).toEqual([`down ${i}`]);
    });
    // The clients behind the NAT share one public address, each with its own port, and each
    // reaches its own agent.
    const behindNat = pairs
      .filter((_, i) => i % 2 === 1)
      .map((p) => p.server.agent.selectedPair!.remote);
    expect(new Set(behindNat.map((r) => r.address))).toEqual(new Set(['203.0.113.100']));
    expect(new Set(behindNat.map((r) => r.port)).size).toBe(10);
    // Routes: one ufrag per agent; the first check of each client by ufrag, the rest by 5-tuple.
    const counts = mux.routeCounts;
    expect(counts.agents).toBe(20);
    expect(counts.ufrags).toBe(20);
    expect(counts.addresses).toBe(20);
    expect(mux.stats.routedByUfrag).toBe(20);
    expect(mux.stats.routedByAddress).toBeGreaterThan(40);
    expect(mux.stats.dropped).toEqual({
      unknownUfrag: 0,
      badIntegrity: 0,
      malformed: 0,
      noRoute: 0,
      routeLimit: 0,
    });
  });

  it('routes a new 5-tuple by ufrag only after MESSAGE-INTEGRITY checks, then by 5-tuple', async () => {
    const { clock, server, attacker, mux } = await muxWorld(cleanup);
    const agent = new Agent(
      {
        net: server,
        clock,
        udpMux: mux,
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
    const replies: Buffer[] = [];
    const sock: UdpSocket = await attacker.bindUdp({
      port: 4000,
      onMessage: (d) => replies.push(Buffer.from(d)),
    });
    cleanup.push(() => sock.close());
    // Data from an unknown address: no route.
    sock.send(Buffer.from([0x17, 1, 2, 3]), MUX_PORT, '203.0.113.1');
    // The right ufrag, the wrong password: nothing is created.
    sock.send(check('srv1', 'peer', 'w'.repeat(22)), MUX_PORT, '203.0.113.1');
    await clock.advance(5);
    expect(mux.routeCounts.addresses).toBe(0);
    expect(mux.stats.dropped.noRoute).toBe(1);
    expect(mux.stats.dropped.badIntegrity).toBe(1);
    expect(agent.stats.datagramsReceived).toBe(0);
    expect(replies).toEqual([]);
    // An authenticated check: routed, answered, and its 5-tuple routed to the agent.
    sock.send(check('srv1', 'peer', 'p'.repeat(22)), MUX_PORT, '203.0.113.1');
    await clock.advance(5);
    expect(mux.stats.routedByUfrag).toBe(1);
    expect(mux.routeCounts.addresses).toBe(1);
    expect(agent.stats.checksReceived).toBe(1);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    sock.send(Buffer.from([0x17, 1, 2, 3]), MUX_PORT, '203.0.113.1');
    await clock.advance(5);
    expect(mux.stats.routedByAddress).toBeGreaterThanOrEqual(1);
    expect(agent.stats.dataReceived + agent.stats.unknownSource).toBeGreaterThanOrEqual(1);
  });

  it('keeps working through an ICE restart: the new ufrag, and the previous one, are routed', async () => {
    const { clock, server, direct, natted, attacker, mux } = await muxWorld(cleanup);
    const p = await connectToMux({ clock, netA: direct, netB: server, mux }, cleanup);
    const other = await connectToMux({ clock, netA: natted, netB: server, mux }, cleanup);
    await clock.runUntil(() => allCompleted([p, other]), { timeoutMs: 5000 });
    const first = p.server.agent.localCredentials;
    // Both sides restart (as JSEP does) and exchange their new credentials.
    const client = p.client.agent.beginGeneration();
    const second = p.server.agent.beginGeneration();
    expect(mux.routeCounts.ufrags).toBe(3);
    p.client.agent.setRemoteCredentials(second.ufrag, second.pwd);
    p.server.agent.setRemoteCredentials(client.ufrag, client.pwd);
    // The client's candidates and end-of-candidates of the new generation went out before the
    // server had its new credentials (it learns the client's address from its checks).
    p.server.agent.addRemoteCandidate(null);
    const ok = await clock.runUntil(() => allCompleted([p, other]), { timeoutMs: 5000 });
    expect(ok).toBe(true);
    expect(p.server.selected.at(-1)!.cause.kind).toBe('restart');
    p.client.agent.send(Buffer.from('after restart'));
    await clock.advance(20);
    expect(p.server.received.map(String)).toContain('after restart');
    // A second restart, which the client answers: the first generation's ufrag is no longer
    // routed once the third is current.
    p.server.agent.beginGeneration();
    expect(mux.routeCounts.ufrags).toBe(4);
    p.server.agent.setRemoteCredentials(client.ufrag, client.pwd);
    const sock = await attacker.bindUdp({ port: 4001, onMessage: () => {} });
    cleanup.push(() => sock.close());
    sock.send(check(first.ufrag, 'x1y2', first.pwd), MUX_PORT, '203.0.113.1');
    sock.send(check(second.ufrag, 'x1y2', second.pwd), MUX_PORT, '203.0.113.1');
    await clock.advance(5);
    expect(mux.stats.dropped.unknownUfrag).toBe(1);
    expect(mux.stats.routedByUfrag).toBe(3); // two clients, and the previous generation's check
    expect(mux.routeCounts.ufrags).toBe(3);
  });

  it('closing one agent releases only its routes; the others keep connecting and sending', async () => {
    const { clock, server, direct, natted, mux } = await muxWorld(cleanup);
    const pairs: { client: Side; server: Side }[] = [];
    for (let i = 0; i < 4; i++)
      pairs.push(
        await connectToMux({ clock, netA: i % 2 ? natted : direct, netB: server, mux }, cleanup),
      );
    await clock.runUntil(() => allCompleted(pairs), { timeoutMs: 5000 });
    const before = mux.routeCounts;
    const closed = pairs.shift()!;
    await closed.server.agent.close();
    const after = mux.routeCounts;
    expect(after.agents).toBe(before.agents - 1);
    expect(after.ufrags).toBe(before.ufrags - 1);
    expect(after.addresses).toBe(before.addresses - 1);
    expect(after.transactions).toBeLessThanOrEqual(before.transactions);
    expect(mux.closed).toBe(false);
    // Its client's datagrams reach nobody now.
    const dropped = mux.stats.dropped.noRoute;
    closed.client.agent.send(Buffer.from('to the closed one'));
    await clock.advance(5);
    expect(mux.stats.dropped.noRoute).toBe(dropped + 1);
    // The others carry on, and a new agent joins.
    pairs.push(await connectToMux({ clock, netA: direct, netB: server, mux }, cleanup));
    await clock.runUntil(() => allCompleted(pairs), { timeoutMs: 5000 });
    for (const p of pairs) p.client.agent.send(Buffer.from('still here'));
    await clock.advance(20);
    for (const p of pairs) expect(p.server.received.map(String)).toContain('still here');
    for (const p of pairs) await p.server.agent.close();
    expect(mux.routeCounts).toEqual({ agents: 0, addresses: 0, ufrags: 0, transactions: 0 });
  });

  it('refuses a ufrag another agent of the mux uses', async () => {
    const { clock, server, mux } = await muxWorld(cleanup);
    const config = {
      net: server,
      clock,
      udpMux: mux,
      mdns: 'off' as const,
      ufrag: 'same',
      pwd: 'p'.repeat(22),
    };
    const a = new Agent(config, () => {});
    const b = new Agent(config, () => {});
    cleanup.push(async () => {
      await a.close();
      await b.close();
    });
    await a.gather();
    await expect(b.gather()).rejects.toThrow(IceConfigError);
    const c = new Agent({ ...config, ufrag: 'other' }, () => {});
    cleanup.push(() => c.close());
    await c.gather();
    expect(() => c.beginGeneration({ ufrag: 'same', pwd: 'r'.repeat(22) })).toThrow(IceConfigError);
    expect(mux.routeCounts.ufrags).toBe(2);
  });
});

describe('UdpMux: candidates', () => {
  it('gathers a server-reflexive candidate per mux socket and STUN server, from the mux socket', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 3 });
    cleanup.push(() => world.close());
    const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const dc = world.addRouter({
      name: 'dc',
      cidr: '10.1.0.0/24',
      parent: wan,
      publicIp: '203.0.113.50',
      nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
    });
    const host = world.addHost({ name: 'server', router: dc });
    const client = world.addHost({ name: 'client', router: wan, ip: '203.0.113.2' });
    const stunHost = world.addHost({ name: 'stun', router: wan, ip: '203.0.113.10' });
    const stun = await startStunServer(stunHost, '203.0.113.10');
    cleanup.push(() => stun.close());
    const mux = await UdpMux.bind({ net: host, clock, port: MUX_PORT });
    cleanup.push(() => mux.close());
    const iceServers = [{ urls: 'stun:203.0.113.10' }];
    const pairs: { client: Side; server: Side }[] = [];
    for (let i = 0; i < 2; i++) {
      pairs.push(
        await connectToMux({ clock, netA: client, netB: host, mux, b: { iceServers } }, cleanup),
      );
    }
    await clock.runUntil(() => allCompleted(pairs), { timeoutMs: 10_000 });
    for (const p of pairs) {
      const cs = p.server.agent.getLocalCandidates();
      expect(cs.map((c) => c.type)).toEqual(['host', 'srflx']);
      const srflx = cs[1]!;
      // The NAT mapped the one mux socket: both agents see the same public address and port.
      expect(srflx.address).toBe('203.0.113.50');
      expect(srflx.relatedPort).toBe(MUX_PORT);
      expect(p.server.agent.getLocalCandidates()[0]!.port).toBe(MUX_PORT);
    }
    expect(pairs[0]!.server.agent.getLocalCandidates()[1]!.port).toBe(
      pairs[1]!.server.agent.getLocalCandidates()[1]!.port,
    );
    expect(mux.stats.routedByTransaction).toBeGreaterThanOrEqual(2);
    pairs[0]!.client.agent.send(Buffer.from('via the NAT'));
    await clock.advance(20);
    expect(pairs[0]!.server.received.map(String)).toEqual(['via the NAT']);
  });

  it('binds every address of a dual-stack host on one port; agents prefer IPv6 and may leave a family out', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 8 });
    cleanup.push(() => world.close());
    const lan = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24', cidr6: 'fd00:1::/64' });
    const host = world.addHost({ name: 'server', router: lan });
    const client = world.addHost({ name: 'client', router: lan });
    const mux = await UdpMux.bind({ net: host, clock, port: MUX_PORT });
    cleanup.push(() => mux.close());
    expect(mux.localAddresses.map((a) => `${a.family} ${a.port}`)).toEqual([
      `IPv4 ${MUX_PORT}`,
      `IPv6 ${MUX_PORT}`,
    ]);
    const p = await connectToMux({ clock, netA: client, netB: host, mux }, cleanup);
    const v4 = await connectToMux(
      { clock, netA: client, netB: host, mux, b: { gather: { ipv6: false } } },
      cleanup,
    );
    await clock.runUntil(() => allCompleted([p, v4]), { timeoutMs: 5000 });
    expect(p.server.agent.getLocalCandidates().map((c) => c.port)).toEqual([MUX_PORT, MUX_PORT]);
    expect(p.server.agent.selectedPair!.local.address).toMatch(/^fd00:1::/);
    expect(v4.server.agent.getLocalCandidates().map((c) => c.address)).toEqual([
      expect.stringMatching(/^10\.0\.0\./),
    ]);
    p.client.agent.send(Buffer.from('over v6'));
    v4.client.agent.send(Buffer.from('over v4'));
    await clock.advance(10);
    expect(p.server.received.map(String)).toEqual(['over v6']);
    expect(v4.server.received.map(String)).toEqual(['over v4']);
    // A closed mux takes no new agent.
    await mux.close();
    const late = new Agent({ net: host, clock, udpMux: mux, mdns: 'off' }, () => {});
    cleanup.push(() => late.close());
    await expect(late.gather()).rejects.toThrow(/closed/);
  });

  it('announces a public address for the private one behind a 1:1 NAT, as host or as srflx', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 5 });
    cleanup.push(() => world.close());
    const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    // A 1:1 NAT: one host behind it, every port kept, anything let in once mapped.
    const vpc = world.addRouter({
      name: 'vpc',
      cidr: '10.2.0.0/24',
      parent: wan,
      publicIp: '203.0.113.77',
      nat: {
        mapping: 'endpoint-independent',
        filtering: 'endpoint-independent',
        portPreservation: true,
      },
    });
    const host = world.addHost({ name: 'vm', router: vpc, ip: '10.2.0.5' });
    const client = world.addHost({ name: 'client', router: wan, ip: '203.0.113.2' });
    const mux = await UdpMux.bind({
      net: host,
      clock,
      port: MUX_PORT,
      announcedAddresses: [{ announced: '203.0.113.77' }],
    });
    cleanup.push(() => mux.close());
    const p = await connectToMux({ clock, netA: client, netB: host, mux }, cleanup);
    await clock.runUntil(() => allCompleted([p]), { timeoutMs: 5000 });
    expect(
      p.server.agent.getLocalCandidates().map((c) => `${c.type} ${c.address}:${c.port}`),
    ).toEqual([`host 203.0.113.77:${MUX_PORT}`]);
    // The client reached the announced candidate itself (no peer-reflexive one was needed).
    expect(p.client.agent.selectedPair!.remote.type).toBe('host');
    expect(p.client.agent.selectedPair!.remote.address).toBe('203.0.113.77');
    // As srflx (the agent's setting replaces the mux's): the private host stays, raddr is it.
    const q = await connectToMux(
      {
        clock,
        netA: client,
        netB: host,
        mux,
        b: { announcedAddresses: [{ announced: '203.0.113.77', local: '10.2.0.5', as: 'srflx' }] },
      },
      cleanup,
    );
    await clock.runUntil(() => allCompleted([q]), { timeoutMs: 5000 });
    expect(
      q.server.agent
        .getLocalCandidates()
        .map((c) => `${c.type} ${c.address}:${c.port} ${c.relatedAddress ?? ''}`),
    ).toEqual([`host 10.2.0.5:${MUX_PORT} `, `srflx 203.0.113.77:${MUX_PORT} 10.2.0.5`]);
  });

  it('binds agents without a mux within portRange, and checks the options', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 6 });
    cleanup.push(() => world.close());
    const lan = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
    const ha = world.addHost({ name: 'a', router: lan });
    const hb = world.addHost({ name: 'b', router: lan });
    const portRange = { min: 40_000, max: 40_002 };
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb, a: { portRange } });
    const { a: a2, b: b2 } = await connectPair({ clock, netA: ha, netB: hb, a: { portRange } });
    cleanup.push(async () => {
      for (const s of [a, b, a2, b2]) await s.agent.close();
    });
    const ports = [a, a2].map((s) => s.agent.getLocalCandidates()[0]!.port);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(40_000);
    for (const port of ports) expect(port).toBeLessThanOrEqual(40_002);
    expect(new Set(ports).size).toBe(2);
    await clock.runUntil(() => a2.agent.state === S.Completed, { timeoutMs: 5000 });
    expect(() => new Agent({ portRange: { min: 5, max: 4 } }, () => {})).toThrow(IceConfigError);
    expect(() => new Agent({ announcedAddresses: [{ announced: 'x' }] }, () => {})).toThrow(
      IceConfigError,
    );
    await expect(UdpMux.bind({ net: ha, port: 70_000 })).rejects.toThrow(IceConfigError);
    await expect(UdpMux.bind({ net: ha, port: 1, address: '0.0.0.0' })).rejects.toThrow(/wildcard/);
    // A port taken on one address: nothing stays bound.
    const taken = await ha.bindUdp({ port: 3333, onMessage: () => {} });
    cleanup.push(() => taken.close());
    await expect(UdpMux.bind({ net: ha, port: 3333 })).rejects.toThrow();
  });
});
