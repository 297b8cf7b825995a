/**
 * The UDP mux on real sockets (127.0.0.1): two agents share the mux's port, each connected to a
 * client agent with sockets of its own, and data goes both ways; everything is closed at the end.
 */
import { nodeNet, systemClock } from '@x/transport';
import { expect, it } from 'vitest';
import { ConnectionState as S } from '../state.js';
import { cleanupAfterEach } from '../testing-lan.js';
import { connectPair, type Side } from '../testing-pair.js';
import { UdpMux } from './udp-mux.js';

const cleanup = cleanupAfterEach();

async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return done();
}

it('connects two agents sharing a mux port on 127.0.0.1 with two agents on their own sockets', async () => {
  const mux = await UdpMux.bind({ net: nodeNet, address: '127.0.0.1', port: 0 });
  cleanup.push(() => mux.close());
  expect(mux.port).toBeGreaterThan(0);
  const loopback = {
    includeLoopback: true,
    ipv6: false,
    addressFilter: (a: string) => a === '127.0.0.1',
  };
  const pairs: { client: Side; server: Side }[] = [];
  for (let i = 0; i < 2; i++) {
    const { a, b } = await connectPair({
      clock: systemClock,
      netA: nodeNet,
      netB: nodeNet,
      a: { gather: loopback },
      b: { udpMux: mux, gather: loopback },
    });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    pairs.push({ client: a, server: b });
  }
  const connected = () =>
    pairs.every(
      (p) => p.client.agent.state === S.Completed && p.server.agent.state === S.Completed,
    );
  expect(await until(connected, 5000)).toBe(true);
  for (const p of pairs) {
    expect(p.server.agent.getLocalCandidates().map((c) => `${c.address}:${c.port}`)).toEqual([
      `127.0.0.1:${mux.port}`,
    ]);
    expect(p.client.agent.getLocalCandidates()[0]!.port).not.toBe(mux.port);
  }
  pairs.forEach((p, i) => {
    p.client.agent.send(Buffer.from(`up ${i}`));
    p.server.agent.send(Buffer.from(`down ${i}`));
  });
  expect(
    await until(
      () => pairs.every((p) => p.server.received.length > 0 && p.client.received.length > 0),
      2000,
    ),
  ).toBe(true);
  pairs.forEach((p, i) => {
    expect(p.server.received.map(String)).toEqual([`up ${i}`]);
    expect(p.client.received.map(String)).toEqual([`down ${i}`]);
  });
  expect(mux.routeCounts.agents).toBe(2);
  for (const p of pairs) {
    await p.client.agent.close();
    await p.server.agent.close();
  }
  expect(mux.routeCounts).toEqual({ agents: 0, addresses: 0, ufrags: 0, transactions: 0 });
  await mux.close();
  expect(mux.closed).toBe(true);
});
