import { expect, it } from 'vitest';
import { resourceSink, setResourceSink } from './resources.js';
import { SystemClock } from './system-clock.js';

interface Run {
  readonly at: number;
  readonly due: number;
  /** A `setImmediate` queued by an earlier callback had run before this one. */
  readonly laterWakeup: boolean;
}

it('runs timers of a second or more in 100 ms slots: never early, a slot in one wakeup', async () => {
  // The wheels serve only a process without a resource tracker (tests install one).
  const saved = resourceSink();
  setResourceSink(undefined);
  try {
    const clock = new SystemClock();
    const start = clock.now();
    // Due 1 ms and 81 ms into the same 100 ms slot, a second or more from now.
    const first = 1000 + (100 - ((start + 1000) % 100)) + 1;
    const runs: Run[] = [];
    let immediateRan = false;
    await new Promise<void>((resolve) => {
      clock.setTimeout(() => {
        runs.push({ at: clock.now(), due: start + first, laterWakeup: immediateRan });
        setImmediate(() => {
          immediateRan = true;
        });
      }, first);
      clock.setTimeout(() => {
        runs.push({ at: clock.now(), due: start + first + 80, laterWakeup: immediateRan });
        resolve();
      }, first + 80);
    });
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(run.at).toBeGreaterThanOrEqual(run.due);
    // The second ran in the wakeup of the first: nothing between them.
    expect(runs[1]!.laterWakeup).toBe(false);
  } finally {
    setResourceSink(saved);
  }
});
