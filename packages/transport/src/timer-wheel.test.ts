import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { Prng } from './virtual/prng.js';
import { TimerWheel } from './timer-wheel.js';

const now = () => performance.now();
const nodeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

it('runs each timer once, never early, in order of due time, several per wakeup', async () => {
  const wheel = new TimerWheel(now, 10);
  const prng = new Prng(3);
  // The wheel reads the time itself, between `before` and `after`: its due time lies between.
  const ran: { dueLow: number; dueHigh: number; at: number; i: number }[] = [];
  // A wakeup runs its timers in one synchronous loop: a microtask marks its end.
  let wakeups = 0;
  let inWakeup = false;
  const timersBefore = nodeTimers();
  const start = now();
  for (let i = 0; i < 500; i++) {
    const delay = 20 + 280 * prng.next();
    const before = now();
    wheel.setTimeout(() => {
      const at = now();
      ran.push({ dueLow: before + delay, dueHigh: after + delay, at, i });
      if (!inWakeup) {
        inWakeup = true;
        wakeups++;
        queueMicrotask(() => {
          inWakeup = false;
        });
      }
    }, delay);
    const after = now();
  }
  // One Node timer for all of them.
  expect(nodeTimers() - timersBefore).toBe(1);
  expect(wheel.pending).toBe(500);
  await new Promise((r) => setTimeout(r, 400));
  expect(ran.length).toBe(500);
  expect(new Set(ran.map((r) => r.i)).size).toBe(500);
  for (const r of ran) expect(r.at).toBeGreaterThanOrEqual(r.dueLow);
  // Up to one slot late, plus what a busy event loop adds.
  expect(Math.max(...ran.map((r) => r.at - r.dueHigh))).toBeLessThan(10 + 40);
  for (let i = 1; i < ran.length; i++)
    expect(ran[i]!.dueHigh).toBeGreaterThanOrEqual(ran[i - 1]!.dueLow);
  // 500 deadlines over ~280 ms in 10 ms slots: about 30 wakeups, not 500.
  expect(wakeups).toBeLessThanOrEqual(Math.ceil((now() - start) / 10) + 5);
  expect(wakeups).toBeGreaterThan(10);
  expect(wheel.pending).toBe(0);
  expect(nodeTimers()).toBeLessThanOrEqual(timersBefore);
});

it('skips cancelled timers, lets a callback cancel one of its batch, and lets go once empty', async () => {
  const wheel = new TimerWheel(now, 10);
  const timersBefore = nodeTimers();
  const ran: string[] = [];
  const a = wheel.setTimeout(() => ran.push('a'), 30);
  wheel.setTimeout(() => {
    ran.push('b');
    c.cancel(); // due in the same slot, after b
    wheel.setTimeout(() => ran.push('d'), 0); // set from a callback: runs in a later wakeup
  }, 31);
  const c = wheel.setTimeout(() => ran.push('c'), 32);
  a.cancel();
  a.cancel();
  expect(wheel.pending).toBe(2);
  await new Promise((r) => setTimeout(r, 80));
  expect(ran).toEqual(['b', 'd']);
  expect(wheel.pending).toBe(0);
  // Every timer cancelled: no Node timer holds the process.
  const e = wheel.setTimeout(() => ran.push('e'), 5000);
  expect(nodeTimers() - timersBefore).toBe(1);
  e.cancel();
  expect(nodeTimers()).toBeLessThanOrEqual(timersBefore);
  expect(ran).toEqual(['b', 'd']);
});
