import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('runs timers in due order, and in set order for equal times', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimeout(() => order.push('b@20'), 20);
    clock.setTimeout(() => order.push('a@10'), 10);
    clock.setTimeout(() => order.push('c@20'), 20);
    clock.setTimeout(() => order.push('d@0'), -5);
    await clock.advance(15);
    expect(order).toEqual(['d@0', 'a@10']);
    expect(clock.now()).toBe(15);
    await clock.advance(5);
    expect(order).toEqual(['d@0', 'a@10', 'b@20', 'c@20']);
  });

  it('sets now() to the due time while a timer runs', async () => {
    const clock = new VirtualClock({ start: 100 });
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 7);
    clock.setTimeout(() => clock.setTimeout(() => seen.push(clock.now()), 3), 1);
    await clock.advance(50);
    expect(seen).toEqual([104, 107]);
    expect(clock.now()).toBe(150);
  });

  it('does not run cancelled timers, and cancel is idempotent', async () => {
    const clock = new VirtualClock();
    let ran = 0;
    const timers = Array.from({ length: 100 }, (_, i) => clock.setTimeout(() => ran++, i));
    for (let i = 0; i < 100; i += 2) timers[i]!.cancel();
    timers[0]!.cancel();
    await clock.runUntilIdle();
    expect(ran).toBe(50);
    timers[1]!.cancel();
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets awaited promises settle between timers', async () => {
    const clock = new VirtualClock();
    const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
    const log: number[] = [];
    const task = (async () => {
      for (let i = 0; i < 5; i++) {
        await sleep(1000);
        log.push(clock.now());
      }
    })();
    await clock.advance(5000);
    await task;
    expect(log).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  it('runUntil stops when the predicate holds and reports a timeout', async () => {
    const clock = new VirtualClock();
    let count = 0;
    let timer = clock.setTimeout(function tick() {
      count++;
      timer = clock.setTimeout(tick, 100);
    }, 100);
    expect(await clock.runUntil(() => count === 30)).toBe(true);
    expect(clock.now()).toBe(3000);
    expect(await clock.runUntil(() => count === -1, { timeoutMs: 1000 })).toBe(false);
    expect(clock.now()).toBe(4000);
    await expect(clock.runUntilIdle({ maxTimers: 50 })).rejects.toThrow(/re-arms forever/);
    expect(clock.pendingTimers).toBe(1);
    timer.cancel();
    expect(clock.pendingTimers).toBe(0);
  });

  it('advances 60 s of timers in under 50 ms of CPU time', async () => {
    const clock = new VirtualClock();
    let fired = 0;
    // Two tickers at 20 Hz (two ICE agents' check pacing) for 60 s: 2 400 timers, each
    // followed by a full settle of promises and immediates (about 3 µs each on an idle core).
    for (let a = 0; a < 2; a++) {
      const tick = (): void => {
        fired++;
        if (clock.now() + 50 <= 60_000) clock.setTimeout(tick, 50);
      };
      clock.setTimeout(tick, a);
    }
    // CPU time of this process, not wall time: other test files and processes sharing the
    // cores must not make it fail (it did once in CI, under a load average of 10).
    const started = process.cpuUsage();
    await clock.advance(60_000);
    const used = process.cpuUsage(started);
    expect(fired).toBe(2 * 1200 + 1);
    expect((used.user + used.system) / 1000).toBeLessThan(50);
  });
});
