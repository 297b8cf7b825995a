/**
 * What every part of an association shares, its TCB (RFC 9260 §14.2): the options, clock and
 * transport, the §4 state and the public state it maps to, both verification tags, what the
 * handshake negotiated, the sender, receiver and RE-CONFIG once established, the control chunks
 * waiting for the next packet, the RTO, the PMTU figures and the counters. The parts
 * (initialization.ts, inbound.ts, data-path.ts, output.ts, heartbeat.ts, shutdown.ts,
 * path-mtu.ts) each own the rest of their state; association.ts wires them.
 */

import { randomBytes, randomInt } from 'node:crypto';
import { debuglog } from 'node:util';
import { type Clock, lateStateChange, SerialNotifier, systemClock } from '@x/transport';
import type { Chunk } from './chunk.js';
import { SctpConfigurationError } from './errors.js';
import type {
  AssociationHandlers,
  AssociationOptions,
  AssociationStats,
  DatagramTransport,
} from './options.js';
import type { Receiver } from './receiver.js';
import type { Reconfig } from './reconfig.js';
import type { Sender } from './sender.js';
import {
  type AssociationCause,
  type AssociationNotifier,
  AssociationState,
  type RetransmissionTimer,
} from './state.js';
import { DeadlineTimer, RtoEstimator } from './timer.js';

const log = debuglog('x:sctp');

/**
 * RFC 9260 §4 states, internal: the one state of an association, which only
 * {@link AssociationSession.enter} writes. RFC 9260's CLOSED is two values here, before `connect()`
 * (`New`) and after the end (`Closed`, terminal). The order matters: everything below
 * `Established` sends no DATA or SACK.
 */
export const S = {
  Closed: -1,
  New: 0,
  CookieWait: 1,
  CookieEchoed: 2,
  Established: 3,
  ShutdownPending: 4,
  ShutdownSent: 5,
  ShutdownReceived: 6,
  ShutdownAckSent: 7,
} as const;
export type S = (typeof S)[keyof typeof S];

/**
 * The public state of an internal one: a pure function, so the two can never disagree
 * (RFC 9260 §4 states onto {@link AssociationState}).
 */
export function publicStateOf(s: S): AssociationState {
  switch (s) {
    case S.New:
      return AssociationState.New;
    case S.CookieWait:
    case S.CookieEchoed:
      return AssociationState.Connecting;
    case S.Established:
      return AssociationState.Connected;
    case S.ShutdownPending:
    case S.ShutdownSent:
    case S.ShutdownReceived:
    case S.ShutdownAckSent:
      return AssociationState.ShuttingDown;
    case S.Closed:
      return AssociationState.Closed;
    default: {
      const unknown: never = s;
      throw new Error(`unknown SCTP state ${String(unknown)}`);
    }
  }
}

const nonZeroTag = (): number => randomInt(1, 0x100000000 - 1) >>> 0;
const randomTsn = (): number => randomBytes(4).readUInt32BE(0);

/** The counters of {@link AssociationStats} kept by the association itself. */
export type AssociationCounters = Pick<
  AssociationStats,
  | 'packetsSent'
  | 'packetsReceived'
  | 'bytesSent'
  | 'bytesReceived'
  | 'messagesSent'
  | 'messagesReceived'
  | 'dataChunksReceived'
  | 'duplicateChunks'
  | 't3Expirations'
  | 'droppedPackets'
  | 'droppedChunks'
  | 'internalErrors'
  | 'pmtuProbesSent'
>;

/** The shared state of one association. */
export class AssociationSession {
  readonly clock: Clock;
  readonly transport: DatagramTransport;
  readonly handlers: AssociationHandlers;
  readonly localPort: number;
  readonly remotePort: number;
  /** The PMTU in use: the base until a probe confirms more (RFC 8899). */
  mtu: number;
  /** The base PMTU (the `mtu` option), always assumed to pass. */
  readonly baseMtu: number;
  /** The largest PMTU the search may reach (`maxMtu`, or `Association.setMaxMtu`). */
  maxMtu: number;
  readonly maxMessageSize: number;
  /** The peer's max-message-size (Infinity for none); a renegotiation may change it. */
  remoteMaxMessageSize: number;
  readonly bufferSize: number;
  /** `receiveWindowRate`: what the advertised window is sized for (bytes/s). */
  readonly windowRate: number;
  /** The lowest round-trip time known on the current path (ms); infinite while unknown. */
  private lowestRtt: number;
  readonly wantOutbound: number;
  readonly wantInbound: number;
  readonly maxRetrans: number;
  readonly maxInitRetrans: number;
  readonly hbInterval: number;
  readonly delayedAckMs: number;
  readonly cookieLifetime: number;
  readonly zeroChecksumOffered: boolean;
  readonly rtoEstimator: RtoEstimator;

