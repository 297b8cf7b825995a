/**
 * The state contract of ARCHITECTURE.md: a state is committed before its handler runs, the
 * handler is called once per real change, in order; a change made from inside a handler is
 * delivered after the current one; a throwing handler is caught and reported, never breaking
 * the layer (pion/ice `agent_handlers.go`, mediasoup `safeEmit`).
 */

/** Serializes deliveries of events to one handler. */
export class SerialNotifier<A extends unknown[]> {
  private readonly queue: A[] = [];
  private draining = false;
  /** Handler calls that threw. */
  errors = 0;

  constructor(
    private readonly handler: (...args: A) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues one delivery and drains the queue unless a drain is already running. */
  push(...args: A): void {
    this.queue.push(args);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        try {
          this.handler(...this.queue[i]!);
        } catch (error) {
          this.errors++;
          this.onError(error);
        }
      }
    } finally {
      this.queue.length = 0;
      this.draining = false;
    }
  }
}

/**
 * Where the test setup says that a change after the terminal state is a bug to throw rather
 * than to log (one flag for every copy of this package, main entry and `./testing` alike).
 */
const STRICT = Symbol.for('@x/transport.strictStateMachines');

/** @internal Set by `strictStateMachines()` of `@x/transport/testing`. */
export function setStrictStateMachines(on: boolean): void {
  (globalThis as Record<symbol, unknown>)[STRICT] = on;
}

const strict = (): boolean => (globalThis as Record<symbol, unknown>)[STRICT] === true;

/** Thrown (under `strictStateMachines()`) by a change after the terminal state. */
export class LateStateChangeError extends Error {
  override readonly name = 'LateStateChangeError';
}

/**
 * For a layer with its own state setter: a change after its terminal state is a bug, so
 * `report` gets a {@link LateStateChangeError} (or, under `strictStateMachines()` of
 * `@x/transport/testing`, it is thrown).
 */
export function lateStateChange(message: string, report: (error: Error) => void): void {
  const error = new LateStateChangeError(message);
  if (strict()) throw error;
  report(error);
}

/**
 * A state and its setter: compares, commits, then notifies through a {@link SerialNotifier}.
 * A terminal state (`Closed`) is final: a later change is a bug, ignored and reported to
 * `onError` (tests make it throw with `strictStateMachines()` of `@x/transport/testing`).
 */
export class StateMachine<S, C> {
  private current: S;
  private readonly notifier: SerialNotifier<[S, C]>;

  constructor(
    initial: S,
    handler: (state: S, cause: C) => void,
    private readonly onError: (error: unknown) => void,
    private readonly terminal?: S,
  ) {
    this.current = initial;
    this.notifier = new SerialNotifier(handler, onError);
  }

  /** The committed state. */
  get state(): S {
    return this.current;
  }

  /** Handler calls that threw. */
  get handlerErrors(): number {
    return this.notifier.errors;
  }

  /**
   * Commits `state` and notifies; returns false (no call) when it is already the state, or
   * when the terminal state was reached (a bug: reported, or thrown in strict tests).
   */
  set(state: S, cause: C): boolean {
    if (state === this.current) return false;
    if (this.terminal !== undefined && this.current === this.terminal) {
      lateStateChange(
        `state ${String(state)} set after the terminal state ${String(this.current)}`,
        this.onError,
      );
      return false;
    }
    this.current = state;
    this.notifier.push(state, cause);
    return true;
  }
}
