import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

/** Runs the pacer on its own deadlines until `until`; returns [time, packet] pairs. */
function drain<T>(p: Pacer<T>, from: number, until: number): [number, T][] {
  const out: [number, T][] = [];
  let t = from;
  while (t <= until) {
    for (const x of p.process(t)) out.push([t, x]);
    const d = p.nextDeadline();
    if (d === undefined) break;
    t = Math.max(d, t + 0.001);
  }
  return out;
}

describe('Pacer (libwebrtc PacingController)', () => {
  it('paces at 2.5 × the target in bursts of at most 5 ms', () => {
    const p = new Pacer<number>({ targetBitrateBps: 400_000 }); // 1 Mb/s: 125 bytes a ms
    expect(p.pacingRateBps).toBe(1_000_000);
    for (let i = 0; i < 200; i++) p.enqueue(i, 125, 'video', 0);
    const sent = drain(p, 0, 10_000);
    expect(sent.map(([, x]) => x)).toEqual([...Array(200).keys()]);
    const last = sent[sent.length - 1]![0];
    expect(last).toBeGreaterThanOrEqual(190);
    expect(last).toBeLessThanOrEqual(200);
    const perInstant = new Map<number, number>();
    for (const [t] of sent) perInstant.set(t, (perInstant.get(t) ?? 0) + 1);
    expect(Math.max(...perInstant.values())).toBeLessThanOrEqual(5); // 5 ms × 125 bytes
  });

  it('sends audio first, then retransmissions, then video', () => {
    const p = new Pacer<string>({ targetBitrateBps: 100_000 });
    p.enqueue('v1', 100, 'video', 0);
    p.enqueue('r1', 100, 'retransmission', 0);
    p.enqueue('a1', 100, 'audio', 0);
    p.enqueue('v2', 100, 'video', 0);
    p.enqueue('r2', 100, 'retransmission', 0);
    expect(drain(p, 0, 1000).map(([, x]) => x)).toEqual(['a1', 'r1', 'r2', 'v1', 'v2']);
  });

  it('lets audio out at once, outside the budget (libwebrtc: pace_audio off)', () => {
    const p = new Pacer<string>({ targetBitrateBps: 100_000 });
    for (let i = 0; i < 10; i++) p.enqueue(`v${i}`, 1200, 'video', 0);
    p.process(0);
    p.enqueue('a', 100, 'audio', 1);
    expect(p.nextDeadline()).toBe(1);
    expect(p.process(1)).toEqual(['a']);
  });

  it('follows a new target', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000 });
    p.setTargetBitrate(1_000_000);
    expect(p.pacingRateBps).toBe(2_500_000);
    expect(() => p.setTargetBitrate(0)).toThrow();
  });

  it('drains a queue older than maxQueueTimeMs faster than the pacing rate', () => {
    const p = new Pacer<number>({ targetBitrateBps: 40_000, maxQueueTimeMs: 500 }); // 100 kb/s
    for (let i = 0; i < 100; i++) p.enqueue(i, 1200, 'video', 0); // 9.6 s at the pacing rate
    const sent = drain(p, 0, 100_000);
    expect(sent).toHaveLength(100);
    expect(sent[sent.length - 1]![0]).toBeLessThan(1000);
  });

  it('drops the oldest video first when full, and never audio for video', () => {
    const p = new Pacer<string>({ targetBitrateBps: 100_000, maxPackets: 3 });
    p.enqueue('a', 100, 'audio', 0);
    p.enqueue('v1', 100, 'video', 0);
    p.enqueue('v2', 100, 'video', 0);
    p.enqueue('r', 100, 'retransmission', 0); // drops v1
    expect(p.dropped).toBe(1);
    p.enqueue('v3', 100, 'video', 0); // drops v2
    p.enqueue('a2', 100, 'audio', 0); // drops v3
    p.enqueue('v4', 100, 'video', 0); // nothing lower: v4 goes
    expect(p.dropped).toBe(4);
    expect(p.queueLength).toBe(3);
    expect(p.queueSizeBytes).toBe(300);
    expect(drain(p, 0, 1000).map(([, x]) => x)).toEqual(['a', 'a2', 'r']);
  });
});

