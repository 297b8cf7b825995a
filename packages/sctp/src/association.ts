/**
 * An SCTP association over a datagram transport (RFC 9260, RFC 8261 for WebRTC).
 *
 * `Association` is the public facade; the work is done by its parts, each in its own module:
 * initialization.ts (the handshake with a signed cookie and simultaneous open, §5), inbound.ts
 * (the packet walk with verification tag rules, §8.5, and unknown chunk handling, §3.2),
 * data-path.ts (DATA, SACK and T3-rtx around the sender, receiver and RE-CONFIG),
 * output.ts (bundling and sending packets, §6.10), heartbeat.ts (§8.3), shutdown.ts (SHUTDOWN,
 * §9.2, and ABORT, §9.1) and path-mtu.ts (RFC 8899), all sharing one session.ts.
 */

import { DataPath } from './data-path.js';
import { InvalidStateError, InvalidStreamError, MessageTooLargeError } from './errors.js';
import { Heartbeats } from './heartbeat.js';
import { Inbound } from './inbound.js';
import { FEATURE_RECONFIG } from './init-params.js';
import { Initialization } from './initialization.js';
import type {
  AssociationOptions,
  AssociationStats,
  DatagramTransport,
  SendOptions,
} from './options.js';
import { Output } from './output.js';
import { PathMtu } from './path-mtu.js';
import { OutMessage } from './out-message.js';
import { AssociationSession, S } from './session.js';
import { Shutdown } from './shutdown.js';
import { type AssociationNotifier, AssociationState } from './state.js';

/**
 * One SCTP association. Feed it received packets with {@link Association.handlePacket}; it sends through
 * the transport given to the constructor and reports state changes to the notifier.
 *
 * @example
 * ```ts
 * const assoc = new Association(dtls, { handlers: { onMessage: (sid, ppid, data) => {} } },
 *   (state, cause) => console.log(AssociationState[state], cause));
 * dtls.onData = (packet) => assoc.handlePacket(packet);
 * assoc.connect(); // both WebRTC peers do this: simultaneous open (RFC 8841 §5)
 * ```
 */
export class Association {
  private readonly session: AssociationSession;
  private readonly output: Output;
  private readonly pathMtu: PathMtu;
  private readonly shutdownSequence: Shutdown;
  private readonly initialization: Initialization;
  private readonly inbound: Inbound;

  /**
   * @param transport - where packets go (a DTLS transport in WebRTC).
   * @param options - see {@link AssociationOptions}.
   * @param notifier - receives every state change with its cause, after it is committed.
   */
  constructor(
    transport: DatagramTransport,
    options: AssociationOptions = {},
    notifier?: AssociationNotifier,
  ) {
    const session = new AssociationSession(transport, options, notifier);
    this.session = session;
    const output = new Output(session, () => {
      pathMtu.afterFlush();
      shutdown.check();
    });
    const pathMtu = new PathMtu(session, output);
    const shutdown = new Shutdown(session, output);
    const heartbeats = new Heartbeats(session, output, pathMtu);
    const dataPath = new DataPath(session, output, pathMtu, shutdown);
    const initialization = new Initialization(session, output, { dataPath, heartbeats, pathMtu });
    this.output = output;
    this.pathMtu = pathMtu;
    this.shutdownSequence = shutdown;
    this.initialization = initialization;
    this.inbound = new Inbound(session, { initialization, dataPath, heartbeats, shutdown, output });
  }

  /** The current state. */
  get state(): AssociationState {
    return this.session.state;
  }

