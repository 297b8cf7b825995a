/**
 * The check scheduler alone: pacing (RFC 8445 §6.1.4.2), the Binding request of a check
 * (§7.1, §7.2.2), the authentication of responses (§7.2.5, §7.2.5.2.1), retransmission and cancellation.
 */
import { describe, expect, it } from 'vitest';
import type { CandidatePair } from './candidate-pair.js';
import { PairState } from './candidate-pair.js';
import { type CheckTransaction, ConnectivityChecks } from './checks.js';
import { candidatePriority } from './priority.js';
import { StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { verifyIntegrity } from './stun/integrity.js';
import { decodeStun, type StunMessage } from './stun/message.js';
import type { TransactionOutcome } from './stun/transaction.js';
import { StunWriter } from './stun/writer.js';
import { hostPair, type RecordingSocket, recordingBase, testSession } from './testing-session.js';

function setup(config: Parameters<typeof testSession>[0] = {}) {
  const t = testSession(config);
  const outcomes: { tx: CheckTransaction; outcome: TransactionOutcome }[] = [];
  let firstCheck = 0;
  const checks = new ConnectivityChecks(
    t.session,
    (tx, outcome) => outcomes.push({ tx, outcome }),
    () => firstCheck++,
  );
  const base = recordingBase(0, '10.0.0.1', 4000);
  const form = (ip: string, port: number, foundation: string): CandidatePair =>
    hostPair(t.session, base, ip, port, foundation);
  const socket = base.socket as RecordingSocket;
  const sentMessages = (): StunMessage[] => socket.sent.map((d) => decodeStun(d.data)!);
  return {
    ...t,
    checks,
    base,
    form,
    socket,
    sentMessages,
    outcomes,
    firstChecks: () => firstCheck,
  };
}

function answer(request: StunMessage, pwd: string): StunMessage {
  const bytes = new StunWriter(StunMethod.Binding, StunClass.SuccessResponse, request.transactionId)
    .addXorAddress(StunAttr.XorMappedAddress, '203.0.113.1', 4000)
    .finish({ integrity: pwd, fingerprint: true });
  return decodeStun(bytes)!;
}

describe('ConnectivityChecks', () => {
  it('says the first check is due, sends one check at once then one every Ta, nomination checks first', async () => {
    const { session, clock, checks, form, socket, sentMessages, firstChecks } = setup();
    const p1 = form('10.0.0.2', 5000, 'a');
    const p2 = form('10.0.0.3', 5000, 'b');
    checks.schedule();
    // Leaving `new` is transitions.ts's (the one writer of the agent's state).
    expect(firstChecks()).toBe(1);
    await clock.advance(0);
    expect(socket.sent.map((d) => d.address)).toEqual(['10.0.0.2']);
    expect(p1.state).toBe(PairState.InProgress);
    await clock.advance(49);
    expect(socket.sent.length).toBe(1);
    await clock.advance(1);
    expect(socket.sent.map((d) => d.address)).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(p2.state).toBe(PairState.InProgress);

    // RFC 8445 §7.1, §7.2.2: USERNAME remote:local, PRIORITY of a prflx candidate from the base,
    // our role with the tie-breaker, MESSAGE-INTEGRITY with the remote password.
    const first = sentMessages()[0]!;
    expect(first.cls).toBe(StunClass.Request);
    expect(first.getString(StunAttr.Username)).toBe('REMO:LOCA');
    expect(first.getUint32(StunAttr.Priority)).toBe(
      candidatePriority('prflx', (p1.local.priority >>> 8) & 0xffff),
    );
    expect(first.getUint64(StunAttr.IceControlling)).toBe(session.tieBreaker);
    expect(first.has(StunAttr.UseCandidate)).toBe(false);
    expect(verifyIntegrity(first, 'r'.repeat(22))).toBe(true);

    checks.nominate(p1);
    expect(checks.nominating).toBe(p1);
    await clock.advance(0);
    const nomination = sentMessages()[2]!;
    expect(socket.sent[2]!.address).toBe('10.0.0.2');
    expect(nomination.has(StunAttr.UseCandidate)).toBe(true);
    expect(session.stats.checksSent).toBe(3);
    checks.stop();
    expect(checks.nominating).toBeUndefined();
  });

  it('takes a response only from where the request went, with the right integrity', async () => {
    const { clock, checks, base, form, sentMessages, outcomes } = setup();
    const pair = form('10.0.0.2', 5000, 'a');
    checks.schedule();
    await clock.advance(0);
    const request = sentMessages()[0]!;
    const good = answer(request, 'r'.repeat(22));
    const other = recordingBase(1, '10.0.0.1', 4001);
    const to = { address: '10.0.0.2', port: 5000, family: 'IPv4' as const };
    expect(checks.complete(base, good, { ...to, port: 5001 })).toBe('unexpected-source');
    expect(checks.complete(other, good, to)).toBe('unexpected-source');
    expect(checks.complete(base, answer(request, 'x'.repeat(22)), to)).toBe('bad-integrity');
    expect(outcomes).toEqual([]);
    expect(checks.complete(base, good, to)).toBe('consumed');
    expect(outcomes.map((o) => [o.tx.kind, o.tx.pair, o.outcome.kind])).toEqual([
      ['check', pair, 'response'],
    ]);
    expect(pair.transactionKey).toBeUndefined();
    expect(checks.complete(base, good, to)).toBe('not-mine');
    checks.stop();
  });

  it('retransmits a check Rc times then times out; a restart cancels checks, not consent', async () => {
    const { clock, checks, form, socket, outcomes } = setup({
      checkRtoMs: 100,
      checkTransmissions: 2,
      consent: { intervalMs: 400 },
    });
    const check = form('10.0.0.2', 5000, 'a');
    checks.schedule();
    await clock.advance(0);
    await clock.advance(100);
    expect(socket.sent.length).toBe(2);
    // RFC 8489 §6.2.1: the last transmission waits Rm (16) × RTO.
    await clock.advance(1599);
    expect(outcomes).toEqual([]);
    await clock.advance(1);
    expect(outcomes.map((o) => [o.tx.pair, o.outcome.kind])).toEqual([[check, 'timeout']]);

    const consent = form('10.0.0.3', 5000, 'b');
    const again = form('10.0.0.4', 5000, 'c');
    checks.send(consent, false, 'consent');
    checks.send(again, false);
    checks.restart();
    // A consent request is sent once and answered within 4 × its interval (1600 ms); the
    // cancelled check would have timed out at 1700 ms.
    await clock.advance(2000);
    expect(outcomes.slice(1).map((o) => [o.tx.kind, o.tx.pair, o.outcome.kind])).toEqual([
      ['consent', consent, 'timeout'],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });
});
