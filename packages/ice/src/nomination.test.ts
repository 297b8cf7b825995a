/**
 * Nomination and selection alone (RFC 8445 §8.1, SELECTION.md): which nominated pair the
 * controlled agent takes and why, when the controlling agent nominates, and what selection
 * does to the rest of the check list (§8.1.2).
 */
import { describe, expect, it } from 'vitest';
import { type CandidatePair, PairState } from './candidate-pair.js';
import { ConnectivityChecks } from './checks.js';
import { Nomination } from './nomination.js';
import type { SelectedPairCause } from './state.js';
import { hostPair, type RecordingSocket, recordingBase, testSession } from './testing-session.js';

function setup(controlling: boolean) {
  const causes: SelectedPairCause['kind'][] = [];
  const t = testSession({
    controlling,
    onSelectedPairChange: (_pair, cause) => causes.push(cause.kind),
  });
  const checks = new ConnectivityChecks(t.session, () => {});
  const hooked: CandidatePair[] = [];
  const nomination = new Nomination(
    t.session,
    checks,
    (pair) => hooked.push(pair),
    () => {},
  );
  const base = recordingBase(0, '10.0.0.1', 4000);
  /** A pair whose remote has local preference `pref` (a higher one: a higher pair priority). */
  const pair = (port: number, pref: number, state: PairState): CandidatePair => {
    const p = hostPair(t.session, base, '10.0.0.2', port, `r${port}`, pref);
    p.state = state;
    return p;
  };
  return { ...t, checks, nomination, causes, hooked, pair, base };
}

describe('Nomination', () => {
  it('controlled: takes the first nominated pair, then a better one or one replacing a silent one', async () => {
    const { session, clock, checks, nomination, causes, hooked, pair } = setup(false);
    const low = pair(5000, 100, PairState.Succeeded);
    const high = pair(5001, 200, PairState.Succeeded);
    nomination.considerNominated(low);
    expect(nomination.selected).toBe(low);
    expect(nomination.done).toBe(true);
    low.lastReceivedAt = clock.now(); // alive: only a better pair replaces it
    nomination.considerNominated(high);
    high.lastReceivedAt = clock.now();
    nomination.considerNominated(low); // lower, and the selected pair is alive: stays
    expect(nomination.selected).toBe(high);
    await clock.advance(session.cfg.probeAfter);
    nomination.considerNominated(low); // the selected pair fell silent
    session.restarting = true;
    nomination.considerNominated(high);
    expect(session.restarting).toBe(false);
    expect(causes).toEqual([
      'nominated',
      'higher-priority-nominated',
      'previous-pair-silent',
      'restart',
    ]);
    expect(hooked).toEqual([low, high, low, high]);
    checks.stop();
  });

  it('selection takes the other pairs off the schedule and stops their checks', async () => {
    const { clock, checks, nomination, pair, base } = setup(false);
    const chosen = pair(5000, 100, PairState.Succeeded);
    const waiting = pair(5001, 100, PairState.Waiting);
    const frozen = pair(5002, 100, PairState.Frozen);
    const running = pair(5003, 100, PairState.Waiting);
    checks.send(running, false);
    const socket = base.socket as RecordingSocket;
    expect(socket.sent.length).toBe(1);
    nomination.select(chosen);
    expect([waiting.retired, frozen.retired, running.retired]).toEqual([true, true, true]);
    expect(running.state).toBe(PairState.Waiting);
    expect(running.transactionKey).toBeUndefined();
    await clock.advance(10_000);
    expect(socket.sent.length).toBe(1); // no retransmission
    expect(clock.pendingTimers).toBe(0);
  });

  it('controlling: nominates at once when nothing better is pending, else after the wait', async () => {
    const { session, clock, checks, nomination, pair } = setup(true);
    const valid = pair(5000, 100, PairState.Succeeded);
    valid.validAt = clock.now();
    const better = pair(5001, 200, PairState.Waiting);
    nomination.evaluate();
    expect(checks.nominating).toBeUndefined();
    await clock.advance(session.cfg.nominationWait.host - 1);
    expect(checks.nominating).toBeUndefined();
    await clock.advance(1);
    expect(checks.nominating).toBe(valid);
    checks.stop();

    better.state = PairState.Succeeded;
    nomination.evaluate();
    expect(checks.nominating).toBe(better);
    checks.stop();
    nomination.select(better);
    nomination.evaluate(); // nomination is over
    expect(checks.nominating).toBeUndefined();
    nomination.restart();
    expect(nomination.done).toBe(false);
    expect(nomination.selected).toBe(better);
    checks.stop();
  });
});
