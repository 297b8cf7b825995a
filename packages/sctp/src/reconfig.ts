/**
 * Stream reset with RE-CONFIG (RFC 6525): our outgoing resets (§5.1.2), the peer's (§5.2.2,
 * with deferred processing until the cumulative TSN reaches the peer's last TSN), responses,
 * and the retransmission of an unanswered request (§5.1.1).
 */

import type { Clock } from '@x/transport';
import { type Chunk, ChunkType } from './chunk.js';
import {
  decodeOutgoingResetRequest,
  decodeReconfigResponse,
  encodeOutgoingResetRequest,
  encodeReconfigResponse,
  ParamType,
  ReconfigResult,
  requestSeqOf,
  type Tlv,
} from './param.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';
import { tsnAdd, tsnLe } from './serial.js';
import { DeadlineTimer } from './timer.js';

/** What {@link Reconfig} needs from its association. */
export interface ReconfigHost {
  readonly sender: Sender;
  readonly receiver: Receiver;
  readonly clock: Clock;
  rto(): number;
  push(chunk: Chunk): void;
  flush(): void;
  /** Counts a timeout against Association.Max.Retrans; false when the association closed. */
  retransmitTimeout(): boolean;
  outgoingReset(streamIds: readonly number[], ok: boolean): void;
  incomingReset(streamIds: readonly number[]): void;
}

interface Outstanding {
  readonly seq: number;
  readonly streams: readonly number[];
  readonly chunk: Chunk;
}

interface Deferred {
  readonly seq: number;
  readonly lastTsn: number;
  readonly streams: readonly number[];
}

/** RE-CONFIG state of one association. */
export class Reconfig {
  private mySeq: number;
  /** The next request sequence number expected from the peer. */
  private peerSeq: number;
  private readonly queued: number[] = [];
  private outstanding: Outstanding | undefined;
  private deferred: Deferred | undefined;
  private lastResult: number = ReconfigResult.SuccessNothingToDo;
  private readonly timer: DeadlineTimer;

  constructor(
    private readonly host: ReconfigHost,
    myInitialTsn: number,
    peerInitialTsn: number,
  ) {
    // §5.1.1: request sequence numbers start at the initial TSN.
    this.mySeq = myInitialTsn >>> 0;
    this.peerSeq = peerInitialTsn >>> 0;
    this.timer = new DeadlineTimer(host.clock, () => this.onTimeout());
  }

  /** Marks streams for an outgoing reset; the request leaves once their queued data has a TSN. */
  requestReset(streamIds: readonly number[]): void {
    for (const id of streamIds) {
      const s = this.host.sender.stream(id);
      if (s.resetting) continue;
      s.resetting = true;
      this.queued.push(id);
    }
    this.poll();
  }

  /** Sends a queued request when none is outstanding and the streams' data has left. */
  poll(): void {
    if (this.outstanding !== undefined || this.queued.length === 0) return;
    const sender = this.host.sender;
    const ready: number[] = [];
    for (let i = 0; i < this.queued.length; ) {
      const id = this.queued[i]!;
      if (sender.hasQueued(id)) i++;
      else {
        ready.push(id);
        this.queued.splice(i, 1);
      }
    }
    if (ready.length === 0) return;
    const param = encodeOutgoingResetRequest({
      requestSeq: this.mySeq,
      responseSeq: tsnAdd(this.peerSeq, -1),
      lastTsn: sender.lastAssignedTsn,
      streams: ready,
    });
    const chunk: Chunk = { type: ChunkType.Reconfig, params: [param] };
    this.outstanding = { seq: this.mySeq, streams: ready, chunk };
    this.host.push(chunk);
    this.timer.start(this.host.rto());
  }

  private onTimeout(): void {
    if (this.outstanding === undefined) return;
    if (!this.host.retransmitTimeout()) return;
    this.host.push(this.outstanding.chunk);
    this.timer.start(this.host.rto());
    this.host.flush();
  }

