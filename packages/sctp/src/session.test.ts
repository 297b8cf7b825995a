import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { ChunkType } from './chunk.js';
import { SctpConfigurationError } from './errors.js';
import { AssociationSession, publicStateOf, S } from './session.js';
import { type AssociationCause, AssociationState } from './state.js';

const nowhere = { send: () => {} };

function session(clock: VirtualClock, options: { maxRetransmissions?: number } = {}) {
  const changes: { state: AssociationState; cause: AssociationCause }[] = [];
  const s = new AssociationSession(nowhere, { clock, ...options }, (state, cause) =>
    changes.push({ state, cause }),
  );
  return { s, changes };
}

describe('AssociationSession', () => {
  it('resolves the options and rejects MTUs out of range', () => {
    const s = new AssociationSession(
      nowhere,
      { remoteMaxMessageSize: 0, maxMessageSize: 2_000_000 },
      undefined,
    );
    expect(s.remoteMaxMessageSize).toBe(Number.POSITIVE_INFINITY);
    expect(s.bufferSize).toBe(2_000_000 + 65_536);
    expect(s.mtu).toBe(1200);
    expect(s.maxMtu).toBe(1200);
    expect(s.localTag).not.toBe(0);
    expect(() => new AssociationSession(nowhere, { mtu: 255 }, undefined)).toThrow(
      SctpConfigurationError,
    );
    expect(() => new AssociationSession(nowhere, { mtu: 1400, maxMtu: 1300 }, undefined)).toThrow(
      SctpConfigurationError,
    );
    expect(() => new AssociationSession(nowhere, { maxMtu: 65_508 }, undefined)).toThrow(
      SctpConfigurationError,
    );
  });

  it('derives the public state from the internal one, for every internal state', () => {
    expect(
      Object.entries(S).map(([name, s]) => [name, AssociationState[publicStateOf(s)]]),
    ).toEqual([
      ['Closed', 'Closed'],
      ['New', 'New'],
      ['CookieWait', 'Connecting'],
      ['CookieEchoed', 'Connecting'],
      ['Established', 'Connected'],
      ['ShutdownPending', 'ShuttingDown'],
      ['ShutdownSent', 'ShuttingDown'],
      ['ShutdownReceived', 'ShuttingDown'],
      ['ShutdownAckSent', 'ShuttingDown'],
    ]);
  });

  it('notifies once per change of the public state, when the input is done, and survives a throwing notifier', () => {
    const clock = new VirtualClock();
    const { s, changes } = session(clock);
    s.enter(S.CookieWait, { kind: 'connect-called' });
    s.enter(S.CookieEchoed); // still Connecting: no notification, no cause needed
    expect(s.state).toBe(AssociationState.Connecting); // committed at once
    expect(changes).toEqual([]); // delivered when the input ends
    s.deliver();
    expect(changes).toEqual([
      { state: AssociationState.Connecting, cause: { kind: 'connect-called' } },
    ]);
    expect(() => s.enter(S.Established)).toThrow(/without a cause/);
    const throwing = new AssociationSession(nowhere, { clock }, () => {
      throw new Error('handler bug');
    });
    throwing.enter(S.CookieWait, { kind: 'connect-called' });
    expect(() => throwing.deliver()).not.toThrow();
    expect(throwing.state).toBe(AssociationState.Connecting);
  });

  it('delivers 10 000 state changes in order', () => {
    const { s, changes } = session(new VirtualClock());
    for (let i = 0; i < 10_000; i++) {
      if (i % 2 === 0) s.enter(S.CookieWait, { kind: 'connect-called' });
      else s.enter(S.Established, { kind: 'established', by: 'cookie-ack' });
    }
    s.deliver();
    expect(changes).toHaveLength(10_000);
    expect(
      changes.every(
        (c, i) =>
          c.state === (i % 2 === 0 ? AssociationState.Connecting : AssociationState.Connected),
      ),
    ).toBe(true);
  });

  it('keeps Closed: a later change is a bug (thrown in tests), a second teardown nothing', () => {
    const { s, changes } = session(new VirtualClock());
    s.teardown({ kind: 'closed-by-user' });
    s.teardown({ kind: 'aborted-locally', reason: 'again' });
    expect(() => s.enter(S.Established, { kind: 'established', by: 'cookie-ack' })).toThrow(
      /after Closed/,
    );
    s.deliver();
    expect(changes).toEqual([
      { state: AssociationState.Closed, cause: { kind: 'closed-by-user' } },
    ]);
  });

  it('on teardown stops every timer and runs every hook, then reports Closed', async () => {
    const clock = new VirtualClock();
    const { s, changes } = session(clock);
    let fired = 0;
    s.newTimer(() => fired++).start(100);
    s.newTimer(() => fired++).start(5000);
    let hooks = 0;
    s.onTeardown(() => hooks++);
    s.enter(S.Established, { kind: 'established', by: 'cookie-ack' });
    s.control.push({ type: ChunkType.CookieAck, reflected: false });
    expect(clock.pendingTimers).toBe(2);
    s.teardown({ kind: 'closed-by-user' });
    expect(clock.pendingTimers).toBe(0);
    expect(hooks).toBe(1);
    expect(s.s).toBe(S.Closed);
    expect(s.control).toHaveLength(0);
    s.deliver();
    expect(changes.at(-1)).toEqual({
      state: AssociationState.Closed,
      cause: { kind: 'closed-by-user' },
    });
    await clock.advance(10_000);
    expect(fired).toBe(0);
  });

  it('backs the RTO off on each timeout and closes after Association.Max.Retrans (§8.1)', () => {
    const clock = new VirtualClock();
    const { s, changes } = session(clock, { maxRetransmissions: 2 });
    const rto = s.rtoEstimator.rto;
    expect(s.retransmitTimeout('data')).toBe(true);
    expect(s.rtoEstimator.rto).toBe(2 * rto);
    expect(s.retransmitTimeout('heartbeat')).toBe(true);
    expect(s.retransmitTimeout('heartbeat')).toBe(false);
    s.deliver();
    expect(changes.at(-1)).toEqual({
      state: AssociationState.Closed,
      cause: { kind: 'too-many-retransmissions', timer: 'heartbeat', attempts: 3 },
    });
  });
});
