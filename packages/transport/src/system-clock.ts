import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from './clock.js';
import { type ResourceSink, resourceSink } from './resources.js';

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

/** The real clock: `performance.now()` and Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const delay = delayMs > 0 ? delayMs : 0;
    const sink = resourceSink();
    if (sink !== undefined) return new TrackedTimer(sink, callback, delay);
    return new SystemTimer(setTimeout(callback, delay));
  }
}

/** One shared {@link SystemClock}, the default of every layer. */
export const systemClock: Clock = new SystemClock();
