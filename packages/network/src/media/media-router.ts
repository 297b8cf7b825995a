/**
 * The Manager's media path (RFC 7983, RFC 5761, RFC 8843 §9.2): SRTP/SRTCP on the bundled
 * transport, keyed from DTLS-SRTP, incoming RTP handed to the sink the generator gave for its
 * stream, incoming RTCP to the stream it is about, outgoing RTP and RTCP protected and sent.
 * Bad input never throws: it is dropped, counted in {@link MediaStats} and logged.
 */
import { debuglog } from 'node:util';
import type { DtlsTransport, SrtpProtectionProfile } from '@x/dtls';
import {
  isRtcpParseFailure,
  isRtpParseFailure,
  parseRtcp,
  parseRtp,
  type RtcpPacket,
  type RtpPacket,
  readMid,
  readRepairedRid,
  readRid,
} from '@x/rtp';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeyingMaterialLength,
  SrtpProfile,
  SrtpSession,
  type SrtpSessionStats,
  srtpKeysFromDtls,
} from '@x/srtp';
import { mapSrtpProfile } from './map-srtp.js';
import type {
  IncomingStream,
  MediaGenerator,
  MediaOptions,
  MediaRoutes,
  MediaSink,
  MediaStats,
  SendStreamFeedback,
} from './media-types.js';

const log = debuglog('x:network');

/** Default of {@link MediaOptions.maxUnsignaledStreams}. */
export const DEFAULT_MAX_UNSIGNALED_STREAMS = 32;
/** SSRCs whose stream was declined, remembered at most (so the generator is asked once each). */
const MAX_DECLINED = 1024;

/** RFC 5761 §4: RTCP packet types 192–223 share the second byte with RTP payload types 64–95. */
export function isRtcp(datagram: Uint8Array): boolean {
  const type = datagram[1];
  return type !== undefined && type >= 192 && type <= 223;
}

interface BoundStream {
  readonly sink: MediaSink;
  readonly signaled: boolean;
}

/** What the router needs of its Manager. */
export interface MediaRouterHost {
  /** Sends a protected datagram on the selected pair; false when there is none. */
  sendOnPair(datagram: Uint8Array): boolean;
  /** Reports a throwing handler (the sink or the generator). */
  handlerThrew(error: unknown): void;
}

/** @internal Owned by the Manager. */
export class MediaRouter {
  private srtp: SrtpSession | undefined;
  /** Derives {@link MediaRouter.srtp} from DTLS, set by `key()` until the first use. */
  private derive: (() => void) | undefined;
  private profile: SrtpProfile | undefined;
  private routes: MediaRoutes = {};
  private readonly streams = new Map<number, BoundStream>();
  private unsignaled = 0;
  private readonly declined = new Set<number>();
  private readonly sending = new Map<number, SendStreamFeedback>();
  private readonly maxUnsignaled: number;
  private closed = false;
  private readonly counts = {
    rtpReceived: 0,
    rtcpReceived: 0,
    rtpSent: 0,
    rtcpSent: 0,
    dropped: {
      unkeyed: 0,
      srtp: 0,
      malformed: 0,
      unwanted: 0,
      tooManyStreams: 0,
      unknownSsrc: 0,
    },
  };

  constructor(
    private readonly host: MediaRouterHost,
    private readonly generator: MediaGenerator | undefined,
    options: MediaOptions = {},
  ) {
    this.maxUnsignaled = options.maxUnsignaledStreams ?? DEFAULT_MAX_UNSIGNALED_STREAMS;
  }

  /** SRTP is keyed (or will be on first use): media can flow. */
  get keyed(): boolean {
    return this.srtp !== undefined || this.derive !== undefined;
  }

  /** Replaces what the remote description says about where RTP goes. */
  setRoutes(routes: MediaRoutes): void {
    this.routes = routes;
  }

  /**
   * Keys SRTP from the DTLS exporter (RFC 5764 §4.2) once DTLS is connected, with the profile
   * `use_srtp` negotiated; nothing happens when none was (the peer does no media).
   */
  key(dtls: DtlsTransport, role: 'client' | 'server', negotiated: SrtpProtectionProfile): void {
    if (this.closed) return;
    const profile = mapSrtpProfile(negotiated);
    this.profile = profile;
    // Derived on first use (the first SRTP datagram either way): a data-only connection never
    // pays for the exporter and the session keys, nor for its first AES context.
    this.derive = () => {
      const material = dtls.exportKeyingMaterial(
        DTLS_SRTP_EXPORTER_LABEL,
        dtlsSrtpKeyingMaterialLength(profile),
      );
      this.start(
        new SrtpSession({ profile, ...srtpKeysFromDtls(material, profile, role) }),
        profile,
      );
      log('SRTP keyed: %s, DTLS %s', SrtpProfile[profile], role);
    };
  }

