/**
 * What arrives on the agent's bases (RFC 8445 §7.2.5, §7.3, §11): STUN told apart from data
 * (RFC 7983), Binding requests answered (responder.ts) and acted upon — peer-reflexive remote
 * candidates (§7.3.1.3), triggered checks (§7.3.1.4), nomination on the controlled side
 * (§7.3.1.5) —, responses handed to their transaction, keepalives and data delivered.
 * Bad input is dropped and counted, never thrown.
 */
import { debuglog } from 'node:util';
import type { SocketAddress } from '@x/transport';
import { type CandidatePair, type LocalBase, PairState, pathKey } from './candidate-pair.js';
import type { ConnectivityChecks } from './checks.js';
import type { Gathering } from './gathering.js';
import type { Liveness } from './liveness.js';
import type { Nomination } from './nomination.js';
import type { StateTransitions } from './transitions.js';
import type { Pairing } from './pairing.js';
import { candidatePriority } from './priority.js';
import { answerCheck } from './responder.js';
import { type AgentSession, MAX_EARLY_CHECKS } from './session.js';
import { ConnectionState } from './state.js';
import { MAGIC_COOKIE, StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { verifyFingerprint } from './stun/integrity.js';
import { decodeStun, type StunMessage } from './stun/message.js';

const log = debuglog('x:ice');

/** The parts that inbound traffic acts upon. */
export interface InboundTargets {
  readonly checks: ConnectivityChecks;
  readonly nomination: Nomination;
  readonly pairing: Pairing;
  readonly gathering: Gathering;
  readonly liveness: Liveness;
  /** The agent's state (a lite agent leaves `new` on the peer's first check). */
  readonly transitions: StateTransitions;
}

/** The receiving side of one agent. */
export class Inbound {
  /**
   * @param onChange called after a request changed the check list or nomination.
   */
  constructor(
    private readonly session: AgentSession,
    private readonly parts: InboundTargets,
    private readonly onChange: () => void,
  ) {}

  /** Every datagram of every base (hot path: no allocation for data on a known pair). */
  receive(base: LocalBase, data: Buffer, from: SocketAddress): void {
    const s = this.session;
    if (s.closed) return;
    s.stats.datagramsReceived++;
    if (data.length >= 20 && (data[0]! & 0xc0) === 0 && data.readUInt32BE(4) === MAGIC_COOKIE) {
      this.onStun(base, data, from);
      return;
    }
    const pair = this.findPair(base, from);
    if (pair === undefined) {
      s.stats.unknownSource++;
      log('dropped %d bytes from unknown %s:%d', data.length, from.address, from.port);
      return;
    }
    this.heard(pair);
    s.stats.dataReceived++;
    s.deliverData(s.config.onData, data, pair);
  }

  /** A packet arrived on `pair`: it is alive, and the selected pair's liveness may care. */
  private heard(pair: CandidatePair): void {
    pair.lastReceivedAt = this.session.clock.now();
    const { nomination, liveness } = this.parts;
    if (pair === nomination.selected && liveness.attention) liveness.heard(pair);
  }

  /** The pair of a path: the selected pair first (hot path, no key built), then the list. */
  private findPair(base: LocalBase, from: SocketAddress): CandidatePair | undefined {
    const sel = this.parts.nomination.selected;
    if (
      sel !== undefined &&
      sel.base === base &&
      sel.remote.port === from.port &&
      sel.remoteIp === from.address
    ) {
      return sel;
    }
    return this.session.list.byKey.get(pathKey(base.id, from.address, from.port));
  }

  private onStun(base: LocalBase, data: Buffer, from: SocketAddress): void {
    const stats = this.session.stats;
    const msg = decodeStun(data);
    if (msg === undefined) {
      stats.malformedStun++;
      log('dropped malformed STUN from %s:%d', from.address, from.port);
      return;
    }
    if (msg.fingerprintOffset >= 0 && !verifyFingerprint(msg)) {
      stats.badFingerprint++;
      log('dropped STUN with bad FINGERPRINT from %s:%d', from.address, from.port);
      return;
    }
    if (msg.method !== StunMethod.Binding) {
      // Only Binding is ICE's (RFC 8445 §7): anything else answers nothing we sent.
      stats.unknownTransaction++;
      return;
    }
    switch (msg.cls) {
      case StunClass.Request:
        this.onRequest(base, msg, from);
        return;
      case StunClass.Indication: {
        // RFC 8445 §11: Binding indications are keepalives.
        const pair = this.findPair(base, from);
        if (pair !== undefined) this.heard(pair);
        return;
      }
      default:
        this.onResponse(base, msg, from);
    }
  }

  private onResponse(base: LocalBase, msg: StunMessage, from: SocketAddress): void {
    const stats = this.session.stats;
    const r = this.parts.checks.complete(base, msg, from);
    if (r === 'consumed') {
      // An authenticated answer from `from`: on a shared UDP mux, its datagrams are ours now.
      base.onAuthenticated?.(from);
      return;
    }
    if (r === 'not-mine') {
      const q = this.parts.gathering.handleResponse(base, msg, from);
      if (q === 'consumed') return;
      if (q === 'unexpected-source') stats.unexpectedSource++;
      else stats.unknownTransaction++;
      log('dropped response (%s) from %s:%d', q, from.address, from.port);
    } else if (r === 'unexpected-source') {
      stats.unexpectedSource++;
      log('dropped response from unexpected %s:%d', from.address, from.port);
    } else {
      stats.badIntegrity++;
      log('dropped response with bad MESSAGE-INTEGRITY from %s:%d', from.address, from.port);
    }
  }

  private onRequest(base: LocalBase, msg: StunMessage, from: SocketAddress): void {
    const s = this.session;
    const { stats } = s;
    const verdict = answerCheck(
      msg,
      from,
      s.local,
      [s.pending, s.previousLocal],
      s.controlling,
      s.tieBreaker,
    );
    s.send(base, verdict.reply, from.port, from.address);
    if (verdict.kind === 'rejected') {
      if (verdict.reason === 'unknown-attributes') stats.unknownAttributes++;
      else if (verdict.reason === 'bad-username') stats.badUsername++;
      else if (verdict.reason === 'role-conflict') stats.roleConflicts++;
      else stats.badIntegrity++;
      log('refused a check from %s:%d: %s', from.address, from.port, verdict.reason);
      return;
    }
    stats.checksReceived++;
    if (verdict.role === 'switch') {
      stats.roleConflicts++;
      s.setRole(!s.controlling);
    }
    const pair = this.findPair(base, from);
    if (pair !== undefined) {
      this.heard(pair);
      pair.stun.requestsReceived++;
      pair.stun.responsesSent++;
    }
    if (s.closed) return;
    if (verdict.credentials === s.pending) {
      // A check of the generation begun (RFC 8445 §9): answered; what it asks for (a
      // peer-reflexive candidate, a triggered check, a nomination) waits for that generation.
      if (s.earlyChecks.length < MAX_EARLY_CHECKS) {
        const useCandidate = msg.has(StunAttr.UseCandidate);
        const priority = msg.getUint32(StunAttr.Priority);
        s.earlyChecks.push({ base, from: { ...from }, priority, useCandidate });
      }
      return;
    }
    if (!verdict.current) return;
    this.act(base, from, msg.getUint32(StunAttr.Priority), msg.has(StunAttr.UseCandidate), pair);
  }

  /**
   * The checks received with the credentials of the generation that just became current,
   * acted upon in the order they came (they were answered then).
   */
  replayEarlyChecks(): void {
    const s = this.session;
    const early = s.earlyChecks.splice(0);
    for (const c of early) {
      if (s.closed) return;
      this.act(c.base, c.from, c.priority, c.useCandidate, this.findPair(c.base, c.from));
    }
  }

  /**
   * What an authenticated check of the current generation makes happen (RFC 8445 §7.3.1.3–5):
   * a peer-reflexive candidate, a triggered check, a nomination.
   */
  private act(
    base: LocalBase,
    from: SocketAddress,
    priority: number | undefined,
    useCandidate: boolean,
    found: CandidatePair | undefined,
  ): void {
    const s = this.session;
    let pair = found;
    if (s.machine.state === ConnectionState.Failed && !s.restarting) return;
    // RFC 8445 §9: during a restart the selected pair of the old generation still carries
    // data, but a check of the new generation on its path belongs in the new check list.
    if (pair !== undefined && s.restarting) pair = s.list.byKey.get(pair.key);
    if (pair === undefined) {
      // RFC 8445 §7.3.1.3: an unknown source is a peer-reflexive remote candidate.
      pair = this.parts.pairing.learnRemote(base, from, priority ?? candidatePriority('prflx', 0));
      if (pair === undefined) return;
      pair.retired = false;
      pair.lastReceivedAt = s.clock.now();
      pair.stun.requestsReceived++;
      pair.stun.responsesSent++;
    }
    if (s.cfg.lite) {
      // RFC 8445 §2.5, §7.3.1.5: a lite agent sends no checks, triggered or ordinary; the
      // peer's authenticated check is what makes the pair usable, and it stands for consent
      // (RFC 7675 §5: a lite agent answers consent checks and sends none).
      const now = s.clock.now();
      if (s.machine.state === ConnectionState.New) this.parts.transitions.checksStarted();
      if (pair.state !== PairState.Succeeded) {
        s.list.setPairState(pair, PairState.Succeeded);
        pair.validAt = now;
      }
      pair.lastConsentAt = now;
      if (useCandidate) {
        pair.nominated = true;
        this.parts.nomination.considerNominated(pair);
      }
      this.onChange();
      return;
    }
    // RFC 8445 §7.3.1.4: triggered checks.
    if (pair.state !== PairState.Succeeded && pair.state !== PairState.InProgress) {
      pair.retired = false;
      s.list.setPairState(pair, PairState.Waiting);
      s.list.triggered.push(pair);
    }
    // RFC 8445 §7.3.1.5: nomination on the controlled side (regular or aggressive).
    if (useCandidate && !s.controlling) {
      if (pair.state === PairState.Succeeded) {
        pair.nominated = true;
        this.parts.nomination.considerNominated(pair);
      } else {
        pair.nominateOnSuccess = true;
      }
    }
    this.onChange();
  }
}