  /** Handles the parameters of a received RE-CONFIG chunk. */
  onChunk(params: readonly Tlv[]): void {
    const responses: Tlv[] = [];
    for (const p of params) {
      switch (p.type) {
        case ParamType.OutgoingResetRequest: {
          const r = decodeOutgoingResetRequest(p.value);
          if (r === undefined) break;
          responses.push(this.onPeerOutgoingReset(r.requestSeq, r.lastTsn, r.streams));
          break;
        }
        case ParamType.ReconfigResponse: {
          const r = decodeReconfigResponse(p.value);
          if (r !== undefined) this.onResponse(r.responseSeq, r.result);
          break;
        }
        case ParamType.IncomingResetRequest:
        case ParamType.SsnTsnResetRequest:
        case ParamType.AddOutgoingStreams:
        case ParamType.AddIncomingStreams: {
          // Not offered by this implementation: answered "denied" (§5.2.3 to §5.2.6).
          const seq = requestSeqOf(p.value);
          if (seq === undefined) break;
          let result: number = ReconfigResult.Denied;
          if (seq === this.peerSeq) this.peerSeq = tsnAdd(this.peerSeq, 1);
          else if (seq !== tsnAdd(this.peerSeq, -1)) result = ReconfigResult.ErrorBadSequenceNumber;
          this.lastResult = result;
          responses.push(encodeReconfigResponse({ responseSeq: seq, result }));
          break;
        }
        default:
          break;
      }
    }
    if (responses.length > 0) {
      for (let i = 0; i < responses.length; i += 2) {
        this.host.push({ type: ChunkType.Reconfig, params: responses.slice(i, i + 2) });
      }
    }
  }

  private onPeerOutgoingReset(seq: number, lastTsn: number, streams: readonly number[]): Tlv {
    if (seq === tsnAdd(this.peerSeq, -1)) {
      // A retransmission of the request we last answered.
      return encodeReconfigResponse({ responseSeq: seq, result: this.lastResult });
    }
    if (seq !== this.peerSeq) {
      return encodeReconfigResponse({
        responseSeq: seq,
        result: ReconfigResult.ErrorBadSequenceNumber,
      });
    }
    if (tsnLe(lastTsn, this.host.receiver.cumulativeTsn)) {
      this.perform(seq, streams);
      return encodeReconfigResponse({ responseSeq: seq, result: ReconfigResult.SuccessPerformed });
    }
    // §5.2.2: deferred until the cumulative TSN reaches the sender's last assigned TSN.
    this.deferred = { seq, lastTsn, streams };
    return encodeReconfigResponse({ responseSeq: seq, result: ReconfigResult.InProgress });
  }

  private perform(seq: number, streams: readonly number[]): void {
    this.deferred = undefined;
    this.host.receiver.resetStreams(streams);
    this.peerSeq = tsnAdd(seq, 1);
    this.lastResult = ReconfigResult.SuccessPerformed;
    this.host.incomingReset(streams);
  }

  /** After DATA or FORWARD-TSN moved the cumulative TSN: completes a deferred reset. */
  afterData(): void {
    const d = this.deferred;
    if (d === undefined || !tsnLe(d.lastTsn, this.host.receiver.cumulativeTsn)) return;
    this.perform(d.seq, d.streams);
    this.host.push({
      type: ChunkType.Reconfig,
      params: [
        encodeReconfigResponse({ responseSeq: d.seq, result: ReconfigResult.SuccessPerformed }),
      ],
    });
  }

  private onResponse(seq: number, result: number): void {
    const o = this.outstanding;
    if (o === undefined || seq !== o.seq) return;
    if (result === ReconfigResult.InProgress) {
      // §5.2.7: ask again later.
      this.timer.start(this.host.rto());
      return;
    }
    this.timer.stop();
    this.outstanding = undefined;
    this.mySeq = tsnAdd(this.mySeq, 1);
    const ok =
      result === ReconfigResult.SuccessPerformed || result === ReconfigResult.SuccessNothingToDo;
    for (const id of o.streams) {
      const s = this.host.sender.stream(id);
      s.resetting = false;
      if (ok) s.nextSsn = 0;
    }
    this.host.outgoingReset(o.streams, ok);
    this.poll();
  }

  /** Releases the timer. */
  stop(): void {
    this.timer.release();
  }
}
