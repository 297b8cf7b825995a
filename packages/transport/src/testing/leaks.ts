import { TransportError } from '../errors.js';
import { type ResourceKind, type ResourceSink, setResourceSink } from '../resources.js';
import { collectTestResources, type LeakSource } from '../virtual/registry.js';

/** A test left sockets or timers open. */
export class LeakError extends TransportError {
  override readonly name = 'LeakError';
  constructor(
    /** One line per resource left open. */
    readonly leaks: readonly string[],
  ) {
    super(
      `${leaks.length} resource(s) left open; close every socket, server and agent (and cancel timers) before the test ends:\n  - ${leaks.join('\n  - ')}`,
    );
  }
}

interface OpenResource {
  readonly kind: ResourceKind;
  readonly description: string;
  readonly origin: string | undefined;
}

class Tracker implements ResourceSink {
  readonly open = new Map<number, OpenResource>();
  private next = 1;
  constructor(private readonly captureOrigins: boolean) {}

  opened(kind: ResourceKind, description: string, origin?: Error): number {
    const token = this.next++;
    const stack = this.captureOrigins ? (origin ?? new Error()).stack : undefined;
    const lines = stack
      ?.split('\n')
      .slice(1)
      .filter(
        (line) =>
          !/[/\\]transport[/\\]src[/\\](node|system-clock|resources)/.test(line) &&
          !line.includes('node:'),
      );
    this.open.set(token, { kind, description, origin: lines?.slice(0, 5).join('\n') });
    return token;
  }

  closed(token: number): void {
    this.open.delete(token);
  }
}

/** Options of {@link startLeakCheck}. */
export interface LeakCheckOptions {
  /** Record where each resource was opened (costs a stack trace each). Defaults to true. */
  readonly captureOrigins?: boolean;
}

/** Options of {@link LeakCheck.finish}. */
export interface LeakFinishOptions {
  /**
   * Real milliseconds to wait for closes that are still completing (a socket's close is
   * asynchronous). Defaults to 500.
   */
  readonly graceMs?: number;
}

/** A running leak check; see {@link startLeakCheck}. */
export interface LeakCheck {
  /** Stops the check and resolves the resources still open (empty when clean). */
  finish(options?: LeakFinishOptions): Promise<string[]>;
  /** Stops the check and rejects with {@link LeakError} when anything is still open. */
  assertNoLeaks(options?: LeakFinishOptions): Promise<void>;
}

let active: LeakCheck | undefined;

/**
 * Starts watching sockets, servers and timers opened through `@x/transport` (the real
 * `NodeNet` and `SystemClock`, and every `VirtualClock` and `VirtualNetwork` created from now
 * on), so that {@link LeakCheck.assertNoLeaks} can fail a test that leaves one open. One check
 * runs at a time; starting another ends the previous one.
 *
 * @example
 * ```ts
 * // vitest.setup.ts
 * let check: LeakCheck;
 * beforeEach(() => { check = startLeakCheck(); });
 * afterEach(() => check.assertNoLeaks());
 * ```
 */
export function startLeakCheck(options: LeakCheckOptions = {}): LeakCheck {
  const tracker = new Tracker(options.captureOrigins ?? true);
  const sources = new Set<LeakSource>();
  setResourceSink(tracker);
  collectTestResources(sources);
  let finished: Promise<string[]> | undefined;

  const describe = (): string[] => {
    const leaks: string[] = [];
    for (const r of tracker.open.values()) {
      leaks.push(`${r.kind}: ${r.description}${r.origin ? `, opened at:\n${r.origin}` : ''}`);
    }
    for (const source of sources) leaks.push(...source.describeLeaks());
    return leaks;
  };

  const check: LeakCheck = {
    finish(finishOptions = {}) {
      finished ??= (async () => {
        const deadline = Date.now() + (finishOptions.graceMs ?? 500);
        let leaks = describe();
        while (leaks.length > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          leaks = describe();
        }
        if (active === check) {
          active = undefined;
          setResourceSink(undefined);
          collectTestResources(undefined);
        }
        return leaks;
      })();
      return finished;
    },
    async assertNoLeaks(finishOptions) {
      const leaks = await check.finish(finishOptions);
      if (leaks.length > 0) throw new LeakError(leaks);
    },
  };
  active = check;
  return check;
}