  /** The internal state; written only by {@link AssociationSession.enter}. */
  s: S = S.New;
  myTag = 0;
  peerTag = 0;
  readonly myInitialTsn = randomTsn();
  /**
   * Our tag, drawn once: used by our INIT and by INIT-ACKs sent before connect(), so that a
   * COOKIE-ECHO answering either is accepted whichever handshake wins.
   */
  readonly localTag = nonZeroTag();
  peerFeatures = 0;
  outboundStreams = 0;
  inboundStreams = 0;
  sender: Sender | undefined;
  receiver: Receiver | undefined;
  reconfig: Reconfig | undefined;
  useZeroChecksum = false;
  /** Consecutive retransmission timeouts (RFC 9260 §8.1 error counter). */
  errorCount = 0;
  /** Control chunks for the next packet, bundled before DATA (§6.10). */
  readonly control: Chunk[] = [];
  /** True while received packets are processed: output waits until the end of the batch. */
  processing = false;
  readonly counters: AssociationCounters = {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    dataChunksReceived: 0,
    duplicateChunks: 0,
    t3Expirations: 0,
    droppedPackets: 0,
    droppedChunks: 0,
    internalErrors: 0,
    pmtuProbesSent: 0,
  };

  private readonly states: SerialNotifier<[AssociationState, AssociationCause]>;
  /** Public state changes committed during the current input, delivered when it ends. */
  private readonly outbox: [AssociationState, AssociationCause][] = [];
  private readonly closers: (() => void)[] = [];

  constructor(
    transport: DatagramTransport,
    options: AssociationOptions,
    notifier: AssociationNotifier | undefined,
  ) {
    this.transport = transport;
    this.clock = options.clock ?? systemClock;
    this.states = new SerialNotifier<[AssociationState, AssociationCause]>(
      notifier ?? (() => {}),
      (error) => log('state notifier threw (ignored): %o', error),
    );
    this.handlers = options.handlers ?? {};
    this.localPort = options.localPort ?? 5000;
    this.remotePort = options.remotePort ?? 5000;
    this.mtu = options.mtu ?? 1200;
    this.baseMtu = this.mtu;
    this.maxMtu = options.maxMtu ?? this.mtu;
    this.maxMessageSize = options.maxMessageSize ?? 262_144;
    const remoteMax = options.remoteMaxMessageSize ?? 262_144;
    this.remoteMaxMessageSize = remoteMax === 0 ? Number.POSITIVE_INFINITY : remoteMax;
    this.bufferSize = Math.max(
      options.receiveBufferSize ?? 1_048_576,
      this.maxMessageSize + 65_536,
    );
    this.windowRate = options.receiveWindowRate ?? 134_217_728;
    if (!(this.windowRate > 0)) {
      throw new SctpConfigurationError(
        `receiveWindowRate must be positive, got ${options.receiveWindowRate}`,
      );
    }
    this.lowestRtt = options.pathRttMs ?? Number.POSITIVE_INFINITY;
    this.wantOutbound = options.outboundStreams ?? 65_535;
    this.wantInbound = options.inboundStreams ?? 65_535;
    this.maxRetrans = options.maxRetransmissions ?? 10;
    this.maxInitRetrans = options.maxInitRetransmissions ?? 8;
    this.hbInterval = options.heartbeatIntervalMs ?? 30_000;
    this.delayedAckMs = options.delayedAckMs ?? 200;
    this.cookieLifetime = options.cookieLifetimeMs ?? 60_000;
    this.zeroChecksumOffered = options.zeroChecksum ?? false;
    this.rtoEstimator = new RtoEstimator({
      initialMs: options.rtoInitialMs ?? 1000,
      minMs: options.rtoMinMs ?? 400,
      maxMs: options.rtoMaxMs ?? 60_000,
    });
    if (this.mtu < 256 || this.mtu > 65_507) {
      throw new SctpConfigurationError(`mtu must be between 256 and 65507, got ${this.mtu}`);
    }
    if (!(this.maxMtu >= this.mtu && this.maxMtu <= 65_507)) {
      throw new SctpConfigurationError(
        `maxMtu must be between mtu (${this.mtu}) and 65507, got ${this.maxMtu}`,
      );
    }
  }

