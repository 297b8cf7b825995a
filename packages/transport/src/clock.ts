/**
 * Time, injected: every layer takes a {@link Clock} so that tests can run a 30-second timeout
 * in microseconds with a virtual clock, and production uses {@link SystemClock}.
 */

/** A scheduled callback. Cancelling twice, or after it ran, does nothing. */
export interface Timer {
  /** Stops the callback from running. */
  cancel(): void;
}

/** A source of monotonic time and of timers. */
export interface Clock {
  /**
   * Milliseconds on a monotonic scale (not wall-clock time): only differences mean anything.
   * May have a fractional part.
   */
  now(): number;
  /**
   * Runs `callback` once, `delayMs` milliseconds from now (a negative or NaN delay counts as
   * 0). Timers due at the same time run in the order they were set.
   */
  setTimeout(callback: () => void, delayMs: number): Timer;
}
