/**
 * The check list of one data stream (RFC 8445 §6.1.2): the pairs, their lookup by path, and
 * the triggered-check queue (§6.1.4.1), with the choice of the next check (§6.1.4.2).
 */
import { debuglog } from 'node:util';
import type { Candidate } from './candidate.js';
import { CandidatePair, type LocalBase, PairState, pathKey } from './candidate-pair.js';

const log = debuglog('x:ice');
/** The pairs of an agent and the order in which they are checked. */
export class Checklist {
  /** Every pair, in creation order. */
  readonly pairs: CandidatePair[] = [];
  /** Pairs by path (`pathKey`). */
  readonly byKey = new Map<string, CandidatePair>();
  /** Triggered checks, first in first out (RFC 8445 §6.1.4.1). */
  readonly triggered: CandidatePair[] = [];

  /**
   * @param maxPairs - RFC 8445 §6.1.2.5: the most pairs kept (default 100, as the RFC says).
   * @param onDiscard - called for each pair discarded or not formed because of the limit.
   */
  constructor(
    private readonly maxPairs = 100,
    private readonly onDiscard: () => void = () => {},
  ) {}

  /**
   * Forms the pair of `local` (sending from `base`) and `remote` (at `ip`), or returns the
   * existing pair of that path. Undefined when the two cannot reach each other: another
   * address family, or (for signalled candidates, `learned` false) loopback facing a
   * non-loopback address. A path learned from a check that arrived works whatever the
   * addresses (a socket on 127.0.0.1 reaches the host's own other addresses).
   */
  form(
    base: LocalBase,
    local: Candidate,
    remote: Candidate,
    ip: string,
    controlling: boolean,
    retired: boolean,
    learned = false,
  ): CandidatePair | undefined {
    if (base.family !== (ip.includes(':') ? 'IPv6' : 'IPv4')) return undefined;
    if (!learned && isLoopback(base.address) !== isLoopback(ip)) return undefined;
    const key = pathKey(base.id, ip, remote.port);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    const pair = new CandidatePair(local, base, remote, ip);
    pair.updatePriority(controlling);
    // RFC 8445 §6.1.2.6 (and RFC 8838 §11): Waiting unless a pair of the same foundation is
    // already being checked, in which case it waits Frozen for that one's outcome.
    const sameFoundationActive = this.pairs.some(
      (p) =>
        p.foundation === pair.foundation &&
        (p.state === PairState.Waiting || p.state === PairState.InProgress),
    );
    pair.state = sameFoundationActive ? PairState.Frozen : PairState.Waiting;
    pair.retired = retired;
    this.pairs.push(pair);
    this.byKey.set(key, pair);
    if (this.pairs.length > this.maxPairs && this.discardLowest() === pair) return undefined;
    return pair;
  }

  /**
   * RFC 8445 §6.1.2.5: with more pairs than the limit, the lowest-priority pair that nothing
   * depends on (Waiting, Frozen or Failed, no check outstanding, never valid) is dropped.
   * Returns it; undefined when every pair is in progress or was valid (the list then stays
   * above the limit until some fail).
   */
  private discardLowest(): CandidatePair | undefined {
    let worst: CandidatePair | undefined;
    for (const p of this.pairs) {
      const idle =
        p.transactionKey === undefined &&
        !p.nominated &&
        p.validAt === Number.NEGATIVE_INFINITY &&
        (p.state === PairState.Waiting ||
          p.state === PairState.Frozen ||
          p.state === PairState.Failed);
      if (idle && (worst === undefined || p.priority < worst.priority)) worst = p;
    }
    if (worst === undefined) return undefined;
    this.pairs.splice(this.pairs.indexOf(worst), 1);
    this.byKey.delete(worst.key);
    const queued = this.triggered.indexOf(worst);
    if (queued >= 0) this.triggered.splice(queued, 1);
    this.onDiscard();
    releaseConnection(worst);
    return worst;
  }

  /** True when a check is due: a triggered one, or a scheduled Waiting or Frozen pair. */
  hasWork(): boolean {
    if (this.triggered.length > 0) return true;
    return this.pairs.some(
      (p) => !p.retired && (p.state === PairState.Waiting || p.state === PairState.Frozen),
    );
  }

  /** True while a check is outstanding or due. */
  running(): boolean {
    return (
      this.triggered.length > 0 ||
      this.pairs.some(
        (p) =>
          p.state === PairState.InProgress ||
          (!p.retired && (p.state === PairState.Waiting || p.state === PairState.Frozen)),
      )
    );
  }

  /**
   * RFC 8445 §6.1.4.2: the triggered queue first, then the highest-priority Waiting pair,
   * then the highest-priority Frozen one (which is thereby unfrozen). `nominating` may be
   * checked again while in progress (its nomination check replaces the running one).
   */
  next(nominating: CandidatePair | undefined): CandidatePair | undefined {
    while (this.triggered.length > 0) {
      const p = this.triggered.shift()!;
      if (p.state !== PairState.InProgress || p === nominating) return p;
    }
    return this.highest(PairState.Waiting) ?? this.highest(PairState.Frozen);
  }

  private highest(state: PairState): CandidatePair | undefined {
    let best: CandidatePair | undefined;
    for (const p of this.pairs) {
      if (!p.retired && p.state === state && (best === undefined || p.priority > best.priority)) {
        best = p;
      }
    }
    return best;
  }

  /**
   * The one setter of a candidate pair's state (RFC 8445 §6.1.2.6: Frozen, Waiting,
   * In-Progress, Succeeded, Failed): every part of the agent changes a pair's state here.
   */
  setPairState(pair: CandidatePair, state: PairState): void {
    if (pair.state === state) return;
    log('pair %s: %s -> %s', pair.toString(), PairState[pair.state], PairState[state]);
    pair.state = state;
    // RFC 6544 §7.1: an ICE-TCP pair is its connection; a failed pair's connection closes.
    if (state === PairState.Failed) releaseConnection(pair);
  }

  /** RFC 8445 §7.2.5.3.3: a success unfreezes the pairs of the same foundation. */
  unfreeze(foundation: string): void {
    for (const p of this.pairs) {
      if (p.state === PairState.Frozen && p.foundation === foundation)
        this.setPairState(p, PairState.Waiting);
    }
  }

  /** Recomputes pair priorities after a role change (RFC 8445 §7.2.5.1). */
  setRole(controlling: boolean): void {
    for (const p of this.pairs) p.updatePriority(controlling);
  }

  /** Queues a triggered check of every pair but `except` (a probe for a spare path). */
  probeAll(except: CandidatePair): void {
    for (const p of this.pairs) {
      if (p === except || p.state === PairState.InProgress) continue;
      p.retired = false;
      this.setPairState(p, PairState.Waiting);
      this.triggered.push(p);
    }
  }

  /** Forgets every pair (ICE restart). */
  clear(): void {
    this.pairs.length = 0;
    this.byKey.clear();
    this.triggered.length = 0;
  }
}

/** Closes the TCP connection under an ICE-TCP pair (nothing for other pairs). */
function releaseConnection(pair: CandidatePair): void {
  if (pair.base.tcpConnection === true && !pair.base.socket.closed) {
    log('closing the connection of %s', pair.toString());
    void pair.base.socket.close();
  }
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}
