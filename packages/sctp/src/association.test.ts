import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { MessageTooLargeError } from './errors.js';
import { AssociationState } from './state.js';
import { makePair } from './testing-pair.js';

const connected = (p: ReturnType<typeof makePair>) => () =>
  p.a.assoc.state === AssociationState.Connected && p.b.assoc.state === AssociationState.Connected;

describe('Association handshake', () => {
  it('connects when both sides call connect() (simultaneous open)', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock);
    p.a.assoc.connect();
    p.b.assoc.connect();
    expect(await clock.runUntil(connected(p), { timeoutMs: 5000 })).toBe(true);
    expect(p.a.states.map((s) => s.state)).toEqual([
      AssociationState.Connecting,
      AssociationState.Connected,
    ]);
    expect(p.b.states.map((s) => s.state)).toEqual([
      AssociationState.Connecting,
      AssociationState.Connected,
    ]);
    p.close();
  });

  it('connects with one passive side, which keeps no state before COOKIE-ECHO', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock);
    p.a.assoc.connect();
    await clock.advance(6); // INIT arrived at b, INIT-ACK on the way
    expect(p.b.assoc.state).toBe(AssociationState.New);
    expect(clock.pendingTimers).toBe(1); // a's T1 only: b keeps nothing
    expect(await clock.runUntil(connected(p), { timeoutMs: 5000 })).toBe(true);
    expect(p.b.states[0]?.cause).toEqual({ kind: 'established', by: 'cookie-echo' });
    p.b.assoc.connect(); // late connect() on the passive side: nothing to do
    expect(p.b.states).toHaveLength(1);
    expect(p.a.states[1]?.cause).toEqual({ kind: 'established', by: 'cookie-ack' });
    p.close();
  });

  it('delivers a message and shuts down gracefully', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock);
    p.a.assoc.connect();
    p.b.assoc.connect();
    await clock.runUntil(connected(p), { timeoutMs: 5000 });
    p.a.assoc.send(1, 51, new TextEncoder().encode('hello'));
    await clock.runUntil(() => p.b.messages.length === 1);
    expect(new TextDecoder().decode(p.b.messages[0]!.data)).toBe('hello');
    p.a.assoc.shutdown();
    await clock.runUntil(
      () =>
        p.a.assoc.state === AssociationState.Closed && p.b.assoc.state === AssociationState.Closed,
      { timeoutMs: 5000 },
    );
    expect(p.a.states.at(-1)?.cause).toEqual({ kind: 'shutdown-complete' });
    expect(p.b.states.at(-1)?.cause).toEqual({ kind: 'shutdown-complete' });
    expect(p.b.states.at(-2)?.cause).toEqual({ kind: 'shutdown-received' });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('the peer max-message-size (RFC 8841 §6)', () => {
  it('refuses a larger message, and takes a new limit from a renegotiation (0: none)', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, {}, {}, { remoteMaxMessageSize: 1000 });
    p.a.assoc.connect();
    p.b.assoc.connect();
    await clock.runUntil(connected(p), { timeoutMs: 5000 });
    expect(p.a.assoc.maxSendMessageSize).toBe(1000);
    expect(() => p.a.assoc.send(1, 53, new Uint8Array(1001))).toThrow(MessageTooLargeError);
    p.a.assoc.setRemoteMaxMessageSize(0);
    expect(p.a.assoc.maxSendMessageSize).toBe(Number.POSITIVE_INFINITY);
    p.a.assoc.send(1, 53, new Uint8Array(200_000));
    await clock.runUntil(() => p.b.messages.length === 1, { timeoutMs: 5000 });
    expect(p.b.messages[0]!.data.byteLength).toBe(200_000);
    p.a.assoc.setRemoteMaxMessageSize(500);
    expect(() => p.a.assoc.send(1, 53, new Uint8Array(501))).toThrow(MessageTooLargeError);
    p.close();
  });
});
