// RFC 4787 behaviours of the virtual NAT: which inbound datagrams pass, mapping reuse,
// timeouts and hairpinning.
import { afterEach, describe, expect, it } from 'vitest';
import type { SocketAddress, UdpSocket } from '../index.js';
import {
  type NatBehavior,
  VirtualClock,
  type VirtualHost,
  VirtualNetwork,
} from '../testing/index.js';

interface World {
  clock: VirtualClock;
  world: VirtualNetwork;
  inside: VirtualHost;
  inside2: VirtualHost;
  s1: VirtualHost;
  s2: VirtualHost;
  publicIp: string;
}

function build(
  mapping: NatBehavior,
  filtering: NatBehavior,
  extra: { mappingTimeoutMs?: number; hairpinning?: boolean } = {},
): World {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 1 });
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const lan = world.addRouter({
    name: 'lan',
    cidr: '192.168.1.0/24',
    parent: wan,
    nat: { mapping, filtering, ...extra },
  });
  return {
    clock,
    world,
    inside: world.addHost({ name: 'inside', router: lan, link: { delayMs: 2 } }),
    inside2: world.addHost({ name: 'inside2', router: lan, link: { delayMs: 2 } }),
    s1: world.addHost({ name: 's1', router: wan, ip: '203.0.113.10', link: { delayMs: 10 } }),
    s2: world.addHost({ name: 's2', router: wan, ip: '203.0.113.11', link: { delayMs: 10 } }),
    publicIp: lan.publicIp!,
  };
}

/** A socket that records what it receives. */
async function recorder(
  host: VirtualHost,
  port?: number,
): Promise<{ socket: UdpSocket; got: { data: string; from: SocketAddress }[] }> {
  const got: { data: string; from: SocketAddress }[] = [];
  const socket = await host.bindUdp({
    ...(port !== undefined ? { port } : {}),
    onMessage: (data, from) => got.push({ data: data.toString(), from: { ...from } }),
  });
  return { socket, got };
}

const behaviors: NatBehavior[] = [
  'endpoint-independent',
  'address-dependent',
  'address-and-port-dependent',
];
let current: World | undefined;
afterEach(async () => {
  await current?.world.close();
  current = undefined;
});

describe('virtual NAT mapping (RFC 4787 §4.1)', () => {
  it.each(behaviors)('%s mapping reuses the external port as the RFC says', async (mapping) => {
    const w = (current = build(mapping, 'endpoint-independent'));
    const a = await recorder(w.inside);
    const s1a = await recorder(w.s1, 3478);
    const s1b = await recorder(w.s1, 3479);
    const s2a = await recorder(w.s2, 3478);
    a.socket.send(Buffer.from('x'), 3478, '203.0.113.10');
    a.socket.send(Buffer.from('x'), 3479, '203.0.113.10');
    a.socket.send(Buffer.from('x'), 3478, '203.0.113.11');
    await w.clock.advance(100);
    const p1 = s1a.got[0]!.from;
    const p2 = s1b.got[0]!.from;
    const p3 = s2a.got[0]!.from;
    expect(p1.address).toBe(w.publicIp);
    expect([p2.address, p3.address]).toEqual([w.publicIp, w.publicIp]);
    const samePortOtherPort = p1.port === p2.port;
    const sameOtherAddress = p1.port === p3.port;
    expect({ samePortOtherPort, sameOtherAddress }).toEqual(
      {
        'endpoint-independent': { samePortOtherPort: true, sameOtherAddress: true },
        'address-dependent': { samePortOtherPort: true, sameOtherAddress: false },
        'address-and-port-dependent': { samePortOtherPort: false, sameOtherAddress: false },
      }[mapping],
    );
    for (const s of [a, s1a, s1b, s2a]) await s.socket.close();
  });
});

