/**
 * What every part of an agent shares: the configuration, clock and network, the counters, the
 * state machine, both sides' credentials, our role (RFC 8445 §6.1.1) and tie-breaker, and the
 * check list (RFC 8445 §6.1.2). The parts (gathering, checks, nomination, inbound STUN,
 * liveness, state transitions) each own the rest of their state; agent.ts wires them.
 */
import { debuglog } from 'node:util';
import {
  type Clock,
  type Net,
  nodeNet,
  type SocketAddress,
  StateMachine,
  systemClock,
} from '@x/transport';
import type { Candidate } from './candidate.js';
import type { LocalBase } from './candidate-pair.js';
import { Checklist } from './checklist.js';
import {
  type AgentConfig,
  type CandidateSource,
  type ResolvedConfig,
  resolveConfig,
} from './config.js';
import { type IceCredentials, type RemoteOptions, randomIceString } from './credentials.js';
import {
  type AgentStats,
  ConnectionState,
  emptyStats,
  type StateCause,
  type StateNotifier,
} from './state.js';

const log = debuglog('x:ice');

/** A check received with the credentials of a generation not yet current (already answered). */
export interface EarlyCheck {
  readonly base: LocalBase;
  readonly from: SocketAddress;
  /** Its PRIORITY attribute (RFC 8445 §7.1.1). */
  readonly priority: number | undefined;
  /** Whether it carried USE-CANDIDATE (§7.1.2). */
  readonly useCandidate: boolean;
}

/** At most this many early checks wait for their generation; later ones are answered only. */
export const MAX_EARLY_CHECKS = 32;

/** The shared state of one agent. */
export class AgentSession {
  /** Resolved configuration; its servers and policy change with `Agent.setServers`. */
  cfg: ResolvedConfig;
  readonly net: Net;
  readonly clock: Clock;
  readonly stats: AgentStats = emptyStats();
  /** The one owner of the connection state (the state contract of ARCHITECTURE.md). */
  readonly machine: StateMachine<ConnectionState, StateCause>;
  /** RFC 8445 §7.1.3: the tie-breaker sent in ICE-CONTROLLING / ICE-CONTROLLED. */
  readonly tieBreaker: bigint;
  readonly list: Checklist;
  /** Our credentials in the current generation (the one whose checks run). */
  local: IceCredentials;
  /**
   * Our credentials of a generation begun (an ICE restart, RFC 8445 §9) and not yet current:
   * requests with them are answered, and the checks they ask for wait in `earlyChecks` until
   * the peer's credentials of that generation make it current, or it is abandoned.
   */
  pending: IceCredentials | undefined;
  /** Checks received with the pending credentials, acted upon when that generation starts. */
  readonly earlyChecks: EarlyCheck[] = [];
  /** Our credentials before the last restart (requests with them are still answered). */
  previousLocal: IceCredentials | undefined;
  remote: (IceCredentials & RemoteOptions) | undefined;
  /** An ICE restart (RFC 8445 §9) is under way: no pair of the new generation selected yet. */
  restarting = false;
  closed = false;
  private controlling_: boolean;
  /** Inputs running (an API call may come from a callback delivered by another's end). */
  private depth = 0;
  private draining = false;
  /** Outward calls queued by the inputs running, delivered in order when they end. */
  private readonly outbox: (() => void)[] = [];

  constructor(
    readonly config: AgentConfig,
    notifier: StateNotifier,
  ) {
    this.cfg = resolveConfig(config);
    this.list = new Checklist(this.cfg.maxPairs, () => this.stats.pairsDiscarded++);
    this.net = config.net ?? nodeNet;
    // Every timer of every part runs as one input: what it makes happen outside is delivered
    // when it returns.
    const clock = config.clock ?? systemClock;
    this.clock = {
      now: () => clock.now(),
      setTimeout: (callback, delayMs) => clock.setTimeout(() => this.run(callback), delayMs),
    };
    this.local = { ufrag: this.cfg.ufrag, pwd: this.cfg.pwd };
    this.controlling_ = this.cfg.controlling;
    this.tieBreaker = BigInt.asUintN(64, BigInt(`0x${randomIceHex()}`));
    this.machine = new StateMachine<ConnectionState, StateCause>(
      ConnectionState.New,
      (state, cause) => this.defer(() => this.invoke('state notifier', notifier, state, cause)),
      (error) => this.handlerThrew('state notifier', error),
      ConnectionState.Closed,
    );
  }

