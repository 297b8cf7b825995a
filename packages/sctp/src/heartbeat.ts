/**
 * Path heartbeats (RFC 9260 §8.3): a HEARTBEAT every interval plus RTO while no data is
 * outstanding, an unanswered one counted against Association.Max.Retrans, the HEARTBEAT-ACK
 * giving an RTT measurement (§6.3.1) and clearing the error counter; the peer's HEARTBEAT
 * echoed. HEARTBEAT-ACKs of PMTU probes go to the search (path-mtu.ts).
 */

import { randomInt } from 'node:crypto';
import { ChunkType } from './chunk.js';
import type { Output } from './output.js';
import type { PathMtu } from './path-mtu.js';
import type { AssociationSession } from './session.js';
import type { DeadlineTimer } from './timer.js';

/** Heartbeat Info we send: the time sent (f64), a nonce (u32). */
const INFO_LENGTH = 12;

/** The heartbeats of one association. */
export class Heartbeats {
  private readonly timer: DeadlineTimer;
  private nonce = 0;
  private outstanding = false;

  constructor(
    private readonly session: AssociationSession,
    private readonly output: Output,
    private readonly pathMtu: PathMtu,
  ) {
    this.timer = session.newTimer(() => this.onTimer());
  }

  /** The association is established: the first heartbeat after one interval. */
  established(): void {
    const session = this.session;
    if (session.hbInterval > 0) this.timer.start(session.hbInterval + session.rtoEstimator.rto);
  }

  /** §8.3: the peer's HEARTBEAT, echoed in a HEARTBEAT-ACK. */
  onHeartbeat(info: Uint8Array): void {
    if (this.session.peerTag !== 0) {
      this.session.control.push({ type: ChunkType.HeartbeatAck, info });
    }
  }

  /** §8.3: a HEARTBEAT-ACK (ours, or a PMTU probe's). */
  onHeartbeatAck(info: Uint8Array): void {
    if (this.pathMtu.onHeartbeatAck(info)) return;
    if (!this.outstanding || info.length !== INFO_LENGTH) return;
    const b = Buffer.from(info.buffer, info.byteOffset, info.byteLength);
    if (b.readUInt32BE(8) !== this.nonce) return;
    const session = this.session;
    this.outstanding = false;
    session.errorCount = 0;
    session.observeRtt(session.clock.now() - b.readDoubleBE(0));
  }

  private onTimer(): void {
    const session = this.session;
    if (!session.isDataState() || session.hbInterval <= 0) return;
    if (this.outstanding) {
      this.outstanding = false;
      if (!session.retransmitTimeout('heartbeat')) return;
    }
    if (session.sender?.outstanding !== true) {
      const info = Buffer.alloc(INFO_LENGTH);
      info.writeDoubleBE(session.clock.now(), 0);
      this.nonce = randomInt(0, 0xffffffff);
      info.writeUInt32BE(this.nonce, 8);
      session.control.push({ type: ChunkType.Heartbeat, info });
      this.outstanding = true;
      this.output.flush();
    }
    this.timer.start(session.hbInterval + session.rtoEstimator.rto);
  }
}
