import { VirtualClock } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkType } from './chunk.js';
import { COMMON_HEADER_SIZE } from './packet.js';
import {
  MAX_PROBES,
  PathMtuSearch,
  PROBE_INFO_LENGTH,
  PROBE_TIMEOUT_MS,
  RAISE_INTERVAL_MS,
  SEARCH_GRANULARITY,
} from './pmtu.js';
import { AssociationState } from './state.js';
import { DeadlineTimer } from './timer.js';
import { connectPair, makePair, type Pair } from './testing-pair.js';

/** A search whose probes pass when they fit `path.mtu`, answered after `rttMs`. */
function harness(clock: VirtualClock, base: number, max: number, path: { mtu: number }) {
  const probes: number[] = [];
  const changes: Array<[number, string]> = [];
  const timer = (fn: () => void) =>
    new DeadlineTimer(
      { now: () => clock.now(), setTimeout: (cb, ms) => clock.setTimeout(cb, ms) },
      fn,
    );
  let nonce = 0;
  const search: PathMtuSearch = new PathMtuSearch(
    {
      sendProbe: (size, info) => {
        probes.push(size);
        expect(info.length).toBe(PROBE_INFO_LENGTH);
        const copy = info.slice();
        if (size <= path.mtu) clock.setSystemTimeout(() => search.onHeartbeatAck(copy), 10);
      },
      changed: (mtu, reason) => changes.push([mtu, reason]),
      now: () => clock.now(),
      rto: () => 200,
      nonce: () => ++nonce,
    },
    timer(() => search.onProbeTimeout()),
    timer(() => search.onRaiseTimeout()),
    base,
    max,
  );
  return { search, probes, changes };
}

