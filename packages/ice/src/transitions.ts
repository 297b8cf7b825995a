/**
 * The agent's connection state after RFC 8445 and RFC 7675, each change with its cause (the
 * state contract of ARCHITECTURE.md), and the only module that writes it: `checking` when the
 * first check is due, connected on the first valid pair (RFC 8445 §12.1) or on selection,
 * completed when nothing more can happen, failed when every pair failed or consent expired,
 * disconnected and back on silence, what an ICE restart does, and `closed`.
 */
import { debuglog } from 'node:util';
import { type CandidatePair, PairState } from './candidate-pair.js';
import type { ConnectivityChecks } from './checks.js';
import type { Gathering } from './gathering.js';
import type { Liveness, LivenessEvents } from './liveness.js';
import type { Nomination } from './nomination.js';
import type { RemoteCandidates } from './remote-candidates.js';
import type { AgentSession } from './session.js';
import { ConnectionState, type StateCause } from './state.js';

const log = debuglog('x:ice');

/** The parts whose progress decides the state. */
export interface StateInputs {
  readonly checks: ConnectivityChecks;
  readonly nomination: Nomination;
  readonly liveness: Liveness;
  readonly gathering: Gathering;
  readonly remotes: RemoteCandidates;
}

/** Every state change of one agent. */
export class StateTransitions implements LivenessEvents {
  /** The state was `completed` when the selected pair went silent (it comes back to it). */
  private completedBeforeDisconnect = false;

  constructor(
    private readonly session: AgentSession,
    private readonly parts: StateInputs,
  ) {}

  /** Re-evaluates failure and completion after any change. */
  evaluate(): void {
    const { list, machine, remote } = this.session;
    const { checks, nomination, liveness, gathering, remotes } = this.parts;
    const s = machine.state;
    const noMoreCandidates = remotes.complete && gathering.state === 'complete';
    const checksRunning = list.running();
    const unselected = nomination.selected === undefined;
    if (unselected && s !== ConnectionState.Failed && s !== ConnectionState.Closed) {
      nomination.refreshProvisional();
      // RFC 8445 §12.1: a valid pair can carry data before nomination; the W3C state is then
      // `connected` ("found a usable connection, but is still checking other candidate pairs").
      const valid = nomination.dataPair;
      if (valid !== undefined && s === ConnectionState.Checking) {
        machine.set(ConnectionState.Connected, { kind: 'pair-valid', pair: valid });
        return;
      }
    }
    if (
      (s === ConnectionState.Checking ||
        (s === ConnectionState.New && remote !== undefined) ||
        (s === ConnectionState.Connected && !nomination.done)) &&
      unselected &&
      noMoreCandidates &&
      !checksRunning &&
      nomination.dataPair === undefined &&
      !gathering.awaitingTcpConnection
    ) {
      // Every pair failed, including (after `pair-valid`) the ones that had worked.
      this.fail({
        kind: 'all-pairs-failed',
        pairs: list.pairs.length,
        localCandidates: gathering.localCount,
        loopbackExcluded: gathering.loopbackExcluded,
      });
      return;
    }
    if (
      s === ConnectionState.Connected &&
      nomination.done &&
      noMoreCandidates &&
      !checksRunning &&
      !liveness.probing &&
      checks.nominating === undefined
    ) {
      machine.set(ConnectionState.Completed, {
        kind: 'checks-completed',
        pair: nomination.selected!,
      });
    }
  }

  /** The first connectivity check is due (RFC 8445 §6.1.4.2): `new` → `checking`. */
  checksStarted(): void {
    this.session.machine.set(ConnectionState.Checking, { kind: 'checks-started' });
  }

  /** `close()`: the terminal state. */
  closed(): void {
    this.session.machine.set(ConnectionState.Closed, { kind: 'closed-by-user' });
  }

  /** A pair was selected (RFC 8445 §8.1.1). */
  selected(pair: CandidatePair): void {
    const s = this.session.machine.state;
    if (
      s === ConnectionState.New ||
      s === ConnectionState.Checking ||
      s === ConnectionState.Disconnected ||
      s === ConnectionState.Failed
    ) {
      this.session.machine.set(ConnectionState.Connected, { kind: 'nominated', pair });
    }
  }

  silent(pair: CandidatePair, silentMs: number): void {
    const machine = this.session.machine;
    const s = machine.state;
    if (s !== ConnectionState.Connected && s !== ConnectionState.Completed) return;
    this.completedBeforeDisconnect = s === ConnectionState.Completed;
    machine.set(ConnectionState.Disconnected, { kind: 'no-packets', pair, silentMs });
  }

  resumed(pair: CandidatePair): void {
    const machine = this.session.machine;
    if (machine.state !== ConnectionState.Disconnected) return;
    machine.set(
      this.completedBeforeDisconnect ? ConnectionState.Completed : ConnectionState.Connected,
      { kind: 'packets-resumed', pair },
    );
  }

  expired(pair: CandidatePair, silentMs: number): void {
    log('consent expired on %s', pair.toString());
    // RFC 7675 §5.2: the pair may carry nothing more; it counts as failed (webrtc-stats too).
    this.session.list.setPairState(pair, PairState.Failed);
    const { nomination } = this.parts;
    if (nomination.selected === undefined) {
      // A valid pair that carried data before nomination: another valid one may take over.
      nomination.refreshProvisional();
      if (nomination.dataPair !== undefined) return;
    }
    this.fail({ kind: 'consent-expired', pair, silentMs });
  }

  /** Enters `failed`: checks and nomination stop (a restart can start them again). */
  fail(cause: StateCause): void {
    this.parts.checks.stop();
    this.parts.nomination.stop();
    this.session.machine.set(ConnectionState.Failed, cause);
  }

  /**
   * ICE restart (RFC 8445 §9): `completed` → `connected` (checks run again),
   * `disconnected`/`failed`/`checking` → `checking`; `new` and `connected` stay.
   */
  restart(): void {
    const machine = this.session.machine;
    const s = machine.state;
    if (s === ConnectionState.Completed)
      machine.set(ConnectionState.Connected, { kind: 'restart' });
    else if (s !== ConnectionState.Connected && s !== ConnectionState.New)
      machine.set(ConnectionState.Checking, { kind: 'restart' });
  }
}
