// One test body for every Net: the real one on 127.0.0.1 and a virtual one. Code written
// against Net cannot tell them apart.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BindError,
  DatagramTooLargeError,
  InvalidAddressError,
  type Net,
  nodeNet,
  SocketClosedError,
  type SocketAddress,
  TransportError,
} from './index.js';
import { VirtualClock, VirtualNetwork } from './testing/index.js';

interface Fixture {
  /** Two Nets (may be the same host) and the addresses each is reachable on from the other. */
  readonly a: Net;
  readonly b: Net;
  readonly aAddress: string;
  readonly bAddress: string;
  /** Waits (advancing virtual time when there is a virtual clock) until `done()` holds. */
  readonly until: (done: () => boolean) => Promise<void>;
  /** Awaits a promise while time moves on. */
  readonly wait: <T>(promise: Promise<T>) => Promise<T>;
  readonly close: () => Promise<void>;
}

const fixtures: Record<string, () => Fixture> = {
  NodeNet: () => ({
    a: nodeNet,
    b: nodeNet,
    aAddress: '127.0.0.1',
    bAddress: '127.0.0.1',
    until: async (done) => {
      const deadline = Date.now() + 5000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    },
    wait: (promise) => promise,
    close: async () => {},
  }),
  VirtualNet: () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 3 });
    const wan = world.addRouter({ name: 'wan', cidr: '198.51.100.0/24' });
    const a = world.addHost({ name: 'a', router: wan, link: { delayMs: 5 } });
    const b = world.addHost({ name: 'b', router: wan, link: { delayMs: 5 } });
    return {
      a,
      b,
      aAddress: a.addresses[0]!,
      bAddress: b.addresses[0]!,
      until: async (done) => {
        await clock.runUntil(done, { timeoutMs: 10_000 });
      },
      wait: async (promise) => {
        let settled = false;
        const observed = promise.finally(() => {
          settled = true;
        });
        observed.catch(() => {});
        await clock.runUntil(() => settled, { timeoutMs: 10_000 });
        return observed;
      },
      close: () => world.close(),
    };
  },
};

describe.each(Object.keys(fixtures))('Net compliance: %s', (name) => {
  let fixture: Fixture;
  afterEach(() => fixture.close());

  it('echoes datagrams between two sockets', async () => {
    fixture = fixtures[name]!();
    const { a, b, aAddress, bAddress, until } = fixture;
    const received: string[] = [];
    const server = await b.bindUdp({
      address: bAddress,
      onMessage: (data, from) =>
        server.send(Buffer.concat([Buffer.from('echo:'), data]), from.port, from.address),
    });
    let seenFrom: SocketAddress | undefined;
    const client = await a.bindUdp({
      address: aAddress,
      onMessage: (data, from) => {
        received.push(data.toString());
        seenFrom = { address: from.address, port: from.port, family: from.family };
      },
    });
    for (let i = 0; i < 10; i++)
      client.send(Buffer.from(`ping-${i}`), server.localAddress.port, bAddress);
    await until(() => received.length === 10);
    expect(received.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `echo:ping-${i}`).sort());
    expect(seenFrom).toEqual({ address: bAddress, port: server.localAddress.port, family: 'IPv4' });
    expect(client.stats.datagramsSent).toBe(10);
    expect(client.stats.datagramsReceived).toBe(10);
    expect(server.stats.bytesReceived).toBe(60);
    await client.close();
    await server.close();
    await client.close(); // idempotent
  });

  it('delivers what was sent just before close(): close() waits for the datagrams to leave', async () => {
    fixture = fixtures[name]!();
    const { a, b, aAddress, bAddress, until, wait } = fixture;
    const received: string[] = [];
    const server = await b.bindUdp({
      address: bAddress,
      onMessage: (data) => received.push(data.toString()),
    });
    const client = await a.bindUdp({ address: aAddress, onMessage: () => {} });
    // What a layer sends as it closes (an SCTP ABORT, a DTLS close_notify), then the close.
    client.send(Buffer.from('abort'), server.localAddress.port, bAddress);
    client.send(Buffer.from('close_notify'), server.localAddress.port, bAddress);
    await wait(client.close());
    expect(client.closed).toBe(true);
    await until(() => received.length === 2);
    expect(received).toEqual(['abort', 'close_notify']);
    await server.close();
  });

  it('gives typed errors for a taken port, a foreign address, closed sockets and oversize datagrams', async () => {
    fixture = fixtures[name]!();
    const { a, aAddress } = fixture;
    const first = await a.bindUdp({ address: aAddress, onMessage: () => {} });
    const taken = a.bindUdp({
      address: aAddress,
      port: first.localAddress.port,
      onMessage: () => {},
    });
    await expect(taken).rejects.toBeInstanceOf(BindError);
    await expect(taken).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(a.bindUdp({ address: '192.0.2.77', onMessage: () => {} })).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
    });
    expect(() => first.send(Buffer.alloc(70_000), 9, aAddress)).toThrow(DatagramTooLargeError);
    expect(() => first.send(Buffer.alloc(1), 9, 'example.com')).toThrow(InvalidAddressError);
    expect(() => first.send(Buffer.alloc(1), 9, '::1')).toThrow(InvalidAddressError);
    await first.close();
    expect(() => first.send(Buffer.alloc(1), 9, aAddress)).toThrow(SocketClosedError);
    try {
      first.send(Buffer.alloc(1), 9, aAddress);
    } catch (error) {
      expect(TransportError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/closed; bind a new one/);
    }
  });

  it('carries a TCP stream both ways and reports the close', async () => {
    fixture = fixtures[name]!();
    const { a, b, bAddress, until, wait } = fixture;
    const serverGot: Buffer[] = [];
    let serverClosed = false;
    const server = await b.listenTcp({
      address: bAddress,
      onConnection: (socket) => {
        socket.write(Buffer.from('hello from server'));
        return {
          onData: (d) => serverGot.push(d),
          onClose: () => {
            serverClosed = true;
          },
        };
      },
    });
    const clientGot: Buffer[] = [];
    const client = await wait(
      a.connectTcp(
        { host: bAddress, port: server.localAddress.port },
        { onData: (d) => clientGot.push(d), onClose: () => {} },
      ),
    );
    const big = Buffer.alloc(100_000);
    for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
    client.write(big);
    await until(() => Buffer.concat(serverGot).length === big.length && clientGot.length > 0);
    expect(Buffer.concat(serverGot).equals(big)).toBe(true);
    expect(Buffer.concat(clientGot).toString()).toBe('hello from server');
    await client.close();
    await until(() => serverClosed);
    expect(serverClosed).toBe(true);
    await server.close();
  });
});
