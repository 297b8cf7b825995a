import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { ChunkType } from './chunk.js';
import { SctpConfigurationError } from './errors.js';
import { AssociationSession, S } from './session.js';
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

  it('notifies a state once per real change, and survives a throwing notifier', () => {
    const clock = new VirtualClock();
    const { s, changes } = session(clock);
    s.setState(AssociationState.Connecting, { kind: 'connect-called' });
    s.setState(AssociationState.Connecting, { kind: 'connect-called' });
    expect(changes).toEqual([
      { state: AssociationState.Connecting, cause: { kind: 'connect-called' } },
    ]);
    const throwing = new AssociationSession(nowhere, { clock }, () => {
      throw new Error('handler bug');
    });
    expect(() =>
      throwing.setState(AssociationState.Connecting, { kind: 'connect-called' }),
    ).not.toThrow();
    expect(throwing.state).toBe(AssociationState.Connecting);
  });

  it('on teardown stops every timer and runs every hook, then reports Closed', async () => {
    const clock = new VirtualClock();
    const { s, changes } = session(clock);
    let fired = 0;
    s.newTimer(() => fired++).start(100);
    s.newTimer(() => fired++).start(5000);
    let hooks = 0;
    s.onTeardown(() => hooks++);
    s.s = S.Established;
    s.control.push({ type: ChunkType.CookieAck, reflected: false });
    expect(clock.pendingTimers).toBe(2);
    s.teardown({ kind: 'closed-by-user' });
    expect(clock.pendingTimers).toBe(0);
    expect(hooks).toBe(1);
    expect(s.s).toBe(S.Closed);
    expect(s.control).toHaveLength(0);
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
    expect(changes.at(-1)).toEqual({
      state: AssociationState.Closed,
      cause: { kind: 'too-many-retransmissions', timer: 'heartbeat', attempts: 3 },
    });
  });
});
