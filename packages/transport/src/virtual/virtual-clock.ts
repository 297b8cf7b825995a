import type { Clock, Timer } from '../clock.js';
import { ConfigurationError } from '../errors.js';
import { type LeakSource, registerTestResource } from './registry.js';

/** A timer of a {@link VirtualClock}. */
class VirtualTimer implements Timer {
  /** Position in the heap, or -1 once it ran or was cancelled. */
  index = -1;

  constructor(
    readonly clock: VirtualClock,
    readonly due: number,
    readonly seq: number,
    readonly callback: () => void,
    /** True for timers of the test infrastructure itself (the virtual network's queue). */
    readonly system: boolean,
    readonly origin: string | undefined,
  ) {}

  cancel(): void {
    this.clock.cancelTimer(this);
  }
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** The time `now()` starts at, in ms. Defaults to 0. */
  readonly start?: number;
  /**
   * Records where each timer was set (a stack trace), so that a leaked timer can be told
   * apart. Costs a stack capture per timer. Defaults to false.
   */
  readonly captureOrigins?: boolean;
}

/** Options of {@link VirtualClock.runUntil} and {@link VirtualClock.runUntilIdle}. */
export interface RunOptions {
  /** Virtual milliseconds after which to stop. */
  readonly timeoutMs?: number;
  /** Timers to run at the most before giving up (guards against a timer that re-arms forever). */
  readonly maxTimers?: number;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A `Clock` (of `@x/transport`) whose time moves only when told: `advance(ms)`, `runUntil(predicate)` or
 * `runUntilIdle()`. Timers run in order of due time, and in the order they were set when due
 * at the same time, so a run is deterministic. Between two timers the pending promise
 * callbacks (microtasks) and immediates are allowed to run, so `async` code that awaits
 * between timers behaves as it would on the real clock.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * let fired = false;
 * clock.setTimeout(() => { fired = true; }, 30_000);
 * await clock.advance(30_000); // returns at once in real time
 * ```
 */
export class VirtualClock implements Clock, LeakSource {
  private current: number;
  private seq = 0;
  private readonly heap: VirtualTimer[] = [];
  private readonly captureOrigins: boolean;
  private running = false;

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.start ?? 0;
    this.captureOrigins = options.captureOrigins ?? false;
    registerTestResource(this);
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    return this.schedule(callback, delayMs, false);
  }

  /**
   * Schedules a timer of the test infrastructure itself: it is not reported as a leak. Used
   * by the virtual network for datagrams in flight.
   */
  setSystemTimeout(callback: () => void, delayMs: number): Timer {
    return this.schedule(callback, delayMs, true);
  }

  /** Number of pending timers, not counting the infrastructure's own. */
  get pendingTimers(): number {
    let n = 0;
    for (const timer of this.heap) if (!timer.system) n++;
    return n;
  }

  /** Descriptions of the pending timers that are not the infrastructure's own. */
  describePendingTimers(): string[] {
    return this.heap
      .filter((t) => !t.system)
      .sort((a, b) => a.due - b.due || a.seq - b.seq)
      .map((t) => `timer due at ${t.due} ms${t.origin ? `, set at:\n${t.origin}` : ''}`);
  }

  /** For the leak check: the pending timers that are not the infrastructure's own. */
  describeLeaks(): string[] {
    return this.describePendingTimers().map((t) => `virtual clock: ${t}`);
  }

  /** Due time of the next timer, or `undefined` when none is pending. */
  nextDue(): number | undefined {
    return this.heap[0]?.due;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due, in order. Resolves once
   * time has reached `now() + ms` and the timers due by then have run.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new ConfigurationError(`advance() takes a duration >= 0, got ${ms}`);
    await this.runTo(this.current + ms, () => false, Number.POSITIVE_INFINITY);
  }

  /** Moves time to the absolute `time` (no-op when it has passed). */
  async advanceTo(time: number): Promise<void> {
    await this.runTo(Math.max(time, this.current), () => false, Number.POSITIVE_INFINITY);
  }

  /**
   * Runs timers in order until `predicate()` holds, checking it before each timer. Resolves
   * `true` when it held, `false` when the timeout (default 1 hour of virtual time) or the
   * timer limit came first, or no timer was left to run.
   */
  async runUntil(predicate: () => boolean, options: RunOptions = {}): Promise<boolean> {
    await settle();
    if (predicate()) return true;
    const deadline = this.current + (options.timeoutMs ?? 3_600_000);
    const done = await this.runTo(deadline, predicate, options.maxTimers ?? 10_000_000, true);
    return done;
  }

  /**
   * Runs timers until none is pending (or only the limit is reached). Resolves the number of
   * timers that ran. Throws when `maxTimers` (default 1 000 000) ran and timers remain, which
   * means something re-arms forever.
   */
  async runUntilIdle(options: RunOptions = {}): Promise<number> {
    const max = options.maxTimers ?? 1_000_000;
    const deadline = this.current + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    let ran = 0;
    await settle();
    while (this.heap.length > 0 && ran < max) {
      const next = this.heap[0]!;
      if (next.due > deadline) break;
      this.current = Math.max(this.current, next.due);
      this.pop();
      ran++;
      next.callback();
      await settle();
    }
    if (this.heap.length > 0 && ran >= max) {
      throw new ConfigurationError(
        `runUntilIdle ran ${ran} timers and timers remain: something re-arms forever; use advance() or runUntil()`,
      );
    }
    return ran;
  }

  /** @internal */
  cancelTimer(timer: VirtualTimer): void {
    if (timer.index < 0) return;
    this.removeAt(timer.index);
  }

  private schedule(callback: () => void, delayMs: number, system: boolean): Timer {
    const delay = delayMs > 0 ? delayMs : 0;
    const origin = this.captureOrigins
      ? new Error().stack?.split('\n').slice(3, 9).join('\n')
      : undefined;
    const timer = new VirtualTimer(
      this,
      this.current + delay,
      this.seq++,
      callback,
      system,
      origin,
    );
    this.push(timer);
    return timer;
  }

  private async runTo(
    target: number,
    predicate: () => boolean,
    maxTimers: number,
    returnOnPredicate = false,
  ): Promise<boolean> {
    if (this.running) {
      throw new ConfigurationError(
        'the virtual clock is already being advanced; await the first call',
      );
    }
    this.running = true;
    try {
      await settle();
      let ran = 0;
      while (this.heap.length > 0 && this.heap[0]!.due <= target) {
        if (returnOnPredicate && predicate()) return true;
        if (ran >= maxTimers) return false;
        const next = this.heap[0]!;
        this.current = Math.max(this.current, next.due);
        this.pop();
        ran++;
        next.callback();
        await settle();
      }
      if (returnOnPredicate && predicate()) return true;
      if (returnOnPredicate && this.heap.length === 0) return false;
      this.current = Math.max(this.current, target);
      return returnOnPredicate ? predicate() : true;
    } finally {
      this.running = false;
    }
  }

  // A binary min-heap on (due, seq).
  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(timer: VirtualTimer): void {
    timer.index = this.heap.length;
    this.heap.push(timer);
    this.siftUp(timer.index);
  }

  private pop(): void {
    this.removeAt(0);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    const last = heap.pop()!;
    removed.index = -1;
    if (index < heap.length) {
      heap[index] = last;
      last.index = index;
      this.siftDown(index);
      this.siftUp(last.index);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(heap[index]!, heap[parent]!)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(i: number, j: number): void {
    const heap = this.heap;
    const a = heap[i]!;
    const b = heap[j]!;
    heap[i] = b;
    heap[j] = a;
    a.index = j;
    b.index = i;
  }
}
