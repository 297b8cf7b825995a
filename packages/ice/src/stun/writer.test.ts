import { expect, it } from 'vitest';
import { newTransactionId } from './writer.js';

it('draws 96-bit transaction ids from a random pool, each its own copy, none repeated', () => {
  const seen = new Set<string>();
  const first = newTransactionId();
  const copy = Buffer.from(first);
  // Several refills of the 4 KiB pool (341 ids each).
  for (let i = 0; i < 10_000; i++) {
    const id = newTransactionId();
    expect(id.length).toBe(12);
    seen.add(id.toString('hex'));
  }
  expect(seen.size).toBe(10_000);
  expect(seen.has(copy.toString('hex'))).toBe(false);
  // A refill does not change an id handed out before.
  expect(first).toEqual(copy);
  // Not all zero, not constant: every byte position takes many values.
  const values = new Set([...seen].map((h) => h.slice(0, 2)));
  expect(values.size).toBeGreaterThan(200);
});