  /** Counters and congestion figures. */
  get stats(): AssociationStats {
    const { sender, receiver, rtoEstimator } = this.session;
    const c = sender?.counters;
    return {
      ...this.session.counters,
      dataChunksSent: c?.dataChunksSent ?? 0,
      retransmissions: c?.retransmissions ?? 0,
      fastRetransmits: c?.fastRetransmits ?? 0,
      abandonedMessages: c?.abandonedMessages ?? 0,
      oversizedMessages: receiver?.oversized ?? 0,
      cwnd: sender?.cwnd ?? 0,
      ssthresh: sender?.ssthresh ?? 0,
      flightSize: sender?.flightSize ?? 0,
      unackedChunks: sender?.unackedChunks ?? 0,
      peerRwnd: sender?.peerRwnd ?? 0,
      localRwnd: receiver?.advertisedWindow ?? this.session.bufferSize,
      rto: rtoEstimator.rto,
      srtt: rtoEstimator.smoothedRtt,
      pathMtu: this.session.mtu,
    };
  }

  /**
   * Sets the largest packet the path below may carry (RFC 8899 PLPMTUD), e.g. when the path
   * changed: above the PMTU in use, probes look for more; below it, the association falls back
   * to its base MTU and searches again. Values are clamped to [mtu option, 65507].
   */
  setMaxMtu(max: number): void {
    this.pathMtu.setMax(max);
  }

  /**
   * The path changed: `ms` is its round-trip time as the layer below measured it (undefined
   * when unknown). The advertised window is sized for it anew (see
   * {@link AssociationOptions.receiveWindowRate}); the association's own measurements on the
   * new path refine it.
   */
  setPathRtt(ms: number | undefined): void {
    this.session.setPathRtt(ms);
  }

  /** The largest message {@link Association.send} accepts (the peer's max-message-size). */
  get maxSendMessageSize(): number {
    return this.session.remoteMaxMessageSize;
  }

  /**
   * Sets the peer's max-message-size when a renegotiation changes it (RFC 8841 §6: each
   * offer/answer may give a new one); 0 means no limit. Messages already queued are kept.
   */
  setRemoteMaxMessageSize(bytes: number): void {
    this.session.remoteMaxMessageSize = bytes === 0 ? Number.POSITIVE_INFINITY : bytes;
  }

  /** Number of outbound streams negotiated (stream ids are below it). 0 before connected. */
  get streamCount(): number {
    return this.session.outboundStreams;
  }

  /** True when both ends agreed on zero checksums (RFC 9653) and they are in use. */
  get zeroChecksumInUse(): boolean {
    return this.session.useZeroChecksum;
  }

  /**
   * Starts the handshake: sends INIT (RFC 9260 §5.1). Without it the association still
   * answers a peer's INIT, so one side may stay passive; WebRTC calls it on both sides.
   * Does nothing when the handshake is under way or done (the peer's INIT may have won);
   * throws {@link InvalidStateError} once closed.
   */
  connect(): void {
    const state = this.session.state;
    if (state === AssociationState.Closed) {
      throw new InvalidStateError('connect() on a closed association');
    }
    if (state !== AssociationState.New) return;
    this.initialization.connect();
    this.session.deliver();
  }

  /**
   * Queues a message on `streamId` (RFC 9260 §6.1). Returns at once; the message leaves as
   * cwnd and the peer's window allow. Throws {@link InvalidStateError} when not connected,
   * {@link InvalidStreamError} for a stream out of range or being reset, and
   * {@link MessageTooLargeError} above the peer's maximum message size. An empty `data` is
   * sent as one zero byte, as RFC 8831 §6.6 asks with PPIDs 56 and 57. `data` is not copied:
   * the association reads it until the message has been sent (and retransmissions are over),
   * so do not modify it afterwards; copy first if the buffer is reused.
   */
  send(streamId: number, ppid: number, data: Uint8Array, options?: SendOptions): void {
    const session = this.session;
    const sender = session.sender;
    if (session.s !== S.Established || sender === undefined) {
      throw new InvalidStateError(`send() in state ${AssociationState[session.state]}`);
    }
    if (!(streamId >= 0 && streamId < session.outboundStreams)) {
      throw new InvalidStreamError(streamId, `out of range (0 to ${session.outboundStreams - 1})`);
    }
    if (data.length > session.remoteMaxMessageSize) {
      throw new MessageTooLargeError(data.length, session.remoteMaxMessageSize);
    }
    const stream = sender.stream(streamId);
    if (stream.resetting) throw new InvalidStreamError(streamId, 'is being reset');
    const ordered = options?.ordered ?? true;
    const maxRetransmits = options?.maxRetransmits;
    const lifetime = options?.maxPacketLifeTime;
    const msg = new OutMessage(
      streamId,
      ppid,
      data.length === 0 ? new Uint8Array(1) : data,
      ordered,
      maxRetransmits !== undefined && maxRetransmits >= 0 ? maxRetransmits : -1,
      lifetime !== undefined && lifetime >= 0
        ? session.clock.now() + lifetime
        : Number.POSITIVE_INFINITY,
    );
    sender.enqueue(msg);
    session.counters.messagesSent++;
    this.output.scheduleFlush();
  }

