/**
 * Nomination and selection (RFC 8445 §8.1, SELECTION.md): when the controlling agent nominates
 * (the rule of selection.ts), when the controlled agent takes a pair the peer nominated, and
 * what selecting a pair does to the rest of the check list (§8.1.2).
 */
import { debuglog } from 'node:util';
import type { Timer } from '@x/transport';
import { type CandidatePair, PairState } from './candidate-pair.js';
import type { ConnectivityChecks } from './checks.js';
import { bestValidPair, chooseNomination } from './selection.js';
import type { AgentSession } from './session.js';
import type { SelectedPairCause } from './state.js';

const log = debuglog('x:ice');

/** The selected pair of one agent and the nomination that leads to it. */
export class Nomination {
  /** A pair was selected in this ICE generation: pairs formed from now on stay off the schedule. */
  done = false;
  private selected_: CandidatePair | undefined;
  /** Before any pair is selected: the valid pair that carries data (RFC 8445 §12.1). */
  private provisional: CandidatePair | undefined;
  private timer: Timer | undefined;

  /**
   * @param onSelected called after `pair` became the selected one (and the user was told).
   */
  constructor(
    private readonly session: AgentSession,
    private readonly checks: ConnectivityChecks,
    private readonly onSelected: (pair: CandidatePair) => void,
    /** A valid pair carries data before any is selected: consent is watched on it too. */
    private readonly onProvisional: (pair: CandidatePair) => void,
  ) {}

  /** The nominated pair selected in this or an earlier ICE generation, if any. */
  get selected(): CandidatePair | undefined {
    return this.selected_;
  }

  /** The pair carrying data: the selected one, or before any is, a valid one (§12.1). */
  get dataPair(): CandidatePair | undefined {
    return this.selected_ ?? this.provisional;
  }

  /**
   * RFC 8445 §12.1: "An ICE agent MAY send data on any valid pair before selected pairs have
   * been produced". Until a pair is selected, the first valid pair carries data (and the user
   * hears of it as the selected pair, cause `valid`); if it fails, the best other valid pair
   * takes over. Nomination still decides the final pair (SELECTION.md).
   */
  refreshProvisional(): void {
    if (this.selected_ !== undefined) return;
    const cur = this.provisional;
    if (cur !== undefined && cur.state === PairState.Succeeded) return;
    const next = bestValidPair(this.session.list.pairs);
    this.provisional = next;
    if (next === undefined) return;
    log('data on valid pair %s before nomination', next.toString());
    this.onProvisional(next);
    const s = this.session;
    s.callUser('onSelectedPairChange', s.config.onSelectedPairChange, next, { kind: 'valid' });
  }

  /** Controlling side: nominate the best valid pair when the selection rule says so. */
  evaluate(): void {
    this.stop();
    const s = this.session;
    if (
      !s.controlling ||
      this.done ||
      this.checks.nominating !== undefined ||
      s.remote === undefined
    )
      return;
    const decision = chooseNomination(s.list.pairs, s.clock.now(), s.cfg.nominationWait);
    if (decision.action === 'nominate') this.checks.nominate(decision.pair);
    else if (decision.action === 'wait') {
      this.timer = s.clock.setTimeout(() => {
        this.timer = undefined;
        this.evaluate();
      }, decision.untilMs - s.clock.now());
    }
  }

  /**
   * Controlled side, RFC 8445 §8.1.1: a nominated valid pair becomes selected when none is,
   * when it has a higher priority than the selected one, or when the selected one is silent.
   */
  considerNominated(pair: CandidatePair): void {
    const cur = this.selected_;
    if (
      cur === undefined ||
      this.session.restarting ||
      pair.priority > cur.priority ||
      this.isSilent(cur)
    )
      this.select(pair);
  }

  private isSilent(pair: CandidatePair): boolean {
    return this.session.clock.now() - pair.lastReceivedAt >= this.session.cfg.probeAfter;
  }

  /** Makes `pair` (valid and nominated) the selected pair. */
  select(pair: CandidatePair): void {
    const s = this.session;
    const previous = this.selected_;
    this.done = true;
    // RFC 8445 §8.1.2: with a nominated pair, Waiting and Frozen pairs leave the schedule,
    // and In-Progress checks of lower-priority pairs stop retransmitting. We stop the
    // higher-priority ones too: a pair is nominated once (SELECTION.md), so their outcome can
    // no longer change the selection and would only hold `completed` back for up to 39.5 s.
    // They stay in the list as candidates for a switch if the selected pair goes silent.
    for (const p of s.list.pairs) {
      if (p.state === PairState.Waiting || p.state === PairState.Frozen) p.retired = true;
      else if (p.state === PairState.InProgress && p !== pair && p !== this.checks.nominating) {
        if (p.transactionKey !== undefined) this.checks.cancel(p.transactionKey);
        p.transactionKey = undefined;
        s.list.setPairState(p, PairState.Waiting);
        p.retired = true;
      }
    }
    // After a restart the peer's checks on the same path may land on the pair selected before
    // (inbound's fast path): the new generation selecting it still ends the restart.
    if (previous === pair && !s.restarting) return;
    // A pair that already carried data (§12.1) changes no route when nominated: the user hears
    // of no new selected pair, only the state may move.
    const sameRoute = previous === undefined && this.provisional === pair;
    this.provisional = undefined;
    let cause: SelectedPairCause;
    if (previous === undefined) cause = { kind: 'nominated' };
    else if (s.restarting) cause = { kind: 'restart', previous };
    else if (this.isSilent(previous)) cause = { kind: 'previous-pair-silent', previous };
    else cause = { kind: 'higher-priority-nominated', previous };
    this.selected_ = pair;
    s.restarting = false;
    log('selected %s (%s)', pair.toString(), sameRoute ? 'it carried data already' : cause.kind);
    if (!sameRoute) s.callUser('onSelectedPairChange', s.config.onSelectedPairChange, pair, cause);
    this.onSelected(pair);
  }

  /** ICE restart (RFC 8445 §9): nominate again; the selected pair stays until replaced. */
  restart(): void {
    this.stop();
    this.done = false;
    this.provisional = undefined;
  }

  /** Stops waiting to nominate. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
