import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { DeadlineTimer, RtoEstimator } from './timer.js';

describe('RtoEstimator (RFC 6298)', () => {
  it('starts at RTO.Initial, follows §2.2/§2.3, clamps and backs off', () => {
    const r = new RtoEstimator({ initialMs: 1000, minMs: 100, maxMs: 5000 });
    expect(r.rto).toBe(1000);
    r.observe(200); // SRTT 200, RTTVAR 100 -> 600
    expect(r.rto).toBe(600);
    r.observe(200); // RTTVAR 75, SRTT 200 -> 500
    expect(r.rto).toBe(500);
    r.backOff();
    expect(r.rto).toBe(1000);
    for (let i = 0; i < 10; i++) r.backOff();
    expect(r.rto).toBe(5000);
    for (let i = 0; i < 50; i++) r.observe(1);
    expect(r.rto).toBe(100);
  });
});

describe('DeadlineTimer', () => {
  it('fires once at the latest deadline set, reusing its clock timer', async () => {
    const clock = new VirtualClock();
    let fired = 0;
    const t = new DeadlineTimer(clock, () => fired++);
    t.start(100);
    await clock.advance(50);
    t.start(100); // now due at 150
    t.start(80); // earlier: due at 130
    await clock.advance(79);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    expect(t.running).toBe(false);
    t.ensure(10);
    t.ensure(500);
    await clock.advance(10);
    expect(fired).toBe(2);
    t.start(5);
    t.stop();
    await clock.advance(100);
    expect(fired).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps its clock timer across stop and start, and release cancels it', async () => {
    const clock = new VirtualClock();
    let armed = 0;
    const counting = {
      now: () => clock.now(),
      setTimeout: (fn: () => void, ms: number) => {
        armed++;
        return clock.setTimeout(fn, ms);
      },
    };
    let fired = 0;
    const t = new DeadlineTimer(counting, () => fired++);
    // A delayed SACK: set by one packet, stopped by the next, a hundred times in 50 ms.
    for (let i = 0; i < 100; i++) {
      t.ensure(200);
      t.stop();
      await clock.advance(0.5);
    }
    expect(armed).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    // The last deadline, set at 50 ms, is due at 250: the clock timer fires at 200 and re-arms.
    t.ensure(200);
    await clock.advance(199);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    expect(armed).toBe(2);
    // A stopped deadline fires nothing; release leaves no clock timer behind.
    t.start(100);
    t.stop();
    await clock.advance(100);
    expect(fired).toBe(1);
    t.start(100);
    t.release();
    expect(clock.pendingTimers).toBe(0);
    expect(t.running).toBe(false);
    await clock.advance(200);
    expect(fired).toBe(1);
  });
});