  /** The public state, derived from the internal one. */
  get state(): AssociationState {
    return publicStateOf(this.s);
  }

  /** A round-trip time measured by the association (data or HEARTBEAT): RTO and window. */
  observeRtt(ms: number): void {
    this.rtoEstimator.observe(ms);
    if (ms >= 0 && ms < this.lowestRtt) {
      this.lowestRtt = ms;
      this.receiver?.setAdvertisedLimit(this.advertisedLimit());
    }
  }

  /** The path changed (the layer below selected another): its round-trip time starts anew. */
  setPathRtt(ms: number | undefined): void {
    this.lowestRtt = ms !== undefined && ms >= 0 ? ms : Number.POSITIVE_INFINITY;
    this.receiver?.setAdvertisedLimit(this.advertisedLimit());
  }

  /**
   * The most the advertised window offers (see `receiveWindowRate`): the rate times the lowest
   * round-trip time, between maxMessageSize + 64 KiB and the receive buffer.
   */
  advertisedLimit(): number {
    const rtt = this.lowestRtt;
    if (!Number.isFinite(rtt)) return this.bufferSize;
    // The buffer is at least maxMessageSize + 64 KiB (see the constructor).
    const wanted = Math.max(
      this.maxMessageSize + 65_536,
      Math.ceil((this.windowRate * rtt) / 1000),
    );
    return Math.min(this.bufferSize, wanted);
  }

  /**
   * A timer on the association's clock, stopped when the association closes; state changes
   * its callback makes are delivered when it returns.
   */
  newTimer(fn: () => void): DeadlineTimer {
    const timer = new DeadlineTimer(this.clock, () => {
      fn();
      this.deliver();
    });
    this.closers.push(() => timer.release());
    return timer;
  }

  /** True in the states where DATA and SACK flow (ESTABLISHED up to SHUTDOWN-RECEIVED). */
  isDataState(): boolean {
    return this.s >= S.Established && this.s <= S.ShutdownReceived;
  }

  /** Counts and logs a dropped packet. */
  drop(reason: string): void {
    this.counters.droppedPackets++;
    log('dropped packet: %s', reason);
  }

  /** Counts and logs a dropped chunk. */
  dropChunk(reason: string): void {
    this.counters.droppedChunks++;
    log('dropped chunk: %s', reason);
  }

  /** Calls a user handler; a throw is logged and ignored. */
  call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      log('%s threw (ignored): %o', name, error);
    }
  }

  /** §8.1: one more consecutive timeout; false when the association was closed. */
  retransmitTimeout(timer: RetransmissionTimer): boolean {
    if (++this.errorCount > this.maxRetrans) {
      this.teardown({ kind: 'too-many-retransmissions', timer, attempts: this.errorCount });
      return false;
    }
    this.rtoEstimator.backOff();
    return true;
  }

  /**
   * The one setter of the state: commits `next` and, when the public state changes, queues
   * its notification with `cause` (required then), delivered by {@link AssociationSession.deliver} when
   * the current input (packet, timer, API call) is done. `Closed` is terminal: a later change
   * is a bug, ignored and reported (thrown under `strictStateMachines()`).
   */
  enter(next: S, cause?: AssociationCause): void {
    if (next === this.s) return;
    if (this.s === S.Closed) {
      lateStateChange(`SCTP state ${next} after Closed`, (e) => log('%s', e.message));
      return;
    }
    const before = publicStateOf(this.s);
    this.s = next;
    const after = publicStateOf(next);
    if (after === before) return;
    if (cause === undefined)
      throw new Error(`SCTP state ${next} changes the public state without a cause`);
    log('state %s (%o)', AssociationState[after], cause);
    this.outbox.push([after, cause]);
  }

  /** Delivers the state changes the input committed, in order (dcsctp's callback deferrer). */
  deliver(): void {
    if (this.processing) return;
    while (this.outbox.length > 0) {
      const [state, cause] = this.outbox.shift()!;
      this.states.push(state, cause);
    }
  }

  /** `stop` runs when the association closes (a part's queues and searches). */
  onTeardown(stop: () => void): void {
    this.closers.push(stop);
  }

  /** Closes the association at once: every timer stopped, every queue dropped. Idempotent. */
  teardown(cause: AssociationCause): void {
    if (this.s === S.Closed) return;
    this.enter(S.Closed, cause);
    for (const stop of this.closers) stop();
    this.reconfig?.stop();
    this.sender?.clear();
    this.control.length = 0;
  }
}
