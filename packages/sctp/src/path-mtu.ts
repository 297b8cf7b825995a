/**
 * The association's side of its path MTU search (RFC 8899, the search itself is pmtu.ts):
 * when the search starts (once established, with a limit above the base, at the first
 * backlog), how a probe packet is built (RFC 8899 §6.2.1.1: HEARTBEAT padded by PAD,
 * RFC 4820), what a new PMTU changes (the packets the sender fills), and how a new limit from
 * the layer below is applied.
 */

import { randomInt } from 'node:crypto';
import { debuglog } from 'node:util';
import { ChunkType, encodeChunk } from './chunk.js';
import type { Output } from './output.js';
import { COMMON_HEADER_SIZE, writeChecksum, writeCommonHeader } from './packet.js';
import { PathMtuSearch } from './pmtu.js';
import type { AssociationSession } from './session.js';

const log = debuglog('x:sctp');

/** The PMTU search of one association, from its start. */
export class PathMtu {
  private search: PathMtuSearch | undefined;
  /**
   * The search waits for the first backlog: a probe costs a large packet each way, which
   * only pays off when there is more to send than one packet, and it must not delay the
   * first small messages (a data channel's DCEP OPEN).
   */
  private waiting = false;

  constructor(
    private readonly session: AssociationSession,
    private readonly output: Output,
  ) {
    session.onTeardown(() => this.search?.stop());
  }

  /** The association is established: searches when the limit is above the base. */
  established(): void {
    if (this.session.maxMtu > this.session.baseMtu) this.start();
  }

  /**
   * A new limit from the layer below, clamped to [base, 65507]: the search (started if
   * established) looks for more above the PMTU in use, falls back to the base below it.
   */
  setMax(max: number): void {
    const session = this.session;
    session.maxMtu = Math.min(65_507, Math.max(session.baseMtu, Math.floor(max)));
    if (this.search !== undefined) this.search.setMax(session.maxMtu);
    else if (session.sender !== undefined) this.start();
  }

  /** After each flush: the first backlog starts the search. */
  afterFlush(): void {
    if (this.waiting && this.session.sender!.backlogged) {
      this.waiting = false;
      this.search!.start();
    }
  }

  /** The cumulative TSN advanced (data gets through at this PMTU). */
  onProgress(): void {
    this.search?.onProgress();
  }

  /** T3-rtx expired (black-hole detection, RFC 8899 §4.3). */
  onDataTimeout(): void {
    this.search?.onDataTimeout();
  }

  /** True when the HEARTBEAT-ACK answered a probe (and was taken by the search). */
  onHeartbeatAck(info: Uint8Array): boolean {
    return this.search?.onHeartbeatAck(info) === true;
  }

  private start(): void {
    const session = this.session;
    const search = new PathMtuSearch(
      {
        sendProbe: (size, info) => this.sendProbe(size, info),
        changed: (mtu, reason) => {
          log('path MTU %d (%s)', mtu, reason);
          session.mtu = mtu;
          session.sender?.setMtu(mtu);
          if (reason === 'probe-acknowledged') this.output.flush();
        },
        now: () => session.clock.now(),
        rto: () => session.rtoEstimator.rto,
        nonce: () => randomInt(0, 0xffffffff),
      },
      session.newTimer(() => search.onProbeTimeout()),
      session.newTimer(() => search.onRaiseTimeout()),
      session.baseMtu,
      session.maxMtu,
    );
    this.search = search;
    this.waiting = true;
  }

  /** A probe (RFC 8899 §6.2.1.1): HEARTBEAT, then a PAD chunk filling the packet to `size`. */
  private sendProbe(size: number, info: Uint8Array): void {
    const session = this.session;
    const buf = Buffer.alloc(size);
    writeCommonHeader(buf, session.localPort, session.remotePort, session.peerTag);
    const off = encodeChunk({ type: ChunkType.Heartbeat, info }, buf, COMMON_HEADER_SIZE);
    buf[off] = ChunkType.Pad;
    buf.writeUInt16BE(size - off, off + 2);
    writeChecksum(buf, session.useZeroChecksum);
    session.counters.pmtuProbesSent++;
    this.output.emit(buf);
  }
}
