/**
 * What the outcome of a check means (RFC 8445 §7.2.5): a timeout or an error fails the pair,
 * a role conflict (487) switches roles and retries, a success makes the pair valid, unfreezes
 * its foundation, may reveal a peer-reflexive local candidate and may complete a nomination.
 * A consent response (RFC 7675) only refreshes the pair.
 */
import { debuglog } from 'node:util';
import { type CandidatePair, PairState } from './candidate-pair.js';
import type { CheckTransaction, ConnectivityChecks } from './checks.js';
import type { Liveness } from './liveness.js';
import type { Nomination } from './nomination.js';
import type { Pairing } from './pairing.js';
import type { AgentSession } from './session.js';
import { StunClass } from './stun/constants.js';
import type { TransactionOutcome } from './stun/transaction.js';

const log = debuglog('x:ice');

/** The parts a check's outcome acts upon. */
export interface OutcomeTargets {
  readonly checks: ConnectivityChecks;
  readonly nomination: Nomination;
  readonly pairing: Pairing;
  readonly liveness: Liveness;
}

/** Applies the outcomes of one agent's checks and consent requests. */
export class CheckOutcomes {
  /** @param onChange called after an outcome changed the check list or nomination. */
  constructor(
    private readonly session: AgentSession,
    private readonly parts: OutcomeTargets,
    private readonly onChange: () => void,
  ) {}

  /** Takes the outcome of `tx` (an open agent's transaction that ended). */
  apply(tx: CheckTransaction, outcome: TransactionOutcome): void {
    const s = this.session;
    const { checks, nomination } = this.parts;
    const pair = tx.pair;
    if (outcome.kind === 'timeout') {
      if (tx.kind === 'consent') return;
      log('check timed out on %s', pair.toString());
      this.failed(pair);
      this.onChange();
      return;
    }
    const msg = outcome.message;
    const now = s.clock.now();
    if (msg.cls === StunClass.ErrorResponse) {
      const code = msg.getErrorCode()?.code;
      if (code === 487 && tx.kind === 'check') {
        // RFC 8445 §7.2.5.1: switch roles if we still have the role we sent, and retry.
        s.stats.roleConflicts++;
        if (tx.controlling === s.controlling) s.setRole(!s.controlling);
        s.list.setPairState(pair, PairState.Waiting);
        s.list.triggered.push(pair);
        checks.schedule();
        return;
      }
      log('check on %s got error %s', pair.toString(), code);
      if (tx.kind === 'check') this.failed(pair);
      this.onChange();
      return;
    }
    pair.lastReceivedAt = now;
    pair.lastConsentAt = now;
    pair.rttMs = now - tx.sentAt;
    pair.stun.responsesReceived++;
    pair.stun.totalRoundTripTimeMs += pair.rttMs;
    if (pair === nomination.selected) this.parts.liveness.heard(pair);
    if (tx.kind === 'consent') return;
    // RFC 8445 §7.2.5.3.1: the mapped address may be a new (peer-reflexive) local candidate.
    const mapped = msg.getXorAddress();
    if (mapped !== undefined) this.parts.pairing.learnLocal(pair, mapped);
    if (pair.state !== PairState.Succeeded) {
      s.list.setPairState(pair, PairState.Succeeded);
      pair.validAt = now;
      log('pair valid: %s', pair.toString());
      // RFC 8445 §7.2.5.3.3: unfreeze the pairs of the same foundation.
      s.list.unfreeze(pair.foundation);
    }
    if (tx.useCandidate && s.controlling) {
      if (checks.nominating === pair) checks.nominating = undefined;
      pair.nominated = true;
      nomination.select(pair);
    } else if (!s.controlling && pair.nominateOnSuccess) {
      pair.nominated = true;
      nomination.considerNominated(pair);
    } else if (
      s.controlling &&
      this.parts.liveness.probing &&
      nomination.selected &&
      pair !== nomination.selected &&
      checks.nominating === undefined
    ) {
      // The selected pair is silent and this one answers: switch to it (SELECTION.md).
      checks.nominate(pair);
    }
    this.onChange();
  }

  /** The check of `pair` failed: so does the pair, and a nomination on it (RFC 8445 §7.2.5.2). */
  private failed(pair: CandidatePair): void {
    this.session.list.setPairState(pair, PairState.Failed);
    if (this.parts.checks.nominating === pair) this.parts.checks.nominating = undefined;
  }
}