  /** Bytes of `streamId` queued and not yet sent (W3C `bufferedAmount`). */
  bufferedAmount(streamId: number): number {
    return this.session.sender?.streams.get(streamId)?.buffered ?? 0;
  }

  /** Total bytes queued and not yet sent, every stream. */
  get totalBufferedAmount(): number {
    const sender = this.session.sender;
    let n = 0;
    if (sender !== undefined) for (const s of sender.streams.values()) n += s.buffered;
    return n;
  }

  /**
   * Sets the low threshold of `streamId`: `onBufferedAmountLow` fires when its buffered
   * amount falls from above to at or below it.
   */
  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    const sender = this.session.sender;
    if (sender === undefined) throw new InvalidStateError('not connected');
    sender.stream(streamId).lowThreshold = Math.max(0, bytes);
  }

  /**
   * Resets the outgoing side of `streamIds` (RFC 6525 §5.1.2), after the messages already
   * queued on them. `onOutgoingStreamsReset` reports the outcome; sending on them throws
   * until then. Other streams are not affected.
   */
  resetStreams(streamIds: readonly number[]): void {
    const session = this.session;
    const reconfig = session.reconfig;
    if (session.s !== S.Established || reconfig === undefined || session.sender === undefined) {
      throw new InvalidStateError(`resetStreams() in state ${AssociationState[session.state]}`);
    }
    if ((session.peerFeatures & FEATURE_RECONFIG) === 0) {
      throw new InvalidStateError('the peer does not support RE-CONFIG (RFC 6525)');
    }
    for (const id of streamIds) {
      if (!(id >= 0 && id < session.outboundStreams)) {
        throw new InvalidStreamError(id, 'out of range');
      }
    }
    reconfig.requestReset(streamIds);
    this.output.flush();
  }

  /**
   * Graceful close (RFC 9260 §9.2): sends what is queued, then SHUTDOWN. The state goes to
   * `ShuttingDown`, then `Closed` once the peer answered.
   */
  shutdown(): void {
    this.shutdownSequence.start();
    this.session.deliver();
  }

  /** Sends ABORT with a User-Initiated Abort cause carrying `reason` (RFC 9260 §9.1), then closes. */
  abort(reason = ''): void {
    this.shutdownSequence.abort(reason);
    this.session.deliver();
  }

  /** Closes at once without telling the peer (the transport below is gone). Idempotent. */
  close(): void {
    if (this.session.state === AssociationState.Closed) return;
    this.session.teardown({ kind: 'closed-by-user' });
    this.session.deliver();
  }

  /**
   * Takes one received packet. Never throws: bad packets are dropped and counted in
   * {@link Association.stats}, visible with `NODE_DEBUG=x:sctp`. Retains views of `packet` until the
   * messages it carries are delivered: do not reuse its memory.
   */
  handlePacket(packet: Uint8Array): void {
    this.inbound.handlePacket(packet);
    this.session.deliver();
  }
}
