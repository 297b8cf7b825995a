/**
 * A `Net` around another (`nodeNet`) whose UDP sockets lose a seeded share of the RTP and RTCP
 * datagrams they send and receive, and can put a bottleneck (a rate cap with a bounded queue)
 * in front of what they receive: the path of chromium-loss.test.ts.
 *
 * Only SRTP and SRTCP are dropped (RFC 7983 §7: first byte 128–191). STUN and DTLS pass: ICE
 * and the DTLS handshake have their own retransmission timers (DTLS starts at 1 s), so losing
 * them only makes the setup slower and flakier without testing media recovery; what the test
 * is about (NACK, RTX, PLI, the feedback itself) is all in SRTP and SRTCP, and those are lost
 * from the first one on.
 *
 * The RTCP a socket sends is counted by type from its first header, which SRTCP leaves in the
 * clear (RFC 3711 §3.4): with reduced-size RTCP (RFC 5506, which Chromium and we both signal)
 * each feedback packet leaves alone, so this sees every NACK, PLI and TWCC feedback we send.
 */
import type { Net, SocketAddress, UdpSocket } from '@x/transport';
import { Prng } from '@x/transport/testing';

/** RFC 7983 §7: a first byte in 128–191 is RTP or RTCP. */
const isRtpOrRtcp = (data: Uint8Array) => data[0] !== undefined && data[0] >= 128 && data[0] <= 191;

/** RFC 5761 §4: with rtcp-mux, a second byte in 192–223 is an RTCP packet type. */
export const isRtcp = (data: Uint8Array) =>
  isRtpOrRtcp(data) && data[1] !== undefined && data[1] >= 192 && data[1] <= 223;

/** What the first (clear) RTCP header of an outgoing SRTCP datagram says it is. */
export type RtcpKind = 'sr' | 'rr' | 'nack' | 'twcc' | 'pli' | 'fir' | 'remb' | 'other';

function rtcpKind(data: Uint8Array): RtcpKind {
  const fmt = data[0]! & 0x1f;
  switch (data[1]) {
    case 200:
      return 'sr';
    case 201:
      return 'rr';
    // RFC 4585 §6.2.1 generic NACK; draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.
    case 205:
      return fmt === 1 ? 'nack' : fmt === 15 ? 'twcc' : 'other';
    // RFC 4585 §6.3.1 PLI, RFC 5104 §4.3.1 FIR, draft-alvestrand-rmcat-remb §2.2 REMB.
    case 206:
      return fmt === 1 ? 'pli' : fmt === 4 ? 'fir' : fmt === 15 ? 'remb' : 'other';
    default:
      return 'other';
  }
}

export interface LossyNetOptions {
  /** Share of RTP/RTCP datagrams lost in each direction, 0..1. */
  readonly loss: number;
  /** Seed of the loss pattern (each direction has its own generator). */
  readonly seed: number;
  /**
   * Sees every RTP/RTCP datagram as it is sent or arrives, before the loss, and whether it
   * is dropped (the RTP header is in the clear in SRTP, RFC 3711 §3.1). It must not keep
   * `data`.
   */
  readonly observe?: (direction: 'sent' | 'received', data: Uint8Array, dropped: boolean) => void;
}

/** A receive bottleneck: `bitsPerSecond` drained from a queue of at most `queueMs`. */
export interface ReceiveCap {
  readonly bitsPerSecond: number;
  readonly queueMs: number;
}

/** Counters of a {@link LossyNet}, across its sockets. */
export interface LossyNetCounts {
  /** RTP/RTCP datagrams our side sent, and how many of them were dropped. */
  readonly sent: number;
  readonly sentDropped: number;
  /** RTP/RTCP datagrams that arrived for our side, and how many of them were dropped. */
  readonly received: number;
  readonly receivedDropped: number;
  /** Bytes of the received datagrams passed on (after loss and cap), all kinds. */
  readonly receivedBytesDelivered: number;
  /** Datagrams the receive cap dropped because its queue was full. */
  readonly capDropped: number;
  /** The RTCP our side sent (before loss), by the type of its first packet. */
  readonly rtcpSent: Readonly<Record<RtcpKind, number>>;
}