describe('Pacer probe clusters (libwebrtc BitrateProber)', () => {
  const cluster = (id: number, bitrateBps: number, minPackets = 5, minDurationMs = 15) => ({
    id,
    bitrateBps,
    minPackets,
    minDurationMs,
  });

  /** Runs on the pacer's deadlines; returns [time, packet, cluster] triples. */
  function run<T>(p: Pacer<T>, from: number, until: number): [number, T, number | undefined][] {
    const out: [number, T, number | undefined][] = [];
    let t = from;
    while (t <= until) {
      for (const x of p.processPackets(t)) out.push([t, x.packet, x.probeClusterId]);
      const d = p.nextDeadline();
      if (d === undefined) break;
      t = Math.max(d, t + 0.001);
    }
    return out;
  }

  it('sends queued packets at the probe rate, not the pacing rate, and tags them', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000 }); // pacing 250 kb/s
    for (let i = 0; i < 40; i++) p.enqueue(i, 1000, 'video', 0);
    p.probe(cluster(7, 2_000_000), 0); // 1000 bytes every 4 ms; 15 ms = 3750 bytes, 5 packets
    expect(p.probing).toBe(true);
    const sent = run(p, 0, 2000);
    const probe = sent.filter(([, , id]) => id === 7);
    expect(probe.map(([t]) => t)).toEqual([0, 4, 8, 12, 16]);
    expect(p.probing).toBe(false);
    // Then the pacing rate again: 1000 bytes every 32 ms (the probe's bytes count as debt).
    const after = sent.filter(([, , id]) => id === undefined).map(([t]) => t);
    expect(after[1]! - after[0]!).toBeCloseTo(32, 0);
    expect(sent).toHaveLength(40);
  });

  it('lasts its min duration when the min packets are sent sooner', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000 });
    for (let i = 0; i < 40; i++) p.enqueue(i, 250, 'video', 0);
    p.probe(cluster(1, 1_000_000, 5, 30), 0); // 30 ms = 3750 bytes = 15 packets of 250
    const probe = run(p, 0, 2000).filter(([, , id]) => id === 1);
    expect(probe).toHaveLength(15);
    expect(probe[probe.length - 1]![0]).toBeCloseTo(28, 0); // 14 × 2 ms
  });

  it('asks for padding when the queue runs short, and runs clusters one after the other', () => {
    const asked: number[] = [];
    const p = new Pacer<string>({
      targetBitrateBps: 100_000,
      padding: (bytes) => {
        asked.push(bytes);
        return [{ packet: 'pad', sizeBytes: 500 }];
      },
    });
    p.enqueue('v', 1000, 'video', 0);
    p.probe(cluster(1, 1_000_000), 0); // 1875 bytes, 5 packets
    p.probe(cluster(2, 2_000_000), 0);
    const sent = run(p, 0, 1000);
    const one = sent.filter(([, , id]) => id === 1);
    expect(one.map(([, x]) => x)).toEqual(['v', 'pad', 'pad', 'pad', 'pad']);
    // 1000 bytes at 1 Mb/s take 8 ms, 500 bytes 4 ms.
    expect(one.map(([t]) => t)).toEqual([0, 8, 12, 16, 20]);
    expect(asked[0]).toBe(250); // 2 ms at 1 Mb/s a send
    const two = sent.filter(([, , id]) => id === 2);
    expect(two.length).toBeGreaterThanOrEqual(8); // 3750 bytes of 500-byte padding
    expect(two[0]![0]).toBeGreaterThanOrEqual(24);
    expect(p.probing).toBe(false);
    expect(run(p, 1000, 2000)).toEqual([]); // no padding outside probes
  });

  it('waits for a packet to start without padding; gives the cluster up when it runs dry', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000 });
    p.probe(cluster(1, 1_000_000), 0);
    expect(p.nextDeadline()).toBeUndefined();
    p.enqueue(1, 1000, 'video', 50);
    p.enqueue(2, 1000, 'video', 50);
    expect(p.processPackets(50).map((x) => x.probeClusterId)).toEqual([1]);
    expect(p.nextDeadline()).toBe(58);
    expect(p.processPackets(58).map((x) => x.probeClusterId)).toEqual([1]);
    expect(p.nextDeadline()).toBeUndefined(); // empty: the cluster waits
    p.enqueue(3, 1000, 'video', 100); // 26 ms late: given up, paced as usual
    expect(p.processPackets(100).map((x) => x.probeClusterId)).toEqual([]);
    expect(p.probing).toBe(false);
  });

  it('gives a cluster up when the padding callback has nothing', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000, padding: () => [] });
    p.probe(cluster(1, 1_000_000), 0);
    expect(p.nextDeadline()).toBe(Number.NEGATIVE_INFINITY);
    expect(p.processPackets(0)).toEqual([]);
    expect(p.probing).toBe(false);
    expect(p.nextDeadline()).toBeUndefined();
  });

  it('drops a cluster not started within 5 s, and refuses an empty one', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000 });
    p.process(0);
    p.probe(cluster(1, 1_000_000), 0);
    p.enqueue(1, 1000, 'video', 6000);
    expect(p.processPackets(6000)).toEqual([
      { packet: 1, sizeBytes: 1000, probeClusterId: undefined },
    ]);
    expect(() => p.probe(cluster(2, 0), 0)).toThrow(/positive bitrate/);
  });
});