describe('virtual NAT filtering (RFC 4787 §5)', () => {
  it.each(behaviors)('%s filtering lets in exactly what the RFC says', async (filtering) => {
    const w = (current = build('endpoint-independent', filtering));
    const a = await recorder(w.inside);
    const s1a = await recorder(w.s1, 3478);
    const s1b = await recorder(w.s1, 3479);
    const s2a = await recorder(w.s2, 3478);
    a.socket.send(Buffer.from('open'), 3478, '203.0.113.10');
    await w.clock.advance(100);
    const mapped = s1a.got[0]!.from;
    s1a.socket.send(Buffer.from('same endpoint'), mapped.port, mapped.address);
    s1b.socket.send(Buffer.from('same address, other port'), mapped.port, mapped.address);
    s2a.socket.send(Buffer.from('other address'), mapped.port, mapped.address);
    await w.clock.advance(100);
    expect(a.got.map((g) => g.data).sort()).toEqual(
      {
        'endpoint-independent': ['other address', 'same address, other port', 'same endpoint'],
        'address-dependent': ['same address, other port', 'same endpoint'],
        'address-and-port-dependent': ['same endpoint'],
      }[filtering],
    );
    expect(w.world.stats.dropped.natFiltered).toBe(
      { 'endpoint-independent': 0, 'address-dependent': 1, 'address-and-port-dependent': 2 }[
        filtering
      ],
    );
    // An unsolicited datagram to a port with no mapping never passes.
    s1a.socket.send(Buffer.from('no mapping'), mapped.port + 1, mapped.address);
    await w.clock.advance(100);
    expect(a.got.some((g) => g.data === 'no mapping')).toBe(false);
    for (const s of [a, s1a, s1b, s2a]) await s.socket.close();
  });
});

describe('virtual NAT timeouts and hairpinning', () => {
  it('expires a mapping after the timeout without outbound traffic, and outbound traffic refreshes it', async () => {
    const w = (current = build('endpoint-independent', 'address-and-port-dependent', {
      mappingTimeoutMs: 30_000,
    }));
    const a = await recorder(w.inside);
    const s = await recorder(w.s1, 3478);
    a.socket.send(Buffer.from('1'), 3478, '203.0.113.10');
    await w.clock.advance(20_000);
    const mapped = s.got[0]!.from;
    a.socket.send(Buffer.from('keepalive'), 3478, '203.0.113.10'); // refresh at t=20 s
    await w.clock.advance(25_000); // t=45 s: 25 s since the refresh
    s.socket.send(Buffer.from('still mapped'), mapped.port, mapped.address);
    await w.clock.advance(100);
    expect(a.got.map((g) => g.data)).toEqual(['still mapped']);
    await w.clock.advance(31_000); // inbound does not refresh by default
    s.socket.send(Buffer.from('expired'), mapped.port, mapped.address);
    await w.clock.advance(100);
    expect(a.got.map((g) => g.data)).toEqual(['still mapped']);
    a.socket.send(Buffer.from('again'), 3478, '203.0.113.10');
    await w.clock.advance(100);
    expect(s.got.at(-1)!.from.port).not.toBe(mapped.port);
    for (const x of [a, s]) await x.socket.close();
  });

  it.each([true, false])(
    'hairpinning %s: a host reaches its neighbour through the public address',
    async (hairpinning) => {
      const w = (current = build('endpoint-independent', 'endpoint-independent', { hairpinning }));
      const a = await recorder(w.inside);
      const b = await recorder(w.inside2);
      const s = await recorder(w.s1, 3478);
      a.socket.send(Buffer.from('a'), 3478, '203.0.113.10');
      b.socket.send(Buffer.from('b'), 3478, '203.0.113.10');
      await w.clock.advance(100);
      const aPublic = s.got.find((g) => g.data === 'a')!.from;
      const bPublic = s.got.find((g) => g.data === 'b')!.from;
      b.socket.send(Buffer.from('hairpin'), aPublic.port, aPublic.address);
      await w.clock.advance(100);
      if (hairpinning) {
        // RFC 4787 REQ-9: the source is b's external address and port.
        expect(a.got).toEqual([
          { data: 'hairpin', from: { address: w.publicIp, port: bPublic.port, family: 'IPv4' } },
        ]);
      } else {
        expect(a.got).toEqual([]);
      }
      for (const x of [a, b, s]) await x.socket.close();
    },
  );

  it('keeps private address spaces apart: a LAN address is not reachable from outside', async () => {
    const w = (current = build('endpoint-independent', 'endpoint-independent'));
    const a = await recorder(w.inside);
    const s = await recorder(w.s1, 3478);
    s.socket.send(Buffer.from('direct'), a.socket.localAddress.port, w.inside.addresses[0]!);
    await w.clock.advance(100);
    expect(a.got).toEqual([]);
    expect(w.world.stats.dropped.noRoute).toBe(1);
    for (const x of [a, s]) await x.socket.close();
  });
});