export interface LossyNet extends Net {
  readonly counts: LossyNetCounts;
  /** Puts a bottleneck in front of every datagram received from now on (`undefined`: none). */
  setReceiveCap(cap: ReceiveCap | undefined): void;
}

/** Wraps `net`: every UDP socket it binds loses `options.loss` of RTP/RTCP both ways. */
export function lossyNet(net: Net, options: LossyNetOptions): LossyNet {
  const sendRandom = new Prng(options.seed);
  const receiveRandom = new Prng(options.seed ^ 0x5bd1e995);
  const loss = options.loss;
  let cap: ReceiveCap | undefined;
  const rtcpSent: Record<RtcpKind, number> = {
    sr: 0,
    rr: 0,
    nack: 0,
    twcc: 0,
    pli: 0,
    fir: 0,
    remb: 0,
    other: 0,
  };
  const counts = {
    sent: 0,
    sentDropped: 0,
    received: 0,
    receivedDropped: 0,
    receivedBytesDelivered: 0,
    capDropped: 0,
    rtcpSent,
  };
  return {
    counts,
    setReceiveCap: (next) => {
      cap = next;
    },
    interfaces: () => net.interfaces(),
    connectTcp: (o, handlers) => net.connectTcp(o, handlers),
    listenTcp: (o) => net.listenTcp(o),
    bindUdp: async (bind) => {
      // The bottleneck: when the link is busy until, and the deliveries it has scheduled.
      let busyUntil = 0;
      const pending = new Set<ReturnType<typeof setTimeout>>();
      let closed = false;
      const deliver = (data: Buffer, from: SocketAddress) => {
        counts.receivedBytesDelivered += data.length;
        bind.onMessage(data, from);
      };
      const socket = await net.bindUdp({
        ...bind,
        onMessage: (data, from) => {
          if (isRtpOrRtcp(data)) {
            counts.received++;
            const dropped = receiveRandom.next() < loss;
            options.observe?.('received', data, dropped);
            if (dropped) {
              counts.receivedDropped++;
              return;
            }
          }
          if (cap === undefined) return deliver(data, from);
          // Serialized at the cap's rate behind what is queued; tail drop past queueMs.
          const now = performance.now();
          const start = Math.max(now, busyUntil);
          if (start - now > cap.queueMs) {
            counts.capDropped++;
            return;
          }
          busyUntil = start + ((data.length + 28) * 8 * 1000) / cap.bitsPerSecond;
          // The handler's buffer and address are valid only during the call: copies wait.
          const copy = Buffer.from(data);
          const address = { address: from.address, port: from.port, family: from.family };
          const timer = setTimeout(() => {
            pending.delete(timer);
            if (!closed) deliver(copy, address);
          }, busyUntil - now);
          pending.add(timer);
        },
      });
      const wrapped: UdpSocket = {
        get localAddress() {
          return socket.localAddress;
        },
        get closed() {
          return socket.closed;
        },
        get stats() {
          return socket.stats;
        },
        send: (data, port, address) => {
          if (isRtpOrRtcp(data)) {
            counts.sent++;
            if (isRtcp(data)) rtcpSent[rtcpKind(data)]++;
            const dropped = sendRandom.next() < loss;
            options.observe?.('sent', data, dropped);
            if (dropped) {
              counts.sentDropped++;
              return;
            }
          }
          socket.send(data, port, address);
        },
        addMembership: (group, iface) => socket.addMembership(group, iface),
        dropMembership: (group, iface) => socket.dropMembership(group, iface),
        close: () => {
          closed = true;
          for (const timer of pending) clearTimeout(timer);
          pending.clear();
          return socket.close();
        },
      };
      return wrapped;
    },
  };
}
