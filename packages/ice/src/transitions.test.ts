/**
 * The state transitions alone, on the agent's real parts without a network: the restart
 * table (RFC 8445 §9), disconnected and back to the state it left, and failure when every
 * pair failed and no candidate can come any more.
 */
import { describe, expect, it } from 'vitest';
import { PairState } from './candidate-pair.js';
import { ConnectivityChecks } from './checks.js';
import { Gathering } from './gathering.js';
import { Liveness } from './liveness.js';
import { Nomination } from './nomination.js';
import { Pairing } from './pairing.js';
import { RemoteCandidates } from './remote-candidates.js';
import { ConnectionState as S } from './state.js';
import { hostPair, recordingBase, testSession } from './testing-session.js';
import { StateTransitions } from './transitions.js';

/** The parts wired as agent.ts does, gathering nothing (relay policy, no server). */
function setup() {
  const t = testSession({ transportPolicy: 'relay', mdns: 'off' });
  const checks = new ConnectivityChecks(t.session, () => {});
  const nomination = new Nomination(
    t.session,
    checks,
    (pair) => {
      liveness.watch(pair);
      transitions.selected(pair);
    },
    (pair) => liveness.watch(pair),
  );
  const pairing = new Pairing(t.session, checks, nomination);
  const gathering = new Gathering(
    t.session,
    pairing,
    () => {},
    () => {},
  );
  const remotes = new RemoteCandidates(t.session, pairing, gathering, () => {});
  const liveness = new Liveness(t.session, checks, {
    silent: (pair, ms) => transitions.silent(pair, ms),
    resumed: (pair) => transitions.resumed(pair),
    expired: (pair, ms) => transitions.expired(pair, ms),
  });
  const parts = { checks, nomination, liveness, gathering, remotes };
  const transitions: StateTransitions = new StateTransitions(t.session, parts);
  const stop = () => {
    checks.stop();
    nomination.stop();
    liveness.stop();
  };
  return { ...t, ...parts, pairing, transitions, stop };
}

describe('StateTransitions', () => {
  it('restart: completed → connected; checking, disconnected, failed → checking; new and connected stay', () => {
    const table: [S, S | undefined][] = [
      [S.New, undefined],
      [S.Checking, undefined], // already checking: no change to report
      [S.Connected, undefined],
      [S.Completed, S.Connected],
      [S.Disconnected, S.Checking],
      [S.Failed, S.Checking],
    ];
    for (const [from, to] of table) {
      const { session, transitions, seen } = setup();
      if (from !== S.New) session.machine.set(from, { kind: 'closed-by-user' });
      seen.states.length = 0;
      transitions.restart();
      expect([from, seen.states]).toEqual([from, to === undefined ? [] : [[to, 'restart']]]);
    }
  });

  it('goes disconnected on silence and back to the state it left', () => {
    const { session, transitions, seen, stop } = setup();
    const pair = hostPair(session, recordingBase(0, '10.0.0.1', 4000), '10.0.0.2', 1);
    for (const state of [S.Connected, S.Completed]) {
      session.machine.set(state, { kind: 'nominated', pair });
      transitions.resumed(pair); // not disconnected: nothing
      transitions.silent(pair, 2500);
      transitions.silent(pair, 3000); // once
      transitions.resumed(pair);
    }
    expect(seen.states.map(([s, c]) => `${S[s]}:${c}`)).toEqual([
      'Connected:nominated',
      'Disconnected:no-packets',
      'Connected:packets-resumed',
      'Completed:nominated',
      'Disconnected:no-packets',
      'Completed:packets-resumed',
    ]);
    stop();
  });

  it('fails once every pair failed and no candidate can come; completes after nomination', async () => {
    const { session, clock, gathering, remotes, nomination, transitions, seen, stop } = setup();
    const pair = hostPair(session, recordingBase(0, '10.0.0.1', 4000), '10.0.0.2', 1);
    session.machine.set(S.Checking, { kind: 'checks-started' });
    pair.state = PairState.Failed;
    transitions.evaluate(); // gathering is not complete: more may come
    remotes.ended = true;
    transitions.evaluate();
    expect(seen.states.length).toBe(1);
    await gathering.gather(undefined);
    expect(seen.announced).toEqual([null]);
    pair.state = PairState.Succeeded;
    transitions.evaluate(); // a valid pair carries data before nomination (RFC 8445 §12.1)
    expect(seen.states.at(-1)).toEqual([S.Connected, 'pair-valid']);
    expect(nomination.dataPair).toBe(pair);
    pair.state = PairState.Failed; // e.g. its nomination check timed out
    transitions.evaluate();
    expect(seen.states.at(-1)).toEqual([S.Failed, 'all-pairs-failed']);

    pair.state = PairState.Succeeded;
    nomination.select(pair);
    expect(seen.states.at(-1)).toEqual([S.Connected, 'nominated']);
    transitions.evaluate();
    expect(seen.states.at(-1)).toEqual([S.Completed, 'checks-completed']);
    stop();
    await gathering.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
