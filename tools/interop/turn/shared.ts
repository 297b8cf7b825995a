/**
 * What the coturn tests share: one coturn started for the file (stopped after it), and a
 * real-time wait for a condition.
 */
import { afterAll, beforeAll } from 'vitest';
import { type Coturn, startCoturn } from './coturn.mjs';

/** Starts coturn before the file's tests and stops it after; call `server()` in a test. */
export function coturnForFile(): () => Coturn {
  let server: Coturn | undefined;
  beforeAll(async () => {
    server = await startCoturn();
  }, 20_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => server!;
}

/** Polls `pred` every 5 ms; throws naming `what` after `ms`. */
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
