import { VirtualClock } from '@x/transport/testing';
import { expect, it } from 'vitest';
import { StunClass } from './constants.js';
import { decodeStun } from './message.js';
import { type TransactionOutcome, StunTransactions } from './transaction.js';
import { StunWriter } from './writer.js';

it('retransmits at 0, 500, 1500, ... 31 500 ms and times out at 39 500 ms (Rc 7, Rm 16)', async () => {
  const clock = new VirtualClock();
  const t = new StunTransactions(clock);
  const sent: number[] = [];
  let outcome: TransactionOutcome | undefined;
  const req = new StunWriter(1, StunClass.Request);
  t.start(
    req.transactionId,
    () => sent.push(clock.now()),
    (o) => (outcome = o),
  );
  await clock.advance(39_499);
  expect(sent).toEqual([0, 500, 1500, 3500, 7500, 15_500, 31_500]);
  expect(outcome).toBeUndefined();
  await clock.advance(1);
  expect(outcome).toEqual({ kind: 'timeout' });
  expect(t.size).toBe(0);
});

it('a response completes the transaction and stops retransmission; unknown ones are refused', async () => {
  const clock = new VirtualClock();
  const t = new StunTransactions(clock);
  const req = new StunWriter(1, StunClass.Request);
  let sends = 0;
  let got: TransactionOutcome | undefined;
  t.start(
    req.transactionId,
    () => sends++,
    (o) => (got = o),
    { rtoMs: 100 },
  );
  await clock.advance(150);
  const res = decodeStun(new StunWriter(1, StunClass.SuccessResponse, req.transactionId).finish())!;
  const other = decodeStun(new StunWriter(1, StunClass.SuccessResponse).finish())!;
  expect(t.complete(other)).toBe(false);
  expect(t.complete(res)).toBe(true);
  expect(got?.kind).toBe('response');
  expect(t.complete(res)).toBe(false);
  await clock.runUntilIdle();
  expect(sends).toBe(2);
  const second = new StunWriter(1, StunClass.Request);
  t.start(
    second.transactionId,
    () => {},
    () => {},
  );
  t.cancelAll();
  expect(clock.pendingTimers).toBe(0);
});