  /**
   * Drops the SRTP keys (a DTLS restart: new ones come with the new association's `key()`);
   * meanwhile nothing is sent and what arrives is dropped as `unkeyed`. The streams and their
   * sinks stay.
   */
  unkey(): void {
    this.srtp = undefined;
    this.derive = undefined;
    this.profile = undefined;
  }

  /** The SRTP session, derived now if it is due; undefined before `key()` or when it failed. */
  private session(): SrtpSession | undefined {
    const derive = this.derive;
    if (this.srtp === undefined && derive !== undefined) {
      this.derive = undefined;
      try {
        derive();
      } catch (error) {
        // DTLS ended before the first media: nothing can flow any more.
        log('keying SRTP failed: %s', error);
      }
    }
    return this.srtp;
  }

  /** Starts the media path on a keyed SRTP session (what {@link MediaRouter.key} does). */
  start(session: SrtpSession, profile: SrtpProfile): void {
    if (this.closed) return;
    this.srtp = session;
    this.profile = profile;
  }

  /** One RTP or RTCP datagram from the pair (RFC 7983: first byte 128–191). */
  receive(datagram: Uint8Array): void {
    const srtp = this.closed ? undefined : this.session();
    if (srtp === undefined || this.closed) {
      this.counts.dropped.unkeyed++;
      log('dropped an S(R)TP datagram of %d bytes: SRTP is not keyed', datagram.byteLength);
      return;
    }
    if (isRtcp(datagram)) this.receiveRtcp(srtp, datagram);
    else this.receiveRtp(srtp, datagram);
  }

  private receiveRtp(srtp: SrtpSession, datagram: Uint8Array): void {
    const plain = srtp.unprotectRtp(datagram);
    if (plain === undefined) {
      this.counts.dropped.srtp++;
      return;
    }
    const packet = parseRtp(plain);
    if (isRtpParseFailure(packet)) {
      this.counts.dropped.malformed++;
      log('dropped an RTP packet: %s', packet);
      return;
    }
    this.counts.rtpReceived++;
    const bound = this.streams.get(packet.ssrc) ?? this.bind(packet);
    if (bound === undefined) {
      // No SRTP state is kept for a stream nobody takes: the session's table of remote SSRCs
      // holds the streams in use, and a flood of dropped ones cannot fill it.
      srtp.deleteRemoteStream(packet.ssrc);
      return;
    }
    try {
      bound.sink.onRtp(packet);
    } catch (error) {
      this.host.handlerThrew(error);
    }
  }

  /** The first packet of an SSRC: which section, then the generator (once per SSRC). */
  private bind(packet: RtpPacket): BoundStream | undefined {
    const ssrc = packet.ssrc;
    if (this.declined.has(ssrc)) {
      this.counts.dropped.unwanted++;
      return undefined;
    }
    const { extensionIds: ids, ssrcs, payloadTypes } = this.routes;
    const signaledMid = ssrcs?.get(ssrc);
    const signaled = signaledMid !== undefined;
    if (!signaled && this.unsignaled >= this.maxUnsignaled) {
      this.counts.dropped.tooManyStreams++;
      log('dropped RTP of SSRC %d: already %d unsignaled streams', ssrc, this.unsignaled);
      return undefined;
    }
    // RFC 8843 §9.2: the MID header extension first, then the signaled SSRC, then a payload
    // type that only one section uses.
    const mid = readMid(packet, ids?.mid) ?? signaledMid ?? payloadTypes?.get(packet.payloadType);
    const stream: IncomingStream = {
      ssrc,
      payloadType: packet.payloadType,
      mid,
      rid: readRid(packet, ids?.rid),
      repairedRid: readRepairedRid(packet, ids?.repairedRid),
      signaled,
    };
    let sink: MediaSink | undefined;
    try {
      sink = this.generator?.(stream);
    } catch (error) {
      this.host.handlerThrew(error);
    }
    // The generator may have closed everything (user code may call anything from it).
    if (this.closed) return undefined;
    if (sink === undefined) {
      if (this.declined.size >= MAX_DECLINED) this.declined.clear();
      this.declined.add(ssrc);
      this.counts.dropped.unwanted++;
      log('no sink for SSRC %d (mid %s, pt %d): dropped', ssrc, mid, packet.payloadType);
      return undefined;
    }
    const bound = { sink, signaled };
    this.streams.set(ssrc, bound);
    if (!signaled) this.unsignaled++;
    return bound;
  }