  /**
   * Runs one input (an API call, a timer, a datagram) to the end; the outward calls it made
   * (state notifications, candidates, the selected pair) are delivered, in order, when it
   * returns (dcsctp's callback deferrer): no user code runs in the middle of a change, and a
   * user may call anything, `close()` included, from any callback.
   */
  run<T>(input: () => T): T {
    this.depth++;
    try {
      return input();
    } finally {
      if (--this.depth === 0) this.drain();
    }
  }

  /** {@link AgentSession.run} without a closure, for the datagram path: begin… */
  enterInput(): void {
    this.depth++;
  }

  /** …and end. */
  exitInput(): void {
    if (--this.depth === 0 && this.outbox.length > 0) this.drain();
  }

  /** Queues an outward call while an input runs (or a delivery is under way); else makes it. */
  defer(call: () => void): void {
    if (this.depth > 0 || this.draining) this.outbox.push(call);
    else call();
  }

  /** `close()`: what was queued and not delivered is dropped; only `Closed` follows. */
  discardOutbox(): void {
    this.outbox.length = 0;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let call = this.outbox.shift(); call !== undefined; call = this.outbox.shift()) call();
    } finally {
      this.draining = false;
    }
  }

  /** True while we are the controlling agent. */
  get controlling(): boolean {
    return this.controlling_;
  }

  /** Takes a role (RFC 8445 §7.2.5.1, §7.3.1.1); pair priorities follow (§6.1.2.3). */
  setRole(controlling: boolean): void {
    if (this.controlling_ === controlling) return;
    if (controlling && this.cfg.lite) {
      // RFC 8445 §6.1.1: a lite agent is always controlled, whatever the signaling says.
      log('a lite agent stays controlled');
      return;
    }
    log('role switch: controlling=%s', controlling);
    this.controlling_ = controlling;
    this.list.setRole(controlling);
  }

  /** Sends one datagram from `base`; false (logged, not thrown) when it cannot. */
  send(base: LocalBase, data: Uint8Array, port: number, ip: string): boolean {
    if (base.socket.closed) return false;
    try {
      base.socket.send(data, port, ip);
      return true;
    } catch (error) {
      log('send to %s:%d failed: %o', ip, port, error);
      return false;
    }
  }

  /** The credentials requests are answered with: current, pending, previous. */
  answeredCredentials(): (IceCredentials | undefined)[] {
    return [this.local, this.pending, this.previousLocal];
  }

  /**
   * Announces a local candidate (with the ufrag of the newest generation, the one the peer is
   * told about), or `null` for end-of-candidates.
   */
  announce(c: Candidate | null, source?: CandidateSource): void {
    const cb = this.config.onCandidate;
    if (cb === undefined) return;
    const candidate = c === null ? null : { ...c, ufrag: (this.pending ?? this.local).ufrag };
    if (source === undefined) this.callUser('onCandidate', cb, candidate);
    else this.callUser('onCandidate', cb, candidate, source);
  }

  /**
   * Calls the user's callback `name` (when given) once the current input is done (see
   * {@link AgentSession.run}); a throw is counted and logged, it never breaks the agent.
   */
  callUser<A>(name: string, cb: ((a: A) => void) | undefined, a: A): void;
  callUser<A, B>(name: string, cb: ((a: A, b: B) => void) | undefined, a: A, b: B): void;
  callUser(
    name: string,
    cb: ((a: unknown, b?: unknown) => void) | undefined,
    a: unknown,
    b?: unknown,
  ): void {
    if (cb === undefined) return;
    this.defer(() => this.invoke(name, cb, a, b));
  }

  /**
   * Calls the user's `onData` now: the datagram is fully handled by then, and it is the hot
   * path (no closure, no queue).
   */
  deliverData<A, B>(cb: ((a: A, b: B) => void) | undefined, a: A, b: B): void {
    if (cb !== undefined) this.invoke('onData', cb as (a: unknown, b?: unknown) => void, a, b);
  }

  private invoke(
    name: string,
    cb: ((a: unknown, b?: unknown) => void) | ((a: never, b: never) => void),
    a: unknown,
    b?: unknown,
  ): void {
    const f = cb as (a: unknown, b?: unknown) => void;
    try {
      // A one-argument callback gets exactly one argument.
      if (b === undefined) f(a);
      else f(a, b);
    } catch (error) {
      this.handlerThrew(name, error);
    }
  }

  private handlerThrew(name: string, error: unknown): void {
    this.stats.handlerErrors++;
    log('%s threw: %o', name, error);
  }
}

function randomIceHex(): string {
  return Buffer.from(randomIceString(12), 'latin1').toString('hex').slice(0, 16);
}
