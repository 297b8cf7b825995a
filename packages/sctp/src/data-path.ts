/**
 * The established association's data path: the {@link Sender}, {@link Receiver} and
 * {@link Reconfig} it opens with the negotiated parameters, received DATA (RFC 9260 §6.2,
 * §6.4 for a stream out of range) and when it is acknowledged (§6.2 delayed ack, RFC 7053),
 * received SACKs (§6.2.1) and T3-rtx (§6.3.3), FORWARD-TSN (RFC 3758 §3.6) and RE-CONFIG
 * (RFC 6525). Chunks reach it after the packet walk of inbound.ts checked their tag.
 */

import { debuglog } from 'node:util';
import { ChunkType, type ForwardTsnStream, type InitChunk } from './chunk.js';
import type { Output } from './output.js';
import { COMMON_HEADER_SIZE } from './packet.js';
import { CauseCode, type Tlv } from './param.js';
import type { PathMtu } from './path-mtu.js';
import { AcceptResult, Receiver } from './receiver.js';
import { Reconfig } from './reconfig.js';
import { Sender } from './sender.js';
import { type AssociationSession, S } from './session.js';
import type { Shutdown } from './shutdown.js';
import type { DeadlineTimer } from './timer.js';

const log = debuglog('x:sctp');
const EMPTY = new Uint8Array(0);
const NO_GAPS = new Uint16Array(0);

/** DATA, SACK and their timers for one association. */
export class DataPath {
  private readonly t3: DeadlineTimer;
  /** Gap ack blocks of the SACK being processed, as (start, end) pairs (2 KiB, at the first gap). */
  private gapScratch: Uint16Array | undefined;

  constructor(
    private readonly session: AssociationSession,
    private readonly output: Output,
    private readonly pathMtu: PathMtu,
    private readonly shutdown: Shutdown,
  ) {
    this.t3 = session.newTimer(() => this.onT3());
  }

  /** Opens the sender, receiver and RE-CONFIG once established, `peer` as its INIT said. */
  open(peer: InitChunk): void {
    const session = this.session;
    const { handlers, rtoEstimator } = session;
    // Fragments are cut for the base MTU, whatever the PMTU: then every chunk fits a packet
    // even after a fall back to the base (RFC 8899 §4.3), and a larger PMTU bundles several.
    const maxPayload = (session.baseMtu - COMMON_HEADER_SIZE - 16) & ~3;
    const sender = new Sender(
      {
        now: () => session.clock.now(),
        startT3: () => this.t3.ensure(rtoEstimator.rto),
        restartT3: () => this.t3.start(rtoEstimator.rto),
        stopT3: () => this.t3.stop(),
        rttSample: (ms) => session.observeRtt(ms),
        bufferedAmountLow: (sid) =>
          session.call('onBufferedAmountLow', () => handlers.onBufferedAmountLow?.(sid)),
      },
      session.myInitialTsn,
      peer.aRwnd,
      session.mtu,
      maxPayload,
    );
    const receiver = new Receiver(
      peer.initialTsn,
      session.bufferSize,
      session.maxMessageSize,
      (sid, ppid, data) => {
        session.counters.messagesReceived++;
        const h = handlers.onMessage;
        if (h === undefined) return;
        try {
          h(sid, ppid, ppid === 56 || ppid === 57 ? EMPTY : data);
        } catch (error) {
          log('onMessage threw (ignored): %o', error);
        }
      },
    );
    receiver.setAdvertisedLimit(session.advertisedLimit());
    session.sender = sender;
    session.receiver = receiver;
    session.reconfig = new Reconfig(
      {
        sender,
        receiver,
        rto: () => rtoEstimator.rto,
        clock: session.clock,
        push: (chunk) => session.control.push(chunk),
        flush: () => this.output.flush(),
        retransmitTimeout: () => session.retransmitTimeout('reconfig'),
        outgoingReset: (ids, ok) =>
          session.call('onOutgoingStreamsReset', () => handlers.onOutgoingStreamsReset?.(ids, ok)),
        incomingReset: (ids) =>
          session.call('onIncomingStreamsReset', () => handlers.onIncomingStreamsReset?.(ids)),
      },
      session.myInitialTsn,
      peer.initialTsn,
    );
  }