  private receiveRtcp(srtp: SrtpSession, datagram: Uint8Array): void {
    const plain = srtp.unprotectRtcp(datagram);
    if (plain === undefined) {
      this.counts.dropped.srtp++;
      return;
    }
    const packets = parseRtcp(plain);
    if (isRtcpParseFailure(packets)) {
      this.counts.dropped.malformed++;
      log('dropped an RTCP compound: %s', packets);
      return;
    }
    this.counts.rtcpReceived++;
    for (const packet of packets) this.routeRtcp(packet);
  }

  /** RTCP about a stream the peer sends goes to its sink; about one we send, to its sender. */
  private routeRtcp(packet: RtcpPacket): void {
    let routed = false;
    const toIncoming = (ssrc: number): void => {
      const stream = this.streams.get(ssrc);
      if (stream?.sink.onRtcp === undefined) return;
      routed = true;
      try {
        stream.sink.onRtcp(packet);
      } catch (error) {
        this.host.handlerThrew(error);
      }
    };
    const toSending = (ssrc: number): void => {
      const feedback = this.sending.get(ssrc);
      if (feedback === undefined) return;
      routed = true;
      try {
        feedback(packet);
      } catch (error) {
        this.host.handlerThrew(error);
      }
    };
    switch (packet.kind) {
      case 'sr':
        toIncoming(packet.ssrc);
        for (const block of packet.reports) toSending(block.ssrc);
        break;
      case 'rr':
        for (const block of packet.reports) toSending(block.ssrc);
        break;
      case 'sdes':
        for (const chunk of packet.chunks) toIncoming(chunk.ssrc);
        break;
      case 'bye':
        for (const ssrc of packet.ssrcs) toIncoming(ssrc);
        break;
      case 'nack':
      case 'pli':
        toSending(packet.mediaSsrc);
        break;
      case 'twcc':
        // Transport-wide: about every stream we send. Its media SSRC is one of ours for
        // libwebrtc, 0 for others: then the first stream we send takes it.
        toSending(packet.mediaSsrc);
        if (!routed) {
          const first = this.sending.keys().next();
          if (!first.done) toSending(first.value);
        }
        break;
      case 'fir':
        for (const entry of packet.entries) toSending(entry.ssrc);
        break;
      case 'remb':
        for (const ssrc of packet.ssrcs) toSending(ssrc);
        break;
      case 'xr':
      case 'app':
        toIncoming(packet.ssrc);
        break;
      case 'unknown':
      case 'malformed':
        break;
    }
    if (!routed) {
      this.counts.dropped.unknownSsrc++;
      log('RTCP %s about no stream we know: dropped', packet.kind);
    }
  }

  /** Registers one of our outgoing SSRCs; the peer's feedback about it goes to `feedback`. */
  addSendStream(ssrc: number, feedback: SendStreamFeedback): void {
    this.sending.set(ssrc, feedback);
  }

  /** Forgets an outgoing SSRC. */
  removeSendStream(ssrc: number): void {
    this.sending.delete(ssrc);
  }

  /** Forgets an incoming stream (its SSRC can start a new one). */
  removeStream(ssrc: number): void {
    const bound = this.streams.get(ssrc);
    if (bound === undefined) return;
    this.streams.delete(ssrc);
    if (!bound.signaled) this.unsignaled--;
    this.srtp?.deleteRemoteStream(ssrc);
  }

  /** Protects and sends one RTP packet; false before SRTP is keyed or without a pair. */
  sendRtp(packet: Uint8Array): boolean {
    const srtp = this.closed ? undefined : this.session();
    if (srtp === undefined) return false;
    if (!this.host.sendOnPair(srtp.protectRtp(packet))) return false;
    this.counts.rtpSent++;
    return true;
  }

  /** Protects and sends one RTCP compound; false before SRTP is keyed or without a pair. */
  sendRtcp(compound: Uint8Array): boolean {
    const srtp = this.closed ? undefined : this.session();
    if (srtp === undefined) return false;
    if (!this.host.sendOnPair(srtp.protectRtcp(compound))) return false;
    this.counts.rtcpSent++;
    return true;
  }

  /** Counters, read now. */
  get stats(): MediaStats {
    const c = this.counts;
    return {
      srtpProfile: this.profile === undefined ? undefined : SrtpProfile[this.profile],
      rtpReceived: c.rtpReceived,
      rtcpReceived: c.rtcpReceived,
      rtpSent: c.rtpSent,
      rtcpSent: c.rtcpSent,
      streams: this.streams.size,
      dropped: { ...c.dropped },
    };
  }

  /** The SRTP session's own counters (drops by reason), once keyed. */
  get srtpStats(): SrtpSessionStats | undefined {
    return this.srtp?.stats;
  }

  /** Stops everything: no packet in or out from now on. */
  close(): void {
    this.closed = true;
    this.derive = undefined;
    this.streams.clear();
    this.sending.clear();
    this.declined.clear();
    this.unsignaled = 0;
  }
}
