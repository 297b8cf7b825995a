import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from './clock.js';
import { type ResourceSink, resourceSink } from './resources.js';
import { TimerWheel } from './timer-wheel.js';

/**
 * Timers of at least this many milliseconds share a {@link TimerWheel} (consent, STUN and DTLS
 * retransmissions, SCTP heartbeats: the timers every idle connection keeps), at most 10 %
 * late; shorter ones (pacing, Ta) are Node timers of their own.
 */
const COALESCE_FROM_MS = 100;
/** How late a coalesced timer of less than {@link COARSE_FROM_MS} may run (never early). */
const SLOT_MS = 10;
/**
 * Timers of at least this many milliseconds (consent and liveness, the first DTLS and SCTP
 * retransmissions, heartbeats) share a wheel of {@link COARSE_SLOT_MS} slots: still at most
 * 10 % late, and ten times fewer wakeups. Measured with 150 idle pairs in one process
 * (tools/bench/scale, three runs each, interleaved): 1084 → 839 ms of CPU in 10 s (−23 %); an
 * idle connection's work is a few consent exchanges a second, and each wakeup that runs one
 * alone pays for cold code and caches.
 */
const COARSE_FROM_MS = 1000;
/** How late a coalesced timer of {@link COARSE_FROM_MS} or more may run (never early). */
const COARSE_SLOT_MS = 100;

class SystemTimer implements Timer {
  constructor(private readonly handle: NodeJS.Timeout) {}
  cancel(): void {
    clearTimeout(this.handle);
  }
}

class TrackedTimer implements Timer {
  private handle: NodeJS.Timeout | undefined;
  private readonly token: number;

  constructor(
    private readonly sink: ResourceSink,
    callback: () => void,
    delayMs: number,
  ) {
    this.token = sink.opened('timer', `timer of ${delayMs} ms`);
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.sink.closed(this.token);
      callback();
    }, delayMs);
  }

  cancel(): void {
    if (this.handle === undefined) return;
    clearTimeout(this.handle);
    this.handle = undefined;
    this.sink.closed(this.token);
  }
}

/**
 * The real clock: `performance.now()` and Node's timers. Timers of 100 ms or more are
 * coalesced: they run in order of due time, at most 10 % late (never early: up to 10 ms for
 * those under a second, up to 100 ms for longer ones), several per wakeup, so that thousands
 * of idle connections cost a few wakeups a second, not a Node timer each. While a resource
 * tracker is installed (tests), every timer is a Node timer.
 */
export class SystemClock implements Clock {
  private readonly wheel = new TimerWheel(() => performance.now(), SLOT_MS);
  private readonly coarseWheel = new TimerWheel(() => performance.now(), COARSE_SLOT_MS);

  now(): number {
    return performance.now();
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const delay = delayMs > 0 ? delayMs : 0;
    const sink = resourceSink();
    if (sink !== undefined) return new TrackedTimer(sink, callback, delay);
    if (delay >= COARSE_FROM_MS) return this.coarseWheel.setTimeout(callback, delay);
    if (delay >= COALESCE_FROM_MS) return this.wheel.setTimeout(callback, delay);
    return new SystemTimer(setTimeout(callback, delay));
  }
}

/** One shared {@link SystemClock}, the default of every layer. */
export const systemClock: Clock = new SystemClock();
