/**
 * An SCTP association over a datagram transport (RFC 9260, RFC 8261 for WebRTC): the
 * handshake with a signed cookie and simultaneous open (§5), the packet walk with verification
 * tag rules (§8.5) and unknown chunk handling (§3.2), SHUTDOWN (§9.2), ABORT (§9.1),
 * heartbeats (§8.3), and the glue between {@link Sender}, {@link Receiver} and RE-CONFIG.
 */

import { randomBytes, randomInt } from 'node:crypto';
import { debuglog } from 'node:util';
import { type Clock, SerialNotifier, systemClock } from '@x/transport';
import {
  type Chunk,
  ChunkType,
  chunkLength as chunkLengthOf,
  decodeChunkAt,
  encodeChunk,
  type InitChunk,
  type KnownChunk,
} from './chunk.js';
import { CookieSigner } from './cookie.js';
import {
  InvalidStateError,
  InvalidStreamError,
  MessageTooLargeError,
  SctpConfigurationError,
} from './errors.js';
import type {
  AssociationHandlers,
  AssociationOptions,
  AssociationStats,
  DatagramTransport,
  SendOptions,
} from './options.js';
import { COMMON_HEADER_SIZE, verifyChecksum, writeChecksum, writeCommonHeader } from './packet.js';
import { CauseCode, ParamType, type Tlv, u32Tlv } from './param.js';
import { AcceptResult, Receiver } from './receiver.js';
import { Reconfig } from './reconfig.js';
import { OutMessage, Sender } from './sender.js';
import {
  type AssociationCause,
  type AssociationNotifier,
  AssociationState,
  type ErrorCause,
  type RetransmissionTimer,
} from './state.js';
import {
  describeCause,
  FEATURE_FORWARD_TSN,
  FEATURE_RECONFIG,
  FEATURE_ZERO_CHECKSUM,
  readPeerFeatures,
} from './init-params.js';
import { buildInit, cookieFor, peerFromCookie } from './handshake.js';
import { PathMtuSearch } from './pmtu.js';
import { DeadlineTimer, RtoEstimator } from './timer.js';

const log = debuglog('x:sctp');

/** RFC 9260 §4 states, internal. */
const S = {
  Closed: 0,
  CookieWait: 1,
  CookieEchoed: 2,
  Established: 3,
  ShutdownPending: 4,
  ShutdownSent: 5,
  ShutdownReceived: 6,
  ShutdownAckSent: 7,
} as const;
type S = (typeof S)[keyof typeof S];

const MAX_GAP_BLOCKS = 128;
const EMPTY = new Uint8Array(0);

