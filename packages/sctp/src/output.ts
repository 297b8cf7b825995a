/**
 * What leaves an association. A packet bundles (RFC 9260 §6.10) the control chunks waiting,
 * a SACK when one is due (§6.2, with the delayed ack timer), a FORWARD-TSN (RFC 3758 §3.2),
 * then DATA as the sender allows; a chunk too large to bundle, and the handshake and shutdown
 * chunks, travel alone. Each packet gets its checksum (CRC32c, or zero once RFC 9653 is
 * agreed) and is counted as it goes to the transport.
 */

import { debuglog } from 'node:util';
import { type Chunk, ChunkType, chunkLength, encodeChunk } from './chunk.js';
import { FEATURE_FORWARD_TSN } from './init-params.js';
import { COMMON_HEADER_SIZE, writeChecksum, writeCommonHeader } from './packet.js';
import { type AssociationSession, S } from './session.js';
import type { DeadlineTimer } from './timer.js';

const log = debuglog('x:sctp');

/** Gap ack blocks at most in one SACK. */
const MAX_GAP_BLOCKS = 128;

/** The sending side of one association: packet building and the SACK schedule. */
export class Output {
  /** A SACK goes in the next packet. */
  private sackNeeded = false;
  /** That packet leaves at once, not at the end of the input batch (see {@link afterInput}). */
  private sackNow = false;
  /** DATA packets received since the last SACK sent. */
  private dataPacketsSinceAck = 0;
  private readonly ackTimer: DeadlineTimer;
  private flushQueued = false;
  /** A flush waits for the end of the current batch of input (see {@link afterInput}). */
  private inputFlush: ReturnType<typeof setImmediate> | undefined;
  private readonly inputFlushTask = (): void => {
    this.inputFlush = undefined;
    this.flush();
  };
  /**
   * Packets are built here, then copied into an exact-size buffer handed to the transport, or
   * handed as a view when the transport copies on send.
   */
  private scratch: Buffer | undefined;
  /**
   * The last view of `scratch` handed to a `copiesOnSend` transport, kept for the next packet
   * of the same length (most packets of a transfer are full ones).
   */
  private packetView: Buffer | undefined;
  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /**
   * @param afterFlush - runs at the end of every {@link Output.flush} that got past its
   *   state checks (the PMTU search's start and the shutdown sequence wait for it).
   */
  constructor(
    private readonly session: AssociationSession,
    private readonly afterFlush: () => void,
  ) {
    this.ackTimer = session.newTimer(() => {
      this.sackNeeded = true;
      this.flush();
    });
    session.onTeardown(() => {
      if (this.inputFlush !== undefined) clearImmediate(this.inputFlush);
      this.inputFlush = undefined;
    });
  }

  /**
   * After input: a SACK due at once (RFC 9260 §6.2: every second packet with DATA, and on gaps,
   * duplicates or the I bit) leaves now; everything else (DATA the peer's SACKs let us send, a
   * stretch SACK) waits until the event loop has handed over every datagram it read in this
   * turn, so that the window SACKs open is filled with full packets in one go.
   */
  afterInput(): void {
    if (this.sackNow) this.flush();
    else this.inputFlush ??= setImmediate(this.inputFlushTask);
  }

  /**
   * The next packet carries a SACK: sent at once after the current input, or with `stretch` in
   * the flush at the end of the input batch.
   */
  requestSack(stretch = false): void {
    this.sackNeeded = true;
    if (!stretch) this.sackNow = true;
  }

  /** Counts a received packet with DATA; returns the count since the last SACK. */
  dataPacketReceived(): number {
    return ++this.dataPacketsSinceAck;
  }

  /** A SACK within `delayMs` (§6.2 delayed ack), unless one is already timed. */
  delaySack(delayMs: number): void {
    this.ackTimer.ensure(delayMs);
  }

