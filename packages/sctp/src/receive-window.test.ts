import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { AcceptResult, Receiver } from './receiver.js';
import { connectPair, makePair, type Pair } from './testing-pair.js';

const KiB = 1024;

/** Sends `count` messages of 16 KiB from a to b and waits until b has them all. */
async function transfer(clock: VirtualClock, p: Pair, count: number): Promise<void> {
  for (let i = 0; i < count; i++) p.a.assoc.send(0, 53, new Uint8Array(16 * KiB).fill(i));
  const before = p.b.messages.length;
  expect(
    await clock.runUntil(() => p.b.messages.length === before + count, { timeoutMs: 60_000 }),
  ).toBe(true);
  await clock.advance(1000); // the last SACK (delayed) has arrived
}

type Tail<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;

/** A pair made with `makePair`'s arguments after the clock, connected, on a clock of its own. */
async function connected(...args: Tail<Parameters<typeof makePair>>) {
  const clock = new VirtualClock();
  const p = makePair(clock, ...args);
  expect(await connectPair(clock, p)).toBe(true);
  return { clock, p };
}

describe('the advertised receive window (receiveWindowRate)', () => {
  it('offers the rate times a short path round trip, never below maxMessageSize + 64 KiB', async () => {
    // A loopback-like path: 0.1 ms each way, its round trip known from below (ICE).
    const { clock, p } = await connected({ delayMs: 0.1 }, {}, {}, { pathRttMs: 0.2 });
    await transfer(clock, p, 20);
    // 128 MiB/s × 0.2 ms is 27 KB: the floor, 256 KiB of maxMessageSize + 64 KiB, holds.
    expect(p.a.assoc.stats.peerRwnd).toBe(320 * KiB);
    expect(p.b.assoc.stats.localRwnd).toBe(320 * KiB);
    // The sender had no round trip from below, and measured one from its DATA's SACKs.
    expect(p.a.assoc.stats.srtt).toBeLessThan(1);
    expect(p.a.assoc.stats.localRwnd).toBe(320 * KiB);
    p.close();
  });

  it('offers the whole buffer on a long path, and follows the path when it changes', async () => {
    const { clock, p } = await connected({ delayMs: 25 }, {}, {}, { pathRttMs: 50 });
    await transfer(clock, p, 20);
    // 128 MiB/s × 50 ms is 6.7 MB: the 1 MiB buffer is the limit.
    expect(p.a.assoc.stats.peerRwnd).toBe(1024 * KiB);
    // The layer below selected a path of 4 ms: 537 KB offered from the next SACK on.
    p.b.assoc.setPathRtt(4);
    p.link.set({ delayMs: 2 });
    await transfer(clock, p, 5);
    expect(p.a.assoc.stats.peerRwnd).toBe(Math.ceil(134_217_728 * 0.004));
    // An unknown round trip offers the buffer again.
    p.b.assoc.setPathRtt(undefined);
    await transfer(clock, p, 5);
    expect(p.a.assoc.stats.peerRwnd).toBe(1024 * KiB);
    p.close();
  });

  it('sizes the window from its own measurements when it sends, and not at all with Infinity', async () => {
    const { clock, p } = await connected(
      { delayMs: 0.5 },
      {},
      { receiveWindowRate: Number.POSITIVE_INFINITY },
    );
    // Each sends: each measures the round trip of its DATA (1 ms) from the SACKs.
    await transfer(clock, p, 5);
    p.b.assoc.send(0, 53, new Uint8Array(1000));
    expect(await clock.runUntil(() => p.a.messages.length === 1)).toBe(true);
    await clock.advance(1000);
    expect(p.b.assoc.stats.srtt).toBeDefined();
    expect(p.b.assoc.stats.localRwnd).toBe(320 * KiB);
    // a's rate is infinite: its whole buffer, whatever the round trip.
    expect(p.a.assoc.stats.srtt).toBeDefined();
    expect(p.a.assoc.stats.localRwnd).toBe(1024 * KiB);
    p.close();
  });

  it('accepts data beyond the advertised window while the buffer has room', () => {
    const r = new Receiver(1, 100_000, 65_536, () => {});
    r.setAdvertisedLimit(1000);
    // Sent against an earlier, larger window: kept, and the SACK advertises nothing more.
    expect(r.accept(3, 5000)).toBe(AcceptResult.New);
    r.deliver(2, 3, 0, 0, 51, new Uint8Array(5000));
    expect(r.window).toBe(95_000);
    expect(r.advertisedWindow).toBe(0);
    r.setAdvertisedLimit(1_000_000);
    expect(r.advertisedWindow).toBe(95_000);
  });
});
