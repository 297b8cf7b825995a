/**
 * Connectivity checks on the wire (RFC 8445 §6.1.4, §7.2.4): one check every Ta from the
 * check list, the Binding requests of checks and of consent (RFC 7675 §5.1), their
 * transactions, and the authentication of their responses (§7.2.5). What a response means
 * for the pair is decided by the outcome handler given to the constructor.
 */
import { debuglog } from 'node:util';
import type { SocketAddress, Timer } from '@x/transport';
import { type CandidatePair, type LocalBase, PairState } from './candidate-pair.js';
import { candidatePriority, tcpCandidatePriority } from './priority.js';
import type { AgentSession } from './session.js';
import { ConnectionState } from './state.js';
import { StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { verifyIntegrity } from './stun/integrity.js';
import type { StunMessage } from './stun/message.js';
import {
  type ClientTransaction,
  StunTransactions,
  type TransactionOutcome,
} from './stun/transaction.js';
import { StunWriter } from './stun/writer.js';

const log = debuglog('x:ice');

/** A Binding request we sent: a connectivity check or a consent request. */
export interface CheckTransaction {
  readonly kind: 'check' | 'consent';
  readonly pair: CandidatePair;
  /** The remote password the request was signed with (the response must be too). */
  readonly pwd: string;
  /** It carried USE-CANDIDATE (RFC 8445 §7.1.2). */
  readonly useCandidate: boolean;
  /** Our role when it left (RFC 8445 §7.2.5.1). */
  readonly controlling: boolean;
  readonly sentAt: number;
  /** The transaction id, hex. */
  readonly key: string;
}

/** Gets how each check or consent transaction ended. */
export type CheckOutcomeHandler = (tx: CheckTransaction, outcome: TransactionOutcome) => void;

/** Outcome of {@link ConnectivityChecks.complete}. */
export type CheckResponse = 'consumed' | 'unexpected-source' | 'bad-integrity' | 'not-mine';

/**
 * Runs `fn` once the current task is done, like a zero-delay timer but without the 1 ms floor
 * that Node puts on `setTimeout(fn, 0)`: a check that RFC 8445 sends "at once" leaves within
 * the same turn of the event loop, on the real and on the virtual clock alike.
 */
function soon(fn: () => void): Timer {
  let live = true;
  queueMicrotask(() => {
    if (live) fn();
  });
  return {
    cancel: () => {
      live = false;
    },
  };
}

/** The priority a peer-reflexive candidate of `pair`'s base would have (RFC 8445 §7.1.1). */
function prflxPriority(pair: CandidatePair): number {
  const local = (pair.local.priority >>> 8) & 0xffff;
  if (pair.local.transport !== 'tcp') return candidatePriority('prflx', local);
  return tcpCandidatePriority('prflx', pair.local.tcpType ?? 'passive', (local & 0x1fff) << 3);
}

/** The check pacing and the outstanding Binding requests of one agent. */
export class ConnectivityChecks {
  private readonly transactions: StunTransactions;
  private readonly outstanding = new Map<
    string,
    { readonly tx: CheckTransaction; readonly handle: ClientTransaction }
  >();
  private timer: Timer | undefined;
  /** The pair whose nomination check (USE-CANDIDATE) is queued or in flight. */
  nominating: CandidatePair | undefined;

  /**
   * @param onOutcome - what a check's response (or its timeout) means is decided there.
   * @param onFirstCheck - the first check is due: the agent leaves `new` (transitions.ts owns the state).
   */
  constructor(
    private readonly session: AgentSession,
    private readonly onOutcome: CheckOutcomeHandler,
    private readonly onFirstCheck: () => void = () => {},
  ) {
    this.transactions = new StunTransactions(session.clock);
  }

  /** Starts the Ta timer when there is work and we may check. */
  schedule(): void {
    const s = this.session;
    // RFC 8445 §2.5: a lite agent sends no connectivity checks (the full peer does).
    if (s.cfg.lite || s.closed || s.remote === undefined || this.timer !== undefined) return;
    if (s.machine.state === ConnectionState.Failed && !s.restarting) return;
    if (!s.list.hasWork()) return;
    if (s.machine.state === ConnectionState.New) this.onFirstCheck();
    // First check at once, then one every Ta (RFC 8445 §6.1.4.2).
    this.timer = soon(() => this.onTimer());
  }

  /** Puts `pair`'s nomination check first in line (RFC 8445 §8.1.1, regular nomination). */
  nominate(pair: CandidatePair): void {
    this.nominating = pair;
    this.session.list.triggered.unshift(pair);
    log('nominating %s', pair.toString());
    if (this.timer === undefined) this.timer = soon(() => this.onTimer());
  }

  private onTimer(): void {
    this.timer = undefined;
    const s = this.session;
    if (s.closed || s.remote === undefined) return;
    const pair = s.list.next(this.nominating);
    if (pair === undefined) return;
    this.send(pair, pair === this.nominating);
    if (s.list.hasWork()) this.timer = s.clock.setTimeout(() => this.onTimer(), s.cfg.ta);
  }

  /** Sends a check (RFC 8445 §7.2.4) or a consent request (RFC 7675 §5.1) on `pair`. */
  send(pair: CandidatePair, useCandidate: boolean, kind: 'check' | 'consent' = 'check'): void {
    const s = this.session;
    const remote = s.remote;
    if (remote === undefined) return;
    if (kind === 'check' && pair.transactionKey !== undefined) this.cancel(pair.transactionKey);
    const controlling = s.controlling;
    const w = new StunWriter(StunMethod.Binding, StunClass.Request)
      .addString(StunAttr.Username, `${remote.ufrag}:${s.local.ufrag}`)
      // RFC 8445 §7.1.1: PRIORITY is that of a peer-reflexive candidate from this base
      // (RFC 6544 §4.2 for a TCP one).
      .addUint32(StunAttr.Priority, prflxPriority(pair))
      .addUint64(controlling ? StunAttr.IceControlling : StunAttr.IceControlled, s.tieBreaker);
    if (useCandidate && controlling) w.addFlag(StunAttr.UseCandidate);
    const bytes = w.finish({ integrity: remote.pwd, fingerprint: true });
    const key = w.transactionId.toString('hex');
    const tx: CheckTransaction = {
      kind,
      pair,
      pwd: remote.pwd,
      useCandidate: useCandidate && controlling,
      controlling,
      sentAt: s.clock.now(),
      key,
    };
    if (kind === 'check') {
      s.list.setPairState(pair, PairState.InProgress);
      pair.transactionKey = key;
      s.stats.checksSent++;
      pair.stun.requestsSent++;
    } else {
      s.stats.consentRequestsSent++;
      pair.stun.consentRequestsSent++;
    }
    const handle = this.transactions.start(
      w.transactionId,
      () => s.send(pair.base, bytes, pair.remote.port, pair.remoteIp),
      (outcome) => this.settle(tx, outcome),
      kind === 'check'
        ? { rtoMs: s.cfg.checkRto, maxTransmissions: s.cfg.checkTransmissions }
        : { rtoMs: s.cfg.consentInterval, maxTransmissions: 1, lastWaitFactor: 4 },
    );
    this.outstanding.set(key, { tx, handle });
  }

  /**
   * Completes the transaction a response answers, once authenticated. RFC 8445 §7.2.5.2.1:
   * the response must come from where the request went, to the base it left from.
   */
  complete(base: LocalBase, msg: StunMessage, from: SocketAddress): CheckResponse {
    const entry = this.outstanding.get(msg.transactionKey);
    if (entry === undefined) return 'not-mine';
    const { pair, pwd } = entry.tx;
    if (pair.base !== base || pair.remoteIp !== from.address || pair.remote.port !== from.port)
      return 'unexpected-source';
    if (!verifyIntegrity(msg, pwd)) return 'bad-integrity';
    this.transactions.complete(msg);
    return 'consumed';
  }

  private settle(tx: CheckTransaction, outcome: TransactionOutcome): void {
    this.outstanding.delete(tx.key);
    const pair = tx.pair;
    if (tx.kind === 'check' && pair.transactionKey === tx.key) pair.transactionKey = undefined;
    if (this.session.closed) return;
    this.onOutcome(tx, outcome);
  }

  /** Stops the transaction of `key` (no outcome). */
  cancel(key: string): void {
    this.outstanding.get(key)?.handle.cancel();
    this.outstanding.delete(key);
  }

  /** ICE restart (RFC 8445 §9): the checks of the old generation stop, consent goes on. */
  restart(): void {
    for (const [key, { tx }] of this.outstanding) if (tx.kind === 'check') this.cancel(key);
    this.clearSchedule();
  }

  /** Stops everything: the timer, every transaction, the triggered queue and nomination. */
  stop(): void {
    for (const key of [...this.outstanding.keys()]) this.cancel(key);
    this.clearSchedule();
  }

  private clearSchedule(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.session.list.triggered.length = 0;
    this.nominating = undefined;
  }
}