describe('PathMtuSearch (RFC 8899)', () => {
  let clock: VirtualClock;

  it('confirms the largest size at once when the path carries it', async () => {
    clock = new VirtualClock();
    const h = harness(clock, 1200, 16_384, { mtu: 65_535 });
    h.search.start();
    await clock.advance(20);
    expect(h.probes).toEqual([16_384]);
    expect(h.search.mtu).toBe(16_384);
    expect(h.changes).toEqual([[16_384, 'probe-acknowledged']]);
    expect(clock.pendingTimers).toBe(0);
    h.search.stop();
  });

  it('binary-searches below a size that goes unanswered MAX_PROBES times', async () => {
    clock = new VirtualClock();
    const h = harness(clock, 1200, 16_384, { mtu: 4000 });
    h.search.start();
    await clock.advance(120_000);
    // The largest size was tried MAX_PROBES times before the search moved on.
    expect(h.probes.slice(0, MAX_PROBES)).toEqual(Array(MAX_PROBES).fill(16_384));
    expect(h.search.mtu).toBeLessThanOrEqual(4000);
    expect(4000 - h.search.mtu).toBeLessThan(SEARCH_GRANULARITY);
    expect(h.search.mtu % 4).toBe(0);
    // Every confirmed size passed the path; every step went up.
    const ups = h.changes.map(([m]) => m);
    expect(ups).toEqual([...ups].sort((a, b) => a - b));
    expect(h.changes.every(([, r]) => r === 'probe-acknowledged')).toBe(true);
    // Ended below the maximum: a raise timer is the only timer left.
    expect(clock.pendingTimers).toBe(1);
    h.search.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('stays at the base when nothing larger passes, and waits PROBE_TIMEOUT_MS between probes', async () => {
    clock = new VirtualClock();
    const h = harness(clock, 1200, 1500, { mtu: 1200 });
    h.search.start();
    expect(h.probes).toEqual([1500]);
    await clock.advance(PROBE_TIMEOUT_MS - 1);
    expect(h.probes).toEqual([1500]);
    await clock.advance(1);
    expect(h.probes).toEqual([1500, 1500]);
    await clock.advance(60_000);
    expect(h.search.mtu).toBe(1200);
    expect(h.changes).toEqual([]);
    h.search.stop();
  });

  it('searches again after the raise interval and finds a path that grew', async () => {
    clock = new VirtualClock();
    const path = { mtu: 2000 };
    const h = harness(clock, 1200, 9000, path);
    h.search.start();
    await clock.advance(120_000);
    expect(h.search.mtu).toBeLessThanOrEqual(2000);
    path.mtu = 65_535;
    await clock.advance(RAISE_INTERVAL_MS);
    await clock.advance(100);
    expect(h.search.mtu).toBe(9000);
    h.search.stop();
  });

  it('falls back to the base on a black hole and searches again', async () => {
    clock = new VirtualClock();
    const path = { mtu: 65_535 };
    const h = harness(clock, 1200, 16_384, path);
    h.search.start();
    await clock.advance(20);
    expect(h.search.mtu).toBe(16_384);
    path.mtu = 3000;
    h.search.onDataTimeout();
    h.search.onProgress(); // an acknowledgement in between: not a black hole
    h.search.onDataTimeout();
    expect(h.search.mtu).toBe(16_384);
    h.search.onDataTimeout();
    expect(h.search.mtu).toBe(1200);
    expect(h.changes[1]).toEqual([1200, 'black-hole']);
    await clock.advance(120_000);
    expect(h.search.mtu).toBeGreaterThan(3000 - SEARCH_GRANULARITY);
    expect(h.search.mtu).toBeLessThanOrEqual(3000);
    h.search.stop();
  });

  it('drops to the base when the limit is lowered below the PMTU in use', async () => {
    clock = new VirtualClock();
    const h = harness(clock, 1200, 16_384, { mtu: 65_535 });
    h.search.start();
    await clock.advance(20);
    h.search.setMax(1200);
    expect(h.search.mtu).toBe(1200);
    expect(h.changes.at(-1)).toEqual([1200, 'limit-lowered']);
    expect(clock.pendingTimers).toBe(0);
    h.search.setMax(8000);
    await clock.advance(20);
    expect(h.search.mtu).toBe(8000);
    h.search.stop();
  });

  it('ignores acknowledgements of other sizes or nonces, and plain heartbeats', async () => {
    clock = new VirtualClock();
    const h = harness(clock, 1200, 16_384, { mtu: 0 });
    h.search.start();
    const forged = new Uint8Array(PROBE_INFO_LENGTH);
    new DataView(forged.buffer).setUint32(12, 16_384); // nonce 0: not ours
    expect(h.search.onHeartbeatAck(forged)).toBe(true);
    expect(h.search.onHeartbeatAck(new Uint8Array(12))).toBe(false);
    expect(h.search.mtu).toBe(1200);
    h.search.stop();
  });
});

describe('an association with maxMtu', () => {
  let pair: Pair | undefined;
  let clock: VirtualClock;
  afterEach(() => {
    pair?.close();
    pair = undefined;
  });

  async function connect(p: Pair): Promise<void> {
    expect(await connectPair(clock, p, 10_000)).toBe(true);
  }

  /** Sends one message of `size` bytes from a to b and waits for it. */
  async function transfer(p: Pair, size: number): Promise<void> {
    const before = p.b.messages.length;
    p.a.assoc.send(1, 53, new Uint8Array(size).fill(9));
    const ok = await clock.runUntil(() => p.b.messages.length > before, { timeoutMs: 60_000 });
    expect(ok).toBe(true);
  }

  it('does not probe before there is more to send than one packet', async () => {
    clock = new VirtualClock();
    pair = makePair(clock, { delayMs: 1 }, { maxMtu: 16_384 });
    await connect(pair);
    await transfer(pair, 100);
    await clock.advance(1000);
    expect(pair.a.assoc.stats.pmtuProbesSent).toBe(0);
    await transfer(pair, 50_000);
    expect(pair.a.assoc.stats.pmtuProbesSent).toBe(1);
    expect(pair.a.assoc.stats.pathMtu).toBe(16_384);
  });

  it('raises its packets to what the link carries, and the peer skips the PAD chunk', async () => {
    clock = new VirtualClock();
    pair = makePair(clock, { mtu: 5000, delayMs: 1 }, { maxMtu: 16_384 });
    const sizes: number[] = [];
    const chunks: number[] = [];
    pair.link.tap = (_from, p) => {
      sizes.push(p.length);
      chunks.push(p[COMMON_HEADER_SIZE]!);
    };
    await connect(pair);
    await transfer(pair, 50_000);
    await clock.advance(30_000);
    const a = pair.a.assoc.stats;
    expect(a.pathMtu).toBeLessThanOrEqual(5000);
    expect(5000 - a.pathMtu).toBeLessThan(SEARCH_GRANULARITY);
    expect(a.pmtuProbesSent).toBeGreaterThan(MAX_PROBES);
    expect(pair.b.assoc.stats.droppedChunks).toBe(0);
    expect(chunks).toContain(ChunkType.Heartbeat);

    // A 200 KB message now goes in packets of the discovered size, none dropped for size.
    const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
    sizes.length = 0;
    const tooBig = pair.link.counters[0].tooBig;
    pair.a.assoc.send(1, 53, big);
    await clock.runUntil(() => pair!.b.messages.length === 2, { timeoutMs: 10_000 });
    expect(Buffer.compare(pair.b.messages[1]!.data, big)).toBe(0);
    expect(pair.link.counters[0].tooBig).toBe(tooBig);
    // Chunks keep the size cut for the base MTU: a packet bundles as many as fit the PMTU.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(a.pathMtu);
    expect(Math.max(...sizes)).toBeGreaterThan(a.pathMtu - 1200);
    expect(sizes.filter((s) => s > 1200).length).toBeGreaterThan(30);
  });

  it('recovers every message when the path shrinks under a raised PMTU (black hole)', async () => {
    clock = new VirtualClock();
    pair = makePair(clock, { delayMs: 1 }, { maxMtu: 16_384, rtoMinMs: 100 });
    await connect(pair);
    await transfer(pair, 50_000);
    expect(pair.a.assoc.stats.pathMtu).toBe(16_384);
    pair.link.set({ mtu: 1300 });
    const messages = Array.from({ length: 20 }, (_, i) => new Uint8Array(30_000).fill(i));
    for (const m of messages) pair.a.assoc.send(1, 53, m);
    const ok = await clock.runUntil(() => pair!.b.messages.length === 1 + messages.length, {
      timeoutMs: 120_000,
    });
    expect(ok).toBe(true);
    for (const [i, m] of pair.b.messages.slice(1).entries()) {
      expect(Buffer.compare(m.data, messages[i]!)).toBe(0);
    }
    expect(pair.a.assoc.stats.pathMtu).toBeLessThanOrEqual(1300);
    expect(pair.a.assoc.state).toBe(AssociationState.Connected);
  });

  it('starts probing when setMaxMtu raises the limit after establishment', async () => {
    clock = new VirtualClock();
    pair = makePair(clock, { delayMs: 1 });
    await connect(pair);
    await clock.advance(100);
    expect(pair.a.assoc.stats.pathMtu).toBe(1200);
    expect(pair.a.assoc.stats.pmtuProbesSent).toBe(0);
    pair.a.assoc.setMaxMtu(8192);
    await transfer(pair, 50_000);
    expect(pair.a.assoc.stats.pathMtu).toBe(8192);
    pair.a.assoc.setMaxMtu(1200);
    expect(pair.a.assoc.stats.pathMtu).toBe(1200);
  });
});
