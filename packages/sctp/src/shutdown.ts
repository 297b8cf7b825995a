/**
 * How an association ends: the graceful SHUTDOWN sequence of RFC 9260 §9.2 (SHUTDOWN-PENDING
 * until everything sent is acknowledged, SHUTDOWN / SHUTDOWN-ACK retransmitted on T2-shutdown,
 * SHUTDOWN-COMPLETE), both when we start it and when the peer does, and ABORT (§9.1), sent or
 * received. The chunks' verification tags are checked by inbound.ts.
 */

import { ChunkType } from './chunk.js';
import { describeCause } from './init-params.js';
import type { Output } from './output.js';
import { CauseCode, type Tlv } from './param.js';
import { type AssociationSession, S } from './session.js';
import { AssociationState, type ErrorCause } from './state.js';
import type { DeadlineTimer } from './timer.js';

/** A SHUTDOWN's cumulative TSN ack is a SACK without gap blocks. */
const NO_GAPS = new Uint16Array(0);

/** The SHUTDOWN sequence and ABORT of one association. */
export class Shutdown {
  private readonly t2: DeadlineTimer;

  constructor(
    private readonly session: AssociationSession,
    private readonly output: Output,
  ) {
    this.t2 = session.newTimer(() => this.onT2());
  }

  /** `Association.shutdown()`: §9.2 from ESTABLISHED; before it, closes at once. */
  start(): void {
    const session = this.session;
    if (session.s === S.Established) {
      session.enter(S.ShutdownPending, { kind: 'shutdown-called' });
      this.check();
      this.output.flush();
    } else if (session.s === S.New || session.s === S.CookieWait || session.s === S.CookieEchoed) {
      session.teardown({ kind: 'closed-by-user' });
    }
  }

  /** `Association.abort()`: ABORT with a User-Initiated Abort cause (§9.1), then closed. */
  abort(reason: string): void {
    const session = this.session;
    if (session.state === AssociationState.Closed) return;
    if (session.s !== S.New && session.peerTag !== 0) {
      const info = Buffer.from(reason, 'utf8');
      this.output.sendSingle(session.peerTag, {
        type: ChunkType.Abort,
        reflected: false,
        causes: [{ type: CauseCode.UserInitiatedAbort, value: info }],
      });
    }
    session.teardown({ kind: 'aborted-locally', reason });
  }

  /** The peer's ABORT, its tag checked (§9.1). */
  onAbort(causes: readonly Tlv[]): void {
    const described: ErrorCause[] = causes.map(describeCause);
    this.session.teardown({ kind: 'aborted-by-peer', causes: described });
  }

  /** §9.2: the peer's SHUTDOWN acknowledges up to `cumAck`. */
  onShutdown(cumAck: number): void {
    const session = this.session;
    const sender = session.sender;
    if (!session.isDataState() || sender === undefined) return;
    sender.onSack(cumAck, sender.peerRwnd + sender.flightSize, NO_GAPS, 0);
    if (session.s === S.Established || session.s === S.ShutdownPending) {
      session.enter(S.ShutdownReceived, { kind: 'shutdown-received' });
    } else if (session.s === S.ShutdownSent) {
      this.t2.stop();
      session.enter(S.ShutdownAckSent);
      this.output.sendSingle(session.peerTag, { type: ChunkType.ShutdownAck, reflected: false });
      this.t2.start(session.rtoEstimator.rto);
      return;
    }
    this.check();
  }

  /** §9.2: SHUTDOWN-ACK answered with SHUTDOWN-COMPLETE. Returns false when it closed. */
  onShutdownAck(): boolean {
    const session = this.session;
    if (session.s === S.ShutdownSent || session.s === S.ShutdownAckSent) {
      this.output.sendSingle(session.peerTag, {
        type: ChunkType.ShutdownComplete,
        reflected: false,
      });
      session.teardown({ kind: 'shutdown-complete' });
      return false;
    }
    return true;
  }

  /** §9.2: SHUTDOWN-COMPLETE, its tag checked, ends SHUTDOWN-ACK-SENT. */
  onShutdownComplete(): void {
    if (this.session.s === S.ShutdownAckSent) {
      this.session.teardown({ kind: 'shutdown-complete' });
    }
  }

  /** Sends SHUTDOWN or SHUTDOWN-ACK once everything sent was acknowledged (§9.2). */
  check(): void {
    const session = this.session;
    const sender = session.sender;
    if (sender === undefined || !sender.idle) return;
    if (session.s === S.ShutdownPending) {
      session.enter(S.ShutdownSent);
      this.sendShutdownChunk();
    } else if (session.s === S.ShutdownReceived) {
      session.enter(S.ShutdownAckSent);
      this.sendShutdownChunk();
    }
  }

  private sendShutdownChunk(): void {
    const session = this.session;
    if (session.s === S.ShutdownSent) {
      this.output.sendSingle(session.peerTag, {
        type: ChunkType.Shutdown,
        cumulativeTsnAck: session.receiver!.cumulativeTsn,
      });
    } else {
      this.output.sendSingle(session.peerTag, { type: ChunkType.ShutdownAck, reflected: false });
    }
    this.t2.start(session.rtoEstimator.rto);
  }

  private onT2(): void {
    const s = this.session.s;
    if (s !== S.ShutdownSent && s !== S.ShutdownAckSent) return;
    if (!this.session.retransmitTimeout('shutdown')) return;
    this.sendShutdownChunk();
  }
}
