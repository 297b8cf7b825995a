// An association closed (or aborted) from inside each of its callbacks: nothing is delivered
// after `Closed` (no message, no state), and no timer is left (the leak check of every test).
import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Association } from './association.js';
import { AssociationState as S } from './state.js';
import { LossyLink } from './testing-lossy-pipe.js';

type Trigger = 'connecting' | 'connected' | 'message' | 'buffered-amount-low' | 'incoming-reset';

async function run(trigger: Trigger, how: 'close' | 'abort') {
  const clock = new VirtualClock();
  const link = new LossyLink(clock, { delayMs: 5 });
  const log: string[] = [];
  const end = () => (how === 'close' ? a.close() : a.abort('from a callback'));
  const a: Association = new Association(
    link.left,
    {
      clock,
      handlers: {
        onMessage: (_id, _ppid, data) => {
          log.push(`message ${Buffer.from(data).toString()}`);
          if (trigger === 'message') end();
        },
        onBufferedAmountLow: () => {
          log.push('buffered-amount-low');
          if (trigger === 'buffered-amount-low') end();
        },
        onIncomingStreamsReset: () => {
          log.push('incoming-reset');
          if (trigger === 'incoming-reset') end();
        },
      },
    },
    (state) => {
      log.push(`state ${S[state]}`);
      if (trigger === 'connecting' && state === S.Connecting) end();
      if (trigger === 'connected' && state === S.Connected) end();
    },
  );
  const b = new Association(link.right, { clock }, () => {});
  link.attach(
    (p) => a.handlePacket(p),
    (p) => b.handlePacket(p),
  );
  a.connect();
  b.connect();
  await clock.runUntil(
    () => (a.state === S.Connected && b.state === S.Connected) || a.state === S.Closed,
    { timeoutMs: 10_000 },
  );
  if (b.state === S.Connected) {
    // Three messages in one packet (bundled): the two after the one that closes never arrive.
    b.send(1, 51, Buffer.from('one'));
    b.send(1, 51, Buffer.from('two'));
    b.send(1, 51, Buffer.from('three'));
    if (a.state === S.Connected) {
      // More than a congestion window: the queue drains over round trips, crossing the threshold.
      a.setBufferedAmountLowThreshold(3, 10_000);
      for (let i = 0; i < 4; i++) a.send(3, 51, Buffer.alloc(100_000));
    }
    await clock.advance(100);
    if (b.state === S.Connected) b.resetStreams([1]);
  }
  await clock.advance(120_000);
  b.close();
  return { log, a };
}

describe('an association closed from inside its own callbacks', () => {
  for (const how of ['close', 'abort'] as const)
    it.each<Trigger>([
      'connecting',
      'connected',
      'message',
      'buffered-amount-low',
      'incoming-reset',
    ])(`${how} from %s: Closed is the last thing it says`, async (trigger) => {
      const { log, a } = await run(trigger, how);
      const fired = {
        connecting: 'state Connecting',
        connected: 'state Connected',
        message: 'message one',
        'buffered-amount-low': 'buffered-amount-low',
        'incoming-reset': 'incoming-reset',
      }[trigger];
      expect(log).toContain(fired);
      expect(a.state).toBe(S.Closed);
      const closedAt = log.indexOf('state Closed');
      expect(closedAt, log.join(', ')).toBeGreaterThan(-1);
      expect(log.slice(closedAt + 1), log.join(', ')).toEqual([]);
      if (trigger === 'message')
        expect(log.filter((l) => l.startsWith('message'))).toEqual(['message one']);
    });
});