  /**
   * One DATA chunk of `clen` bytes at `off` in `p`, with its chunk flags. Returns true when
   * it counts for the acknowledgement rules ({@link DataPath.afterData}).
   */
  onData(p: Uint8Array, off: number, clen: number, flags: number): boolean {
    const session = this.session;
    const r = session.receiver;
    if (r === undefined || !(session.s >= S.Established && session.s <= S.ShutdownSent)) {
      session.dropChunk('DATA outside an established association');
      return false;
    }
    session.counters.dataChunksReceived++;
    const tsn =
      ((p[off + 4]! << 24) | (p[off + 5]! << 16) | (p[off + 6]! << 8) | p[off + 7]!) >>> 0;
    const size = clen - 16;
    const res = r.accept(tsn, size);
    if (res === AcceptResult.New) {
      const sid = (p[off + 8]! << 8) | p[off + 9]!;
      const ssn = (p[off + 10]! << 8) | p[off + 11]!;
      const ppid =
        ((p[off + 12]! << 24) | (p[off + 13]! << 16) | (p[off + 14]! << 8) | p[off + 15]!) >>> 0;
      if (sid >= session.inboundStreams) {
        // RFC 9260 §6.4: acknowledged, reported with an ERROR, discarded.
        session.dropChunk(`DATA on stream ${sid} beyond ${session.inboundStreams} inbound streams`);
        session.control.push({
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
      session.counters.duplicateChunks++;
    } else {
      session.dropChunk(
        res === AcceptResult.OutOfWindow ? 'TSN out of window' : 'receive window full',
      );
    }
    return true;
  }

  /**
   * After a packet of `size` bytes with DATA: when to acknowledge it. RFC 9260 §6.2: at once
   * on gaps, duplicates or the I bit (RFC 7053), and for every second packet, which is what a
   * sender bound to Max.Burst packets per SACK needs to keep its window moving (dcsctp in
   * libwebrtc and Chromium, and usrsctp, send at most 4; acknowledging once per burst held a
   * libwebrtc sender to 70 % of its speed). Packets above the base PMTU come only from a
   * sender that raised its PMTU (RFC 8899); those get one SACK per input batch (stretch acks,
   * as TCP receive offload gives), which spares a 16 KiB path most of its SACKs. A lone packet
   * waits for the delayed-ack timer.
   */
  afterData(immediate: boolean, size: number): void {
    const session = this.session;
    const r = session.receiver!;
    session.reconfig?.afterData();
    const packets = this.output.dataPacketReceived();
    if (immediate || r.hasGaps || r.hasDuplicates || session.s === S.ShutdownSent) {
      this.output.requestSack();
    } else if (packets >= 2) {
      this.output.requestSack(size > session.baseMtu);
    } else {
      this.output.delaySack(session.delayedAckMs);
    }
  }

  /** One SACK chunk of `clen` bytes at `off` in `p` (§6.2.1). */
  onSack(p: Uint8Array, off: number, clen: number): void {
    const session = this.session;
    const sender = session.sender;
    if (sender === undefined || !session.isDataState()) {
      session.dropChunk('SACK in wrong state');
      return;
    }
    if (clen < 16) {
      session.dropChunk('short SACK');
      return;
    }
    const nGap = (p[off + 12]! << 8) | p[off + 13]!;
    const nDup = (p[off + 14]! << 8) | p[off + 15]!;
    if (clen !== 16 + 4 * (nGap + nDup)) {
      session.dropChunk('SACK length');
      return;
    }
    const cum =
      ((p[off + 4]! << 24) | (p[off + 5]! << 16) | (p[off + 6]! << 8) | p[off + 7]!) >>> 0;
    const rwnd =
      ((p[off + 8]! << 24) | (p[off + 9]! << 16) | (p[off + 10]! << 8) | p[off + 11]!) >>> 0;
    const gaps = nGap === 0 ? NO_GAPS : (this.gapScratch ??= new Uint16Array(2 * 512));
    const n = Math.min(nGap, gaps.length >>> 1);
    for (let i = 0, o = off + 16; i < n; i++, o += 4) {
      gaps[2 * i] = (p[o]! << 8) | p[o + 1]!;
      gaps[2 * i + 1] = (p[o + 2]! << 8) | p[o + 3]!;
    }
    const before = sender.cumulativeAck;
    if (!sender.onSack(cum, rwnd, gaps, n)) {
      session.dropChunk('stale SACK');
      return;
    }
    if (cum !== before) {
      session.errorCount = 0; // §8.3: new data acknowledged
      this.pathMtu.onProgress();
    }
    this.shutdown.check();
  }

  /** RFC 3758 §3.6: FORWARD-TSN moves the cumulative TSN, acknowledged at once. */
  onForwardTsn(newCumulativeTsn: number, streams: readonly ForwardTsnStream[]): void {
    const session = this.session;
    if (session.receiver !== undefined && session.isDataState()) {
      session.receiver.forward(newCumulativeTsn, streams);
      session.reconfig?.afterData();
      this.output.requestSack();
    }
  }

  /** RFC 6525: a RE-CONFIG chunk's parameters. */
  onReconfig(params: readonly Tlv[]): void {
    const session = this.session;
    if (session.reconfig !== undefined && session.isDataState()) session.reconfig.onChunk(params);
  }

  private onT3(): void {
    const session = this.session;
    const sender = session.sender;
    if (sender === undefined) return;
    session.counters.t3Expirations++;
    if (!session.retransmitTimeout('data')) return;
    this.pathMtu.onDataTimeout();
    sender.onT3Expired();
    if (sender.outstanding) this.t3.start(session.rtoEstimator.rto);
    this.output.flush();
  }
}
