import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError } from '../index.js';
import { VirtualClock, VirtualNetwork } from '../testing/index.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

let world: VirtualNetwork | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('VirtualHost', () => {
  it('lists loopback and one interface per router, and routes by subnet when bound to any', async () => {
    const clock = new VirtualClock();
    world = new VirtualNetwork({ clock });
    const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const wifi = world.addRouter({
      name: 'wifi',
      cidr: '10.1.0.0/16',
      cidr6: 'fd00:1::/64',
      parent: wan,
    });
    const eth = world.addRouter({ name: 'eth', cidr: '10.2.0.0/16', parent: wan });
    const multi = world.addHost({
      name: 'multi',
      interfaces: [{ router: wifi }, { router: eth, name: 'en0' }],
    });
    const peer = world.addHost({ name: 'peer', router: eth });
    expect(multi.interfaces()).toEqual([
      {
        name: 'lo',
        addresses: [
          { address: '127.0.0.1', family: 'IPv4', prefixLength: 8, internal: true },
          { address: '::1', family: 'IPv6', prefixLength: 128, internal: true },
        ],
      },
      {
        name: 'eth0',
        addresses: [
          { address: '10.1.0.1', family: 'IPv4', prefixLength: 16, internal: false },
          { address: 'fd00:1::1', family: 'IPv6', prefixLength: 64, internal: false },
        ],
      },
      {
        name: 'en0',
        addresses: [{ address: '10.2.0.1', family: 'IPv4', prefixLength: 16, internal: false }],
      },
    ]);
    const seen: string[] = [];
    const rx = await peer.bindUdp({ port: 7, onMessage: (_d, from) => seen.push(from.address) });
    const tx = await multi.bindUdp({ onMessage: () => {} });
    tx.send(Buffer.from('x'), 7, peer.addresses[0]!);
    await clock.runUntilIdle();
    // Bound to 0.0.0.0, the datagram leaves through en0, on the peer's subnet.
    expect(seen).toEqual(['10.2.0.1']);
    // Partitioning en0 cuts that path only.
    multi.links[1]!.partition();
    tx.send(Buffer.from('x'), 7, peer.addresses[0]!);
    await clock.runUntilIdle();
    expect(seen).toHaveLength(1);
    expect(world.stats.dropped.partition).toBe(1);
    await tx.close();
    await rx.close();
  });

  it('delivers multicast to every joined socket on the subnet, and not beyond it', async () => {
    const clock = new VirtualClock();
    world = new VirtualNetwork({ clock });
    const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const lan = world.addRouter({ name: 'lan', cidr: '192.168.7.0/24', parent: wan });
    const hosts = [0, 1, 2].map((i) => world!.addHost({ name: `h${i}`, router: lan }));
    const outsider = world.addHost({ name: 'outsider', router: wan });
    const got: string[] = [];
    const sockets = await Promise.all(
      [...hosts, outsider].map((h) =>
        h.bindUdp({
          port: 5353,
          reuseAddress: true,
          onMessage: (d, from) => got.push(`${h.name}<-${from.address}:${d}`),
        }),
      ),
    );
    for (const s of sockets) s.addMembership('224.0.0.251');
    sockets[1]!.dropMembership('224.0.0.251');
    sockets[0]!.send(Buffer.from('query'), 5353, '224.0.0.251');
    await clock.runUntilIdle();
    expect(got.sort()).toEqual(['h0<-192.168.7.1:query', 'h2<-192.168.7.1:query']);
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('runs TLS over virtual TCP, through a NAT, and refuses connections nobody listens for', async () => {
    const clock = new VirtualClock();
    world = new VirtualNetwork({ clock });
    const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const lan = world.addRouter({
      name: 'lan',
      cidr: '192.168.1.0/24',
      parent: wan,
      nat: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
    });
    const client = world.addHost({ name: 'client', router: lan, link: { delayMs: 10 } });
    const server = world.addHost({
      name: 'turn',
      router: wan,
      ip: '203.0.113.10',
      link: { delayMs: 10 },
    });
    const seenFrom: string[] = [];
    const listening = await server.listenTcp({
      port: 5349,
      tls: { key: fixture('test-key.pem'), cert: fixture('test-cert.pem') },
      onConnection: (socket) => {
        seenFrom.push(socket.remoteAddress.address);
        return {
          onData: (d) => socket.write(Buffer.concat([Buffer.from('tls-echo:'), d])),
          onClose: () => {},
        };
      },
    });
    const got: string[] = [];
    let connected: Awaited<ReturnType<typeof client.connectTcp>> | undefined;
    const pending = client.connectTcp(
      {
        host: '203.0.113.10',
        port: 5349,
        tls: { ca: fixture('test-cert.pem'), servername: 'turn.test' },
      },
      { onData: (d) => got.push(d.toString()), onClose: () => {} },
    );
    void pending.then((s) => {
      connected = s;
    });
    await clock.runUntil(() => connected !== undefined, { timeoutMs: 5000 });
    connected!.write(Buffer.from('hello'));
    await clock.runUntil(() => got.length > 0, { timeoutMs: 5000 });
    expect(got.join('')).toBe('tls-echo:hello');
    expect(seenFrom).toEqual([lan.publicIp]);

    let refused: unknown;
    client
      .connectTcp({ host: '203.0.113.10', port: 1 }, { onData: () => {}, onClose: () => {} })
      .catch((e) => {
        refused = e;
      });
    await clock.runUntil(() => refused !== undefined, { timeoutMs: 5000 });
    expect(refused).toBeInstanceOf(ConnectError);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    await connected!.close();
    await listening.close();
    await clock.runUntilIdle();
  });
});
