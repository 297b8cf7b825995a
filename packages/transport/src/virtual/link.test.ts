// Link conditions are seen at the rates configured (fixed seed, enough packets, stated tolerance).
import { afterEach, describe, expect, it } from 'vitest';
import type { UdpSocket } from '../index.js';
import {
  type LinkConditions,
  VirtualClock,
  type VirtualHost,
  VirtualNetwork,
} from '../testing/index.js';

interface Pair {
  clock: VirtualClock;
  world: VirtualNetwork;
  a: VirtualHost;
  b: VirtualHost;
  tx: UdpSocket;
  rx: UdpSocket;
  /** Sequence numbers in arrival order, with arrival times. */
  arrivals: { seq: number; at: number }[];
}

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.tx.close();
  await pair?.rx.close();
  pair = undefined;
});

async function build(conditions: Partial<LinkConditions>, seed = 11): Promise<Pair> {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed });
  const wan = world.addRouter({ name: 'wan', cidr: '10.0.0.0/24' });
  const a = world.addHost({ name: 'a', router: wan, link: conditions });
  const b = world.addHost({ name: 'b', router: wan });
  const arrivals: { seq: number; at: number }[] = [];
  const rx = await b.bindUdp({
    port: 9000,
    onMessage: (data) => arrivals.push({ seq: data.readUInt32BE(0), at: clock.now() }),
  });
  const tx = await a.bindUdp({ onMessage: () => {} });
  return (pair = { clock, world, a, b, tx, rx, arrivals });
}

function sendMany(p: Pair, count: number, size = 100): void {
  for (let i = 0; i < count; i++) {
    const data = Buffer.alloc(size);
    data.writeUInt32BE(i, 0);
    p.tx.send(data, 9000, p.b.addresses[0]!);
  }
}

const N = 20_000;

describe('virtual link conditions', () => {
  it('loses datagrams at the configured rate (10 % ± 1 % over 20 000)', async () => {
    const p = await build({ lossRate: 0.1 });
    sendMany(p, N);
    await p.clock.runUntilIdle();
    const lost = N - p.arrivals.length;
    expect(lost / N).toBeGreaterThan(0.09);
    expect(lost / N).toBeLessThan(0.11);
    expect(p.world.stats.dropped.loss).toBe(lost);
    expect(p.a.link.stats.dropped.loss).toBe(lost);
  });

  it('duplicates datagrams at the configured rate (5 % ± 1 %)', async () => {
    const p = await build({ duplicateRate: 0.05 });
    sendMany(p, N);
    await p.clock.runUntilIdle();
    const extra = p.arrivals.length - N;
    expect(extra / N).toBeGreaterThan(0.04);
    expect(extra / N).toBeLessThan(0.06);
    expect(new Set(p.arrivals.map((x) => x.seq)).size).toBe(N);
  });

  it('reorders datagrams at the configured rate (3 % ± 1 %) and delays by delay + jitter', async () => {
    const p = await build({ reorderRate: 0.03, reorderDelayMs: 5, delayMs: 20 });
    // One datagram a millisecond, so that a 5 ms hold-back lets later ones pass.
    for (let i = 0; i < N; i++) {
      const data = Buffer.alloc(8);
      data.writeUInt32BE(i, 0);
      p.tx.send(data, 9000, p.b.addresses[0]!);
      await p.clock.advance(1);
    }
    await p.clock.runUntilIdle();
    expect(p.arrivals.length).toBe(N);
    let late = 0;
    let highest = -1;
    for (const { seq } of p.arrivals) {
      if (seq < highest) late++;
      else highest = seq;
    }
    expect(late / N).toBeGreaterThan(0.02);
    expect(late / N).toBeLessThan(0.04);
    expect(p.arrivals[0]!.at).toBeGreaterThanOrEqual(20);
  });

  it('drops datagrams above the MTU (payload + 28 bytes of IPv4 and UDP headers)', async () => {
    const p = await build({ mtu: 1200 });
    p.tx.send(Buffer.alloc(1172), 9000, p.b.addresses[0]!);
    p.tx.send(Buffer.alloc(1173), 9000, p.b.addresses[0]!);
    await p.clock.runUntilIdle();
    expect(p.arrivals.length).toBe(1);
    expect(p.world.stats.dropped.mtu).toBe(1);
  });

  it('limits bandwidth, queues up to queueBytes and drops the tail', async () => {
    const p = await build({ bandwidthBps: 1_000_000, queueBytes: 50_000 });
    sendMany(p, 100, 972); // 1000 bytes on the wire each: 8 ms each at 1 Mbit/s
    await p.clock.runUntilIdle();
    // 50 000 bytes of queue is 400 ms of sending: about 51 datagrams fit, the rest is dropped.
    expect(p.arrivals.length).toBeGreaterThanOrEqual(50);
    expect(p.arrivals.length).toBeLessThanOrEqual(52);
    expect(p.world.stats.dropped.queue).toBe(100 - p.arrivals.length);
    const last = p.arrivals.at(-1)!.at;
    expect(last).toBeCloseTo(p.arrivals.length * 8, 0);
  });

  it('partitions and heals at the given times', async () => {
    const p = await build({});
    p.a.link.partitionAt(100, 200);
    for (let t = 0; t < 300; t += 10) {
      const data = Buffer.alloc(8);
      data.writeUInt32BE(t, 0);
      p.tx.send(data, 9000, p.b.addresses[0]!);
      await p.clock.advance(10);
    }
    await p.clock.runUntilIdle();
    const got = p.arrivals.map((x) => x.seq);
    expect(got.filter((t) => t >= 100 && t < 200)).toEqual([]);
    expect(got.length).toBe(20);
    expect(p.world.stats.dropped.partition).toBe(10);
  });

  it('repeats a run exactly from its seed', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const p = await build({ lossRate: 0.2, jitterMs: 30, duplicateRate: 0.1 }, seed);
      sendMany(p, 500);
      await p.clock.runUntilIdle();
      const seqs = p.arrivals.map((x) => x.seq);
      await p.tx.close();
      await p.rx.close();
      pair = undefined;
      return seqs;
    };
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(await run(6)).not.toEqual(first);
  });

  it('rejects rates outside 0..1', async () => {
    const p = await build({});
    expect(() => p.a.link.set({ lossRate: 1.5 })).toThrow(/lossRate must be within 0..1/);
  });
});
