/**
 * RFC 7983 demultiplexing on the agent's pairs: SRTP and SRTCP to the media path, and the DTLS
 * side on the agent's pairs, with the two waits of a
 * connection's start:
 * - DTLS heard before the remote description gave our DTLS role: the answerer's checks and
 *   ClientHello come straight to us, often ahead of the answer through signaling;
 * - DTLS written before our agent had a valid pair: a server flight answering that ClientHello.
 *
 * Each wait keeps at most {@link MAX_HELD_DATAGRAMS}, instead of costing the peer a
 * retransmission timeout. What no handler takes is dropped, counted and logged.
 */
import { debuglog } from 'node:util';
import type { DtlsTransport } from '@x/dtls';
import { classifyDatagram } from './demux.js';

const log = debuglog('x:network');

/** DTLS datagrams kept while they cannot be handled yet (a whole flight is 1 to 6). */
export const MAX_HELD_DATAGRAMS = 16;

/** What the gate reads from its Manager. */
export interface DtlsGateHost {
  /** The DTLS transport, once the remote description made it. */
  readonly dtls: DtlsTransport | undefined;
  /** The remote description was applied (our DTLS role is known). */
  readonly described: boolean;
  /** We are the DTLS server: a ClientHello starts our side. */
  readonly server: boolean;
  /** ICE may still find a valid pair (its state is `new` or `checking`). */
  readonly pairPending: boolean;
  /** Sends on the agent's pair; false while it has none. */
  sendOnPair(datagram: Uint8Array): boolean;
  /** Starts DTLS unless it has started. */
  startDtls(): void;
  /** An SRTP or SRTCP datagram (RFC 7983: first byte 128–191). */
  receiveMedia(data: Buffer): void;
}

/** @internal Owned by the Manager. */
export class DtlsGate {
  private readonly early: Buffer[] = [];
  private readonly held: Buffer[] = [];
  /** Datagrams no handler took (webrtc-stats has no member for them; debug logs show them). */
  dropped = 0;

  constructor(private readonly host: DtlsGateHost) {}

  /** A datagram of one of the agent's pairs that is not STUN. */
  receive(data: Buffer): void {
    const h = this.host;
    const kind = classifyDatagram(data);
    const dtls = h.dtls;
    if (kind === 'dtls' && dtls) {
      if (h.server) h.startDtls();
      dtls.handleDatagram(data);
      return;
    }
    if (kind === 'rtp') {
      h.receiveMedia(data);
      return;
    }
    if (kind === 'dtls' && !h.described && this.early.length < MAX_HELD_DATAGRAMS) {
      this.early.push(Buffer.from(data));
      return;
    }
    this.dropped++;
    log('dropped a %s datagram of %d bytes (no handler)', kind, data.byteLength);
  }

  /** DTLS output for the pair. */
  send(datagram: Uint8Array): void {
    if (this.host.sendOnPair(datagram)) return;
    if (!this.host.pairPending) return;
    if (this.held.length < MAX_HELD_DATAGRAMS) this.held.push(Buffer.from(datagram));
    else log('dropped a DTLS datagram of %d bytes: no valid pair yet', datagram.byteLength);
  }

  /** The DTLS transport exists now: what came early goes to it. */
  described(): void {
    for (const datagram of this.early.splice(0)) this.receive(datagram);
  }

  /** The agent has a valid pair: what waited for one goes out. */
  pairReady(): void {
    for (const datagram of this.held.splice(0)) this.send(datagram);
  }
}