  /** Flushes in a microtask: the messages queued in one turn share packets. */
  scheduleFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Sends `chunk` alone in a packet with verification tag `tag`. */
  sendSingle(tag: number, chunk: Chunk): void {
    const { session } = this;
    const size = COMMON_HEADER_SIZE + ((chunkLength(chunk) + 3) & ~3);
    const buf = Buffer.allocUnsafe(size);
    writeCommonHeader(buf, session.localPort, session.remotePort, tag);
    encodeChunk(chunk, buf, COMMON_HEADER_SIZE);
    // Handshake packets always carry a CRC32c (RFC 9653 §5.2).
    const zero = session.useZeroChecksum && session.s >= S.Established;
    writeChecksum(buf, zero);
    this.emit(buf);
  }

  /** Hands a finished packet to the transport. */
  emit(buf: Uint8Array): void {
    const { counters } = this.session;
    counters.packetsSent++;
    counters.bytesSent += buf.length;
    try {
      this.session.transport.send(buf);
    } catch (error) {
      log('transport.send threw (packet lost): %o', error);
    }
  }

  /** A FORWARD-TSN is to be sent: the peer supports it and the sender has one pending. */
  private forwardTsnDue(): boolean {
    const session = this.session;
    return session.sender!.forwardTsnPending && (session.peerFeatures & FEATURE_FORWARD_TSN) !== 0;
  }

  /** Builds and sends packets: control chunks, SACK, FORWARD-TSN, then DATA (bundling, §6.10). */
  flush(): void {
    const session = this.session;
    if (session.processing || session.peerTag === 0 || session.s < S.Established) return;
    const sender = session.sender!;
    const receiver = session.receiver!;
    const control = session.control;
    session.reconfig?.poll();
    const mtu = session.mtu;
    for (let rounds = 0; rounds < 100_000; rounds++) {
      const wantSack = this.sackNeeded;
      const wantFwd = this.forwardTsnDue();
      const s = session.s;
      const dataState = s === S.Established || s === S.ShutdownPending || s === S.ShutdownReceived;
      if (control.length === 0 && !wantSack && !wantFwd && !(dataState && sender.canSend)) break;
      // As large as the largest PMTU in use so far, never smaller: chunks cut for it may be
      // retransmitted after the PMTU fell (one chunk alone in a packet may exceed the MTU).
      // Not sized for maxMtu up front: an idle connection would carry 16 KiB for nothing.
      if (this.scratch === undefined || this.scratch.length < mtu) {
        this.scratch = Buffer.alloc(mtu);
        this.packetView = undefined;
      }
      const buf = this.scratch;
      writeCommonHeader(buf, session.localPort, session.remotePort, session.peerTag);
      let off = COMMON_HEADER_SIZE;
      while (control.length > 0) {
        const c = control[0]!;
        const size = (chunkLength(c) + 3) & ~3;
        if (off + size > mtu) {
          if (off === COMMON_HEADER_SIZE) {
            control.shift();
            this.sendSingle(session.peerTag, c);
          }
          break;
        }
        off = encodeChunk(c, buf, off);
        control.shift();
      }
      if (this.sackNeeded && off + receiver.sackSizeBound(MAX_GAP_BLOCKS) <= mtu) {
        off += receiver.writeSack(buf, off, MAX_GAP_BLOCKS);
        this.sackNeeded = false;
        this.sackNow = false;
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
          if (off + chunkLength(chunk) <= mtu) off = encodeChunk(chunk, buf, off);
          else this.sendSingle(session.peerTag, chunk);
        }
      }
      if (dataState) off = sender.writeData(buf, off, mtu);
      if (off === COMMON_HEADER_SIZE) {
        // writeData may have abandoned a partly sent message (RFC 3758 §3.5 A2) and so made
        // a FORWARD-TSN due: one more round sends it now rather than at some later flush.
        if (wantFwd || !this.forwardTsnDue()) break;
        continue;
      }
      let packet: Buffer;
      if (session.transport.copiesOnSend === true) {
        const view = this.packetView;
        packet = view !== undefined && view.length === off ? view : buf.subarray(0, off);
        this.packetView = packet;
      } else {
        packet = Buffer.allocUnsafe(off);
        buf.copy(packet, 0, 0, off);
      }
      writeChecksum(packet, session.useZeroChecksum);
      this.emit(packet);
    }
    this.afterFlush();
  }
}