const nonZeroTag = (): number => randomInt(1, 0x100000000 - 1) >>> 0;
const randomTsn = (): number => randomBytes(4).readUInt32BE(0);

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
  private readonly clock: Clock;
  private readonly transport: DatagramTransport;
  private readonly states: SerialNotifier<[AssociationState, AssociationCause]>;
  private readonly handlers: AssociationHandlers;
  private readonly localPort: number;
  private readonly remotePort: number;
  /** The PMTU in use: the base until a probe confirms more (RFC 8899). */
  private mtu: number;
  /** The base PMTU (the `mtu` option), always assumed to pass. */
  private readonly baseMtu: number;
  /** The largest PMTU the search may reach (`maxMtu`, or {@link Association.setMaxMtu}). */
  private maxMtu: number;
  private pmtu: PathMtuSearch | undefined;
  /**
   * The search waits for the first backlog: a probe costs a large packet each way, which
   * only pays off when there is more to send than one packet, and it must not delay the
   * first small messages (a data channel's DCEP OPEN).
   */
  private pmtuWaiting = false;
  private readonly maxMessageSize: number;
  private readonly remoteMaxMessageSize: number;
  private readonly bufferSize: number;
  private readonly wantOutbound: number;
  private readonly wantInbound: number;
  private readonly maxRetrans: number;
  private readonly maxInitRetrans: number;
  private readonly hbInterval: number;
  private readonly delayedAckMs: number;
  private readonly cookieLifetime: number;
  private readonly zeroChecksumOffered: boolean;
  private readonly rtoEstimator: RtoEstimator;
  private readonly signer = new CookieSigner();

  private s: S = S.Closed;
  private publicState = AssociationState.New;
  private myTag = 0;
  private peerTag = 0;
  private readonly myInitialTsn = randomTsn();
  /**
   * Our tag, drawn once: used by our INIT and by INIT-ACKs sent before connect(), so that a
   * COOKIE-ECHO answering either is accepted whichever handshake wins.
   */
  private readonly localTag = nonZeroTag();
  private peerFeatures = 0;
  private outboundStreams = 0;
  private inboundStreams = 0;
  private sender: Sender | undefined;
  private receiver: Receiver | undefined;
  private reconfig: Reconfig | undefined;
  private useZeroChecksum = false;
  private errorCount = 0;
  private initRetrans = 0;
  private t1Chunk: Chunk | undefined;
  private t1Tag = 0;
  private hbNonce = 0;
  private hbOutstanding = false;
  private dataPacketsSinceAck = 0;
  private sackNeeded = false;
  private readonly control: Chunk[] = [];
  private processing = false;
  private readonly inbox: Uint8Array[] = [];
  private flushQueued = false;
  private readonly gapScratch = new Uint16Array(2 * 512);
  /** Packets are built here, then copied into an exact-size buffer handed to the transport. */
  private scratch: Buffer | undefined;

  private readonly t1 = this.newTimer(() => this.onT1());
  private readonly t2 = this.newTimer(() => this.onT2());
  private readonly t3 = this.newTimer(() => this.onT3());
  private readonly hbTimer = this.newTimer(() => this.onHeartbeatTimer());
  private readonly ackTimer = this.newTimer(() => {
    this.sackNeeded = true;
    this.flush();
  });
  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  private readonly counters = {
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

  private newTimer(fn: () => void): DeadlineTimer {
    // `clock` is assigned in the constructor body, before any timer starts.
    return new DeadlineTimer(
      { now: () => this.clock.now(), setTimeout: (cb, ms) => this.clock.setTimeout(cb, ms) },
      fn,
    );
  }

  /** The current state. */
  get state(): AssociationState {
    return this.publicState;
  }

  /** Counters and congestion figures. */
  get stats(): AssociationStats {
    const c = this.sender?.counters;
    return {
      ...this.counters,
      dataChunksSent: c?.dataChunksSent ?? 0,
      retransmissions: c?.retransmissions ?? 0,
      fastRetransmits: c?.fastRetransmits ?? 0,
      abandonedMessages: c?.abandonedMessages ?? 0,
      oversizedMessages: this.receiver?.oversized ?? 0,
      cwnd: this.sender?.cwnd ?? 0,
      ssthresh: this.sender?.ssthresh ?? 0,
      flightSize: this.sender?.flightSize ?? 0,
      peerRwnd: this.sender?.peerRwnd ?? 0,
      rto: this.rtoEstimator.rto,
      srtt: this.rtoEstimator.smoothedRtt,
      pathMtu: this.mtu,
    };
  }

  /**
   * Sets the largest packet the path below may carry (RFC 8899 PLPMTUD), e.g. when the path
   * changed: above the PMTU in use, probes look for more; below it, the association falls back
   * to its base MTU and searches again. Values are clamped to [mtu option, 65507].
   */
  setMaxMtu(max: number): void {
    this.maxMtu = Math.min(65_507, Math.max(this.baseMtu, Math.floor(max)));
    if (this.pmtu !== undefined) this.pmtu.setMax(this.maxMtu);
    else if (this.sender !== undefined) this.startPmtu();
  }

  /** The largest message {@link Association.send} accepts (the peer's max-message-size). */
  get maxSendMessageSize(): number {
    return this.remoteMaxMessageSize;
  }

  /** Number of outbound streams negotiated (stream ids are below it). 0 before connected. */
  get streamCount(): number {
    return this.outboundStreams;
  }

  /** True when both ends agreed on zero checksums (RFC 9653) and they are in use. */
  get zeroChecksumInUse(): boolean {
    return this.useZeroChecksum;
  }

  /**
   * Starts the handshake: sends INIT (RFC 9260 §5.1). Without it the association still
   * answers a peer's INIT, so one side may stay passive; WebRTC calls it on both sides.
   * Does nothing when the handshake is under way or done (the peer's INIT may have won);
   * throws {@link InvalidStateError} once closed.
   */
  connect(): void {
    if (this.publicState === AssociationState.Closed) {
      throw new InvalidStateError('connect() on a closed association');
    }
    if (this.publicState !== AssociationState.New) return;
    this.myTag = this.localTag;
    this.s = S.CookieWait;
    this.setState(AssociationState.Connecting, { kind: 'connect-called' });
    this.t1Chunk = this.initChunk(ChunkType.Init, this.myTag, this.myInitialTsn, []);
    this.t1Tag = 0;
    this.initRetrans = 0;
    this.sendSingle(this.t1Tag, this.t1Chunk);
    this.t1.start(this.rtoEstimator.rto);
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
    if (this.s !== S.Established || this.sender === undefined) {
      throw new InvalidStateError(`send() in state ${AssociationState[this.publicState]}`);
    }
    if (!(streamId >= 0 && streamId < this.outboundStreams)) {
      throw new InvalidStreamError(streamId, `out of range (0 to ${this.outboundStreams - 1})`);
    }
    if (data.length > this.remoteMaxMessageSize) {
      throw new MessageTooLargeError(data.length, this.remoteMaxMessageSize);
    }
    const stream = this.sender.stream(streamId);
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
        ? this.clock.now() + lifetime
        : Number.POSITIVE_INFINITY,
    );
    this.sender.enqueue(msg);
    this.counters.messagesSent++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Bytes of `streamId` queued and not yet sent (W3C `bufferedAmount`). */
  bufferedAmount(streamId: number): number {
    return this.sender?.streams.get(streamId)?.buffered ?? 0;
  }

  /** Total bytes queued and not yet sent, every stream. */
  get totalBufferedAmount(): number {
    let n = 0;
    if (this.sender !== undefined) for (const s of this.sender.streams.values()) n += s.buffered;
    return n;
  }

  /**
   * Sets the low threshold of `streamId`: `onBufferedAmountLow` fires when its buffered
   * amount falls from above to at or below it.
   */
  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    if (this.sender === undefined) throw new InvalidStateError('not connected');
    this.sender.stream(streamId).lowThreshold = Math.max(0, bytes);
  }

  /**
   * Resets the outgoing side of `streamIds` (RFC 6525 §5.1.2), after the messages already
   * queued on them. `onOutgoingStreamsReset` reports the outcome; sending on them throws
   * until then. Other streams are not affected.
   */
  resetStreams(streamIds: readonly number[]): void {
    if (this.s !== S.Established || this.reconfig === undefined || this.sender === undefined) {
      throw new InvalidStateError(`resetStreams() in state ${AssociationState[this.publicState]}`);
    }
    if ((this.peerFeatures & FEATURE_RECONFIG) === 0) {
      throw new InvalidStateError('the peer does not support RE-CONFIG (RFC 6525)');
    }
    for (const id of streamIds) {
      if (!(id >= 0 && id < this.outboundStreams)) throw new InvalidStreamError(id, 'out of range');
    }
    this.reconfig.requestReset(streamIds);
    this.flush();
  }

  /**
   * Graceful close (RFC 9260 §9.2): sends what is queued, then SHUTDOWN. The state goes to
   * `ShuttingDown`, then `Closed` once the peer answered.
   */
  shutdown(): void {
    if (this.s === S.Established) {
      this.s = S.ShutdownPending;
      this.setState(AssociationState.ShuttingDown, { kind: 'shutdown-called' });
      this.checkShutdown();
      this.flush();
    } else if (this.s === S.Closed || this.s === S.CookieWait || this.s === S.CookieEchoed) {
      this.teardown({ kind: 'closed-by-user' });
    }
  }

  /** Sends ABORT with a User-Initiated Abort cause carrying `reason` (RFC 9260 §9.1), then closes. */
  abort(reason = ''): void {
    if (this.publicState === AssociationState.Closed) return;
    if (this.s !== S.Closed && this.peerTag !== 0) {
      const info = Buffer.from(reason, 'utf8');
      this.sendSingle(this.peerTag, {
        type: ChunkType.Abort,
        reflected: false,
        causes: [{ type: CauseCode.UserInitiatedAbort, value: info }],
      });
    }
    this.teardown({ kind: 'aborted-locally', reason });
  }

  /** Closes at once without telling the peer (the transport below is gone). Idempotent. */
  close(): void {
    if (this.publicState === AssociationState.Closed) return;
    this.teardown({ kind: 'closed-by-user' });
  }

  /**
   * Takes one received packet. Never throws: bad packets are dropped and counted in
   * {@link Association.stats}, visible with `NODE_DEBUG=x:sctp`. Retains views of `packet` until the
   * messages it carries are delivered: do not reuse its memory.
   */
  handlePacket(packet: Uint8Array): void {
    if (this.publicState === AssociationState.Closed) return;
    if (this.processing) {
      this.inbox.push(packet);
      return;
    }
    this.processing = true;
    try {
      this.safeProcess(packet);
      while (this.inbox.length > 0) this.safeProcess(this.inbox.shift()!);
    } finally {
      this.processing = false;
    }
    this.flush();
  }

  private safeProcess(packet: Uint8Array): void {
    try {
      this.process(packet);
    } catch (error) {
      this.counters.internalErrors++;
      log('internal error on input (packet dropped): %o', error);
    }
  }

  private drop(reason: string): void {
    this.counters.droppedPackets++;
    log('dropped packet: %s', reason);
  }

  private dropChunk(reason: string): void {
    this.counters.droppedChunks++;
    log('dropped chunk: %s', reason);
  }

  private process(p: Uint8Array): void {
    const len = p.length;
    if (len < COMMON_HEADER_SIZE + 4) {
      this.drop('short');
      return;
    }
    this.counters.packetsReceived++;
    this.counters.bytesReceived += len;
    if (((p[0]! << 8) | p[1]!) !== this.remotePort || ((p[2]! << 8) | p[3]!) !== this.localPort) {
      this.drop('ports');
      return;
    }
    if (!verifyChecksum(p, this.zeroChecksumOffered)) {
      this.drop('checksum');
      return;
    }
    const tag = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
    let tagOk = this.myTag !== 0 && tag === this.myTag;
    let off = COMMON_HEADER_SIZE;
    let sawData = false;
    let immediate = false;
    let unrecognized: Tlv[] | undefined;
    while (off + 4 <= len) {
      const type = p[off]!;
      const flags = p[off + 1]!;
      const clen = (p[off + 2]! << 8) | p[off + 3]!;
      if (clen < 4 || off + clen > len) {
        this.drop('chunk length');
        break;
      }
      if (type === ChunkType.Data) {
        if (!tagOk) {
          this.drop('verification tag');
          return;
        }
        if (clen < 17) this.dropChunk('DATA without user data');
        else if (this.onData(p, off, clen, flags)) sawData = true;
        if (flags & 8) immediate = true;
      } else if (type === ChunkType.Sack) {
        if (!tagOk) {
          this.drop('verification tag');
          return;
        }
        this.onSack(p, off, clen);
      } else {
        const c = decodeChunkAt(p, off, clen);
        if (c === undefined) {
          this.dropChunk(`malformed chunk type ${type}`);
          break;
        }
        if (type === ChunkType.Pad) {
          // RFC 4820 §3: discarded, and the rest of the packet processed (a PMTU probe's fill).
        } else if ('unknown' in c) {
          // RFC 9260 §3.2: the two high bits of the type say what to do.
          const action = type >>> 6;
          this.dropChunk(`unknown chunk type ${type}`);
          if (tagOk && (action === 1 || action === 3)) {
            unrecognized ??= [];
            unrecognized.push({
              type: CauseCode.UnrecognizedChunkType,
              value: p.subarray(off, off + clen),
            });
          }
          if (action < 2) break;
        } else if (
          !this.onControl(c, tag, tagOk, off === COMMON_HEADER_SIZE, off + ((clen + 3) & ~3) >= len)
        ) {
          break;
        }
        if (this.publicState === AssociationState.Closed) return;
        // A COOKIE-ECHO may have just set our tag: DATA bundled after it is ours (§6.10).
        tagOk = this.myTag !== 0 && tag === this.myTag;
      }
      off += (clen + 3) & ~3;
    }
    if (unrecognized !== undefined && this.peerTag !== 0) {
      this.control.push({ type: ChunkType.Error, reflected: false, causes: unrecognized });
    }
    if (sawData) this.afterData(immediate);
  }

  /** Returns false to stop processing the packet. */
  private onControl(
    c: KnownChunk,
    tag: number,
    tagOk: boolean,
    first: boolean,
    last: boolean,
  ): boolean {
    switch (c.type) {
      case ChunkType.Init:
        // §8.5.1 A, §6.10: INIT has tag 0 and travels alone.
        if (tag !== 0 || !first || !last) {
          this.drop('INIT with a tag or bundled');
          return false;
        }
        this.onInit(c as InitChunk);
        return false;
      case ChunkType.Abort:
        // §8.5.1 B: our tag, or the peer's with the T bit.
        if ('reflected' in c && (c.reflected ? tag === this.peerTag && tag !== 0 : tagOk)) {
          const causes: ErrorCause[] = c.causes.map(describeCause);
          this.teardown({ kind: 'aborted-by-peer', causes });
        } else this.drop('ABORT with a wrong tag');
        return false;
      case ChunkType.ShutdownComplete:
        if ('reflected' in c && (c.reflected ? tag === this.peerTag && tag !== 0 : tagOk)) {
          if (this.s === S.ShutdownAckSent) this.teardown({ kind: 'shutdown-complete' });
        } else this.drop('SHUTDOWN-COMPLETE with a wrong tag');
        return false;
      case ChunkType.CookieEcho:
        this.onCookieEcho(c.cookie, tag);
        return true;
      default:
        break;
    }
    if (!tagOk) {
      this.drop('verification tag');
      return false;
    }
    switch (c.type) {
      case ChunkType.InitAck:
        this.onInitAck(c as InitChunk);
        return false;
      case ChunkType.CookieAck:
        if (this.s === S.CookieEchoed) this.establish('cookie-ack');
        return true;
      case ChunkType.Heartbeat:
        if (this.peerTag !== 0) this.control.push({ type: ChunkType.HeartbeatAck, info: c.info });
        return true;
      case ChunkType.HeartbeatAck:
        this.onHeartbeatAck(c.info);
        return true;
      case ChunkType.Shutdown:
        this.onShutdown(c.cumulativeTsnAck);
        return true;
      case ChunkType.ShutdownAck:
        if (this.s === S.ShutdownSent || this.s === S.ShutdownAckSent) {
          this.sendSingle(this.peerTag, { type: ChunkType.ShutdownComplete, reflected: false });
          this.teardown({ kind: 'shutdown-complete' });
          return false;
        }
        return true;
      case ChunkType.Error:
        for (const cause of c.causes) log('peer reported error cause %d', cause.type);
        return true;
      case ChunkType.ForwardTsn:
        if (this.receiver !== undefined && this.isDataState()) {
          this.receiver.forward(c.newCumulativeTsn, c.streams);
          this.reconfig?.afterData();
          this.sackNeeded = true; // RFC 3758 §3.6: acknowledge at once
        }
        return true;
      case ChunkType.Reconfig:
        if (this.reconfig !== undefined && this.isDataState()) this.reconfig.onChunk(c.params);
        return true;
      default:
        this.dropChunk(`chunk type ${c.type} in state ${this.s}`);
        return true;
    }
  }

  private isDataState(): boolean {
    return this.s >= S.Established && this.s <= S.ShutdownReceived;
  }

  // ---- Handshake (RFC 9260 §5) ----

  private initChunk(type: 1 | 2, tag: number, tsn: number, extra: Tlv[]): InitChunk {
    return buildInit(type, tag, tsn, extra, {
      bufferSize: this.bufferSize,
      outboundStreams: this.wantOutbound,
      inboundStreams: this.wantInbound,
      zeroChecksum: this.zeroChecksumOffered,
    });
  }

  private onInit(c: InitChunk): void {
    if (c.initiateTag === 0 || c.outboundStreams === 0 || c.inboundStreams === 0) {
      this.drop('INIT with a zero tag or stream count');
      return;
    }
    let tag: number;
    let tsn: number;
    if (this.s === S.Closed) {
      // §5.1.3: no state; the tag lives only in the cookie until COOKIE-ECHO.
      tag = this.localTag;
      tsn = this.myInitialTsn;
    } else if (this.s === S.CookieWait || this.s === S.CookieEchoed) {
      // §5.2.1: collision: answer with our own tag.
      tag = this.myTag;
      tsn = this.myInitialTsn;
    } else {
      this.dropChunk('INIT in an established association (restart not supported)');
      return;
    }
    const unrecognized: Tlv[] = [];
    const cookie = this.signer.sign(cookieFor(c, tag, tsn, this.clock.now(), unrecognized));
    const ack = this.initChunk(ChunkType.InitAck, tag, tsn, [
      { type: ParamType.StateCookie, value: cookie },
      ...unrecognized,
    ]);
    this.sendSingle(c.initiateTag, ack);
  }

  private onInitAck(c: InitChunk): void {
    if (this.s !== S.CookieWait) {
      this.dropChunk('INIT-ACK outside COOKIE-WAIT');
      return;
    }
    const cookie = c.params.find((p) => p.type === ParamType.StateCookie);
    if (cookie === undefined || c.initiateTag === 0 || c.outboundStreams === 0) {
      this.dropChunk('INIT-ACK without a cookie');
      return;
    }
    this.peerTag = c.initiateTag;
    this.peerFeatures = readPeerFeatures(c.params, []);
    this.pendingPeer = c;
    this.t1.stop();
    this.s = S.CookieEchoed;
    this.t1Chunk = { type: ChunkType.CookieEcho, cookie: cookie.value };
    this.t1Tag = this.peerTag;
    this.initRetrans = 0;
    this.sendSingle(this.t1Tag, this.t1Chunk);
    this.t1.start(this.rtoEstimator.rto);
  }

  private pendingPeer: InitChunk | undefined;

  private onCookieEcho(cookie: Uint8Array, tag: number): void {
    const k = this.signer.verify(cookie);
    if (k === undefined) {
      this.dropChunk('COOKIE-ECHO with a bad signature');
      return;
    }
    if (tag !== k.localTag) {
      this.drop('COOKIE-ECHO with a wrong tag');
      return;
    }
    if (this.clock.now() - k.createdAt > this.cookieLifetime) {
      // §5.2.6: stale cookie.
      this.sendSingle(k.peerTag, {
        type: ChunkType.Error,
        reflected: false,
        causes: [u32Tlv(CauseCode.StaleCookie, 0)],
      });
      this.dropChunk('stale cookie');
      return;
    }
    if (this.s === S.Closed && this.publicState === AssociationState.New) {
      this.myTag = k.localTag;
    } else if (this.s === S.CookieWait || this.s === S.CookieEchoed) {
      if (k.localTag !== this.myTag) {
        this.dropChunk('COOKIE-ECHO for another association');
        return;
      }
    } else if (this.isDataState()) {
      // §5.2.4 case D: duplicate COOKIE-ECHO; the COOKIE-ACK was lost.
      if (k.localTag === this.myTag && k.peerTag === this.peerTag) {
        this.control.push({ type: ChunkType.CookieAck, reflected: false });
      } else this.dropChunk('COOKIE-ECHO of a restart (not supported)');
      return;
    } else {
      this.dropChunk('COOKIE-ECHO while shutting down');
      return;
    }
    this.peerTag = k.peerTag;
    this.peerFeatures = k.peerFeatures;
    this.pendingPeer = peerFromCookie(k);
    this.control.push({ type: ChunkType.CookieAck, reflected: false });
    this.establish('cookie-echo');
  }

  private establish(by: 'cookie-ack' | 'cookie-echo'): void {
    const peer = this.pendingPeer!;
    this.pendingPeer = undefined;
    this.t1.stop();
    this.t1Chunk = undefined;
    this.s = S.Established;
    this.outboundStreams = Math.min(this.wantOutbound, peer.inboundStreams);
    this.inboundStreams = Math.min(this.wantInbound, peer.outboundStreams);
    this.useZeroChecksum =
      this.zeroChecksumOffered && (this.peerFeatures & FEATURE_ZERO_CHECKSUM) !== 0;
    // Fragments are cut for the base MTU, whatever the PMTU: then every chunk fits a packet
    // even after a fall back to the base (RFC 8899 §4.3), and a larger PMTU bundles several.
    const maxPayload = (this.baseMtu - COMMON_HEADER_SIZE - 16) & ~3;
    this.sender = new Sender(
      {
        now: () => this.clock.now(),
        startT3: () => this.t3.ensure(this.rtoEstimator.rto),
        restartT3: () => this.t3.start(this.rtoEstimator.rto),
        stopT3: () => this.t3.stop(),
        rttSample: (ms) => this.rtoEstimator.observe(ms),
        bufferedAmountLow: (sid) =>
          this.call('onBufferedAmountLow', () => this.handlers.onBufferedAmountLow?.(sid)),
      },
      this.myInitialTsn,
      peer.aRwnd,
      this.mtu,
      maxPayload,
    );
    this.receiver = new Receiver(
      peer.initialTsn,
      this.bufferSize,
      this.maxMessageSize,
      (sid, ppid, data) => {
        this.counters.messagesReceived++;
        const h = this.handlers.onMessage;
        if (h === undefined) return;
        try {
          h(sid, ppid, ppid === 56 || ppid === 57 ? EMPTY : data);
        } catch (error) {
          log('onMessage threw (ignored): %o', error);
        }
      },
    );
    this.reconfig = new Reconfig(
      {
        sender: this.sender,
        receiver: this.receiver,
        rto: () => this.rtoEstimator.rto,
        clock: this.clock,
        push: (chunk) => this.control.push(chunk),
        flush: () => this.flush(),
        retransmitTimeout: () => this.onRetransmitTimeout('reconfig'),
        outgoingReset: (ids, ok) =>
          this.call('onOutgoingStreamsReset', () =>
            this.handlers.onOutgoingStreamsReset?.(ids, ok),
          ),
        incomingReset: (ids) =>
          this.call('onIncomingStreamsReset', () => this.handlers.onIncomingStreamsReset?.(ids)),
      },
      this.myInitialTsn,
      peer.initialTsn,
    );
    if (this.hbInterval > 0) this.hbTimer.start(this.hbInterval + this.rtoEstimator.rto);
    if (this.maxMtu > this.baseMtu) this.startPmtu();
    this.setState(AssociationState.Connected, { kind: 'established', by });
  }

  // ---- Path MTU (RFC 8899) ----

  private startPmtu(): void {
    const search = new PathMtuSearch(
      {
        sendProbe: (size, info) => this.sendProbe(size, info),
        changed: (mtu, reason) => {
          log('path MTU %d (%s)', mtu, reason);
          this.mtu = mtu;
          this.sender?.setMtu(mtu);
          if (reason === 'probe-acknowledged') this.flush();
        },
        now: () => this.clock.now(),
        rto: () => this.rtoEstimator.rto,
        nonce: () => randomInt(0, 0xffffffff),
      },
      this.newTimer(() => search.onProbeTimeout()),
      this.newTimer(() => search.onRaiseTimeout()),
      this.baseMtu,
      this.maxMtu,
    );
    this.pmtu = search;
    this.pmtuWaiting = true;
  }

  /** A probe (RFC 8899 §6.2.1.1): HEARTBEAT, then a PAD chunk filling the packet to `size`. */
  private sendProbe(size: number, info: Uint8Array): void {
    const buf = Buffer.alloc(size);
    writeCommonHeader(buf, this.localPort, this.remotePort, this.peerTag);
    const off = encodeChunk({ type: ChunkType.Heartbeat, info }, buf, COMMON_HEADER_SIZE);
    buf[off] = ChunkType.Pad;
    buf.writeUInt16BE(size - off, off + 2);
    writeChecksum(buf, this.useZeroChecksum);
    this.counters.pmtuProbesSent++;
    this.emit(buf);
  }

  private call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      log('%s threw (ignored): %o', name, error);
    }
  }

  private onT1(): void {
    const which: RetransmissionTimer = this.s === S.CookieWait ? 'init' : 'cookie';
    if (this.t1Chunk === undefined) return;
    if (++this.initRetrans > this.maxInitRetrans) {
      this.teardown({ kind: 'too-many-retransmissions', timer: which, attempts: this.initRetrans });
      return;
    }
    this.rtoEstimator.backOff();
    this.sendSingle(this.t1Tag, this.t1Chunk);
    this.t1.start(this.rtoEstimator.rto);
  }

  // ---- Data path ----

  private onData(p: Uint8Array, off: number, clen: number, flags: number): boolean {
    const r = this.receiver;
    if (r === undefined || !(this.s >= S.Established && this.s <= S.ShutdownSent)) {
      this.dropChunk('DATA outside an established association');
      return false;
    }
    this.counters.dataChunksReceived++;
    const tsn =
      ((p[off + 4]! << 24) | (p[off + 5]! << 16) | (p[off + 6]! << 8) | p[off + 7]!) >>> 0;
    const size = clen - 16;
    const res = r.accept(tsn, size);
    if (res === AcceptResult.New) {
      const sid = (p[off + 8]! << 8) | p[off + 9]!;
      const ssn = (p[off + 10]! << 8) | p[off + 11]!;
      const ppid =
        ((p[off + 12]! << 24) | (p[off + 13]! << 16) | (p[off + 14]! << 8) | p[off + 15]!) >>> 0;
      if (sid >= this.inboundStreams) {
        // RFC 9260 §6.4: acknowledged, reported with an ERROR, discarded.
        this.dropChunk(`DATA on stream ${sid} beyond ${this.inboundStreams} inbound streams`);
        this.control.push({
          type: ChunkType.Error,
          reflected: false,
          causes: [
            {
              type: CauseCode.InvalidStreamIdentifier,
              value: Uint8Array.of(sid >>> 8, sid & 0xff, 0, 0),
            },
          ],
        });
      } else r.deliver(flags, tsn, sid, ssn, ppid, p.subarray(off + 16, off + clen));
    } else if (res === AcceptResult.Duplicate) {
      this.counters.duplicateChunks++;
    } else {
      this.dropChunk(
        res === AcceptResult.OutOfWindow ? 'TSN out of window' : 'receive window full',
      );
    }
    return true;
  }

  private afterData(immediate: boolean): void {
    const r = this.receiver!;
    this.reconfig?.afterData();
    this.dataPacketsSinceAck++;
    // §6.2: ack every second packet, at once on gaps, duplicates, or the I bit (RFC 7053).
    if (
      immediate ||
      r.hasGaps ||
      r.hasDuplicates ||
      this.dataPacketsSinceAck >= 2 ||
      this.s === S.ShutdownSent
    ) {
      this.sackNeeded = true;
    } else {
      this.ackTimer.ensure(this.delayedAckMs);
    }
  }

  private onSack(p: Uint8Array, off: number, clen: number): void {
    const sender = this.sender;
    if (sender === undefined || !this.isDataState()) {
      this.dropChunk('SACK in wrong state');
      return;
    }
    if (clen < 16) {
      this.dropChunk('short SACK');
      return;
    }
    const nGap = (p[off + 12]! << 8) | p[off + 13]!;
    const nDup = (p[off + 14]! << 8) | p[off + 15]!;
    if (clen !== 16 + 4 * (nGap + nDup)) {
      this.dropChunk('SACK length');
      return;
    }
    const cum =
      ((p[off + 4]! << 24) | (p[off + 5]! << 16) | (p[off + 6]! << 8) | p[off + 7]!) >>> 0;
    const rwnd =
      ((p[off + 8]! << 24) | (p[off + 9]! << 16) | (p[off + 10]! << 8) | p[off + 11]!) >>> 0;
    const n = Math.min(nGap, this.gapScratch.length >>> 1);
    for (let i = 0, o = off + 16; i < n; i++, o += 4) {
      this.gapScratch[2 * i] = (p[o]! << 8) | p[o + 1]!;
      this.gapScratch[2 * i + 1] = (p[o + 2]! << 8) | p[o + 3]!;
    }
    const before = sender.cumulativeAck;
    if (!sender.onSack(cum, rwnd, this.gapScratch, n)) {
      this.dropChunk('stale SACK');
      return;
    }
    if (cum !== before) {
      this.errorCount = 0; // §8.3: new data acknowledged
      this.pmtu?.onProgress();
    }
    this.checkShutdown();
  }

  private onT3(): void {
    const sender = this.sender;
    if (sender === undefined) return;
    this.counters.t3Expirations++;
    if (!this.onRetransmitTimeout('data')) return;
    this.pmtu?.onDataTimeout();
    sender.onT3Expired();
    if (sender.outstanding) this.t3.start(this.rtoEstimator.rto);
    this.flush();
  }

  /** §8.1: one more consecutive timeout; false when the association was closed. */
  private onRetransmitTimeout(timer: RetransmissionTimer): boolean {
    if (++this.errorCount > this.maxRetrans) {
      this.teardown({ kind: 'too-many-retransmissions', timer, attempts: this.errorCount });
      return false;
    }
    this.rtoEstimator.backOff();
    return true;
  }

  // ---- Heartbeats (RFC 9260 §8.3) ----

  private onHeartbeatTimer(): void {
    if (!this.isDataState() || this.hbInterval <= 0) return;
    if (this.hbOutstanding) {
      this.hbOutstanding = false;
      if (!this.onRetransmitTimeout('heartbeat')) return;
    }
    if (this.sender?.outstanding !== true) {
      const info = Buffer.alloc(12);
      info.writeDoubleBE(this.clock.now(), 0);
      this.hbNonce = randomInt(0, 0xffffffff);
      info.writeUInt32BE(this.hbNonce, 8);
      this.control.push({ type: ChunkType.Heartbeat, info });
      this.hbOutstanding = true;
      this.flush();
    }
    this.hbTimer.start(this.hbInterval + this.rtoEstimator.rto);
  }

  private onHeartbeatAck(info: Uint8Array): void {
    if (this.pmtu?.onHeartbeatAck(info) === true) return;
    if (!this.hbOutstanding || info.length !== 12) return;
    const b = Buffer.from(info.buffer, info.byteOffset, info.byteLength);
    if (b.readUInt32BE(8) !== this.hbNonce) return;
    this.hbOutstanding = false;
    this.errorCount = 0;
    this.rtoEstimator.observe(this.clock.now() - b.readDoubleBE(0));
  }

  // ---- Shutdown (RFC 9260 §9.2) ----

  private onShutdown(cumAck: number): void {
    if (!this.isDataState() || this.sender === undefined) return;
    this.sender.onSack(cumAck, this.sender.peerRwnd + this.sender.flightSize, this.gapScratch, 0);
    if (this.s === S.Established || this.s === S.ShutdownPending) {
      const was = this.s;
      this.s = S.ShutdownReceived;
      if (was === S.Established) {
        this.setState(AssociationState.ShuttingDown, { kind: 'shutdown-received' });
      }
    } else if (this.s === S.ShutdownSent) {
      this.t2.stop();
      this.s = S.ShutdownAckSent;
      this.sendSingle(this.peerTag, { type: ChunkType.ShutdownAck, reflected: false });
      this.t2.start(this.rtoEstimator.rto);
      return;
    }
    this.checkShutdown();
  }

  private checkShutdown(): void {
    const sender = this.sender;
    if (sender === undefined || !sender.idle) return;
    if (this.s === S.ShutdownPending) {
      this.s = S.ShutdownSent;
      this.sendShutdownChunk();
    } else if (this.s === S.ShutdownReceived) {
      this.s = S.ShutdownAckSent;
      this.sendShutdownChunk();
    }
  }

  private sendShutdownChunk(): void {
    if (this.s === S.ShutdownSent) {
      this.sendSingle(this.peerTag, {
        type: ChunkType.Shutdown,
        cumulativeTsnAck: this.receiver!.cumulativeTsn,
      });
    } else {
      this.sendSingle(this.peerTag, { type: ChunkType.ShutdownAck, reflected: false });
    }
    this.t2.start(this.rtoEstimator.rto);
  }

  private onT2(): void {
    if (this.s !== S.ShutdownSent && this.s !== S.ShutdownAckSent) return;
    if (!this.onRetransmitTimeout('shutdown')) return;
    this.sendShutdownChunk();
  }

  // ---- Output ----

  private sendSingle(tag: number, chunk: Chunk): void {
    const size = COMMON_HEADER_SIZE + ((chunkLengthOf(chunk) + 3) & ~3);
    const buf = Buffer.allocUnsafe(size);
    writeCommonHeader(buf, this.localPort, this.remotePort, tag);
    encodeChunk(chunk, buf, COMMON_HEADER_SIZE);
    // Handshake packets always carry a CRC32c (RFC 9653 §5.2).
    const zero = this.useZeroChecksum && this.s >= S.Established;
    writeChecksum(buf, zero);
    this.emit(buf);
  }

  private emit(buf: Uint8Array): void {
    this.counters.packetsSent++;
    this.counters.bytesSent += buf.length;
    try {
      this.transport.send(buf);
    } catch (error) {
      log('transport.send threw (packet lost): %o', error);
    }
  }

  /** Builds and sends packets: control chunks, SACK, FORWARD-TSN, then DATA (bundling, §6.10). */
  private flush(): void {
    if (this.processing || this.peerTag === 0 || this.s < S.Established) return;
    const sender = this.sender!;
    const receiver = this.receiver!;
    this.reconfig?.poll();
    const mtu = this.mtu;
    for (let rounds = 0; rounds < 100_000; rounds++) {
      const wantSack = this.sackNeeded;
      const wantFwd = sender.forwardTsnPending && (this.peerFeatures & FEATURE_FORWARD_TSN) !== 0;
      const dataState =
        this.s === S.Established || this.s === S.ShutdownPending || this.s === S.ShutdownReceived;
      if (this.control.length === 0 && !wantSack && !wantFwd && !(dataState && sender.canSend))
        break;
      // Sized for the largest PMTU ever allowed: chunks cut for it may be retransmitted later.
      if (this.scratch === undefined || this.scratch.length < this.maxMtu) {
        this.scratch = Buffer.alloc(this.maxMtu);
      }
      const buf = this.scratch;
      writeCommonHeader(buf, this.localPort, this.remotePort, this.peerTag);
      let off = COMMON_HEADER_SIZE;
      while (this.control.length > 0) {
        const c = this.control[0]!;
        const size = (chunkLengthOf(c) + 3) & ~3;
        if (off + size > mtu) {
          if (off === COMMON_HEADER_SIZE) {
            this.control.shift();
            this.sendSingle(this.peerTag, c);
          }
          break;
        }
        off = encodeChunk(c, buf, off);
        this.control.shift();
      }
      if (this.sackNeeded && off + receiver.sackSizeBound(MAX_GAP_BLOCKS) <= mtu) {
        off += receiver.writeSack(buf, off, MAX_GAP_BLOCKS);
        this.sackNeeded = false;
        this.dataPacketsSinceAck = 0;
        this.ackTimer.stop();
      }
      if (wantFwd) {
        const f = sender.forwardTsn();
        if (f !== undefined) {
          const streams = [...f.streams].map(([streamId, ssn]) => ({ streamId, ssn }));
          const chunk: Chunk = {
            type: ChunkType.ForwardTsn,
            newCumulativeTsn: f.newCumulativeTsn,
            streams,
          };
          if (off + chunkLengthOf(chunk) <= mtu) off = encodeChunk(chunk, buf, off);
          else this.sendSingle(this.peerTag, chunk);
        }
      }
      if (dataState) off = sender.writeData(buf, off, mtu);
      if (off === COMMON_HEADER_SIZE) break;
      const packet = Buffer.allocUnsafe(off);
      buf.copy(packet, 0, 0, off);
      writeChecksum(packet, this.useZeroChecksum);
      this.emit(packet);
    }
    if (this.pmtuWaiting && sender.backlogged) {
      this.pmtuWaiting = false;
      this.pmtu!.start();
    }
    this.checkShutdown();
  }

  // ---- State ----

  private setState(state: AssociationState, cause: AssociationCause): void {
    if (state === this.publicState) return;
    this.publicState = state;
    log('state %s (%o)', AssociationState[state], cause);
    this.states.push(state, cause);
  }

  private teardown(cause: AssociationCause): void {
    this.s = S.Closed;
    this.t1.stop();
    this.t2.stop();
    this.t3.stop();
    this.hbTimer.stop();
    this.ackTimer.stop();
    this.pmtu?.stop();
    this.reconfig?.stop();
    this.sender?.clear();
    this.control.length = 0;
    this.inbox.length = 0;
    this.setState(AssociationState.Closed, cause);
  }
}
