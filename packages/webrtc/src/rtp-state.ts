/**
 * The state of the RTP objects (webrtc-pc §5: the internal slots of `RTCRtpSender`,
 * `RTCRtpReceiver` and `RTCRtpTransceiver`). The W3C objects read it through getters; it is
 * written by their own methods (a user's call) and by the peer connection's negotiation
 * (`transceivers.ts`), never from a packet handler except the receive counters of
 * {@link ReceiverState.streams}.
 */
import type { InboundRtpStream, OutboundRtpStream } from '@x/rtp';
import type { Clock } from '@x/transport';
import type { MediaSession } from './media-session.js';
import type { MediaStream } from './media-stream.js';
import type { MediaStreamTrack, MediaStreamTrackKind } from './media-stream-track.js';
import type { ReceiveLayers } from './receive-layers.js';
import type { RTCDtlsTransport } from './rtc-transports.js';
import type { RTCRtpEncodingParameters, RTCRtpSendParameters } from './rtp-parameters.js';
import type { SdpCodec, SdpHeaderExtension } from './sdp/rtp-media.js';
import type { RTCPeerConnectionState } from './state/states.js';
import type { RTCRtpTransceiverDirection } from './rtp-parameters.js';

/** What the RTP objects ask of their peer connection. */
export interface RtpHost {
  /** [[IsClosed]]. */
  readonly closed: boolean;
  /** "Chain an operation" (`replaceTrack()`). */
  enqueue<T>(operation: () => Promise<T>): Promise<T>;
  /** "Update the negotiation-needed flag". */
  updateNegotiationNeeded(): void;
  /** The clock's now, in ms (sources' timestamps). */
  now(): number;
  /** The connection's clock (the DTMF playout's timers). */
  readonly clock: Clock;
  /** The connection's [[ConnectionState]] ("determine if DTMF can be sent"). */
  readonly connectionState: RTCPeerConnectionState;
  /** Tells the Manager to forget an incoming stream (a stopped receiver takes no more RTP). */
  forgetIncomingStream(ssrc: number): void;
  /** The `inbound-rtp`/`outbound-rtp` entries of one sender or receiver (`getStats()`). */
  stats(of: SenderState | ReceiverState): Promise<Map<string, Record<string, unknown>>>;
  /** The connection's media: the streams, reports and timer behind its tracks. */
  readonly media: MediaSession;
}

/** [[SenderTrack]], [[SendEncodings]], [[LastReturnedParameters]], ... */
export interface SenderState {
  readonly host: RtpHost;
  readonly kind: MediaStreamTrackKind;
  /** [[SenderTrack]]: set with {@link setSenderTrack} only (it keeps the track's index). */
  readonly track: MediaStreamTrack | null;
  /** [[AssociatedMediaStreamIds]]. */
  streamIds: string[];
  encodings: RTCRtpEncodingParameters[];
  lastReturned: RTCRtpSendParameters | null;
  /**
   * The SSRCs of its first encoding (chosen at random when it is made): {@link SenderState.layers}[0]'s.
   * The other encodings of a simulcast sender have their own.
   */
  readonly ssrc: number;
  readonly rtxSsrc: number;
  /**
   * One RTP stream per encoding, in the order of {@link SenderState.encodings} (webrtc-pc: each
   * encoding of [[SendEncodings]] is an RTP stream; RFC 8853 simulcast sends several): its
   * SSRCs, its rid and its counters. A negotiation that keeps fewer encodings keeps as many.
   */
  layers: SendLayer[];
  readonly cname: string;
  /** The track id of `a=msid` while no track is attached (RFC 8830 needs one). */
  readonly msidTrackId: string;
  transport: RTCDtlsTransport | null;
  /** [[SendCodecs]] and the negotiated header extensions. */
  codecs: readonly SdpCodec[];
  headerExtensions: readonly SdpHeaderExtension[];
  /** Its share of the bandwidth estimate (bits/s), once there is one. */
  targetBitrate?: number;
  transceiver: TransceiverState | undefined;
  /** [[Dtmf]]'s playout (audio senders): stopped with the transceiver or the connection. */
  dtmf?: DtmfPlayout;
}

/** One encoding's RTP stream of a sender (an `outbound-rtp` of its own). */
export interface SendLayer {
  /** The encoding's rid (RFC 8851), sent in the RID header extension; none without simulcast. */
  readonly rid: string | undefined;
  readonly ssrc: number;
  /** Its RTX stream's SSRC (RFC 4588), whose packets carry the RepairedRtpStreamId. */
  readonly rtxSsrc: number;
  /** The RTP stream it sends on, once it sent (its counters, reports, round-trip time). */
  rtpStream?: OutboundRtpStream;
}

/** What the transceiver and the connection ask of a sender's DTMF playout. */
export interface DtmfPlayout {
  /** Ends the playout now: no more tone, packet, event or timer. */
  cancel(): void;
}

/** One incoming RTP stream of a receiver, with its counters. */
export interface InboundStream {
  readonly ssrc: number;
  readonly rid: string | undefined;
  /**
   * A repair stream (RTX, RFC 4588: its payload type is an `rtx` codec, or it has a
   * RepairedRtpStreamId): not a synchronization source nor an `inbound-rtp` of its own; its
   * packets count as retransmissions of the media stream (webrtc-stats).
   */
  readonly repair: boolean;
  payloadType: number;
  packetsReceived: number;
  bytesReceived: number;
  headerBytesReceived: number;
  /** Clock time of the last packet, and its RTP timestamp (getSynchronizationSources). */
  lastPacketAt: number;
  lastRtpTimestamp: number;
  /** Its jitter buffer and statistics (frames, losses, jitter), once a packet was taken. */
  rtpStream?: InboundRtpStream;
}

/** How long without RTP makes a live, unmuted remote track `silent` by default (ms). */
export const DEFAULT_SILENCE_TIMEOUT_MS = 2000;

/** [[ReceiverTrack]], [[ReceiveCodecs]], [[AssociatedRemoteMediaStreams]], ... */
export interface ReceiverState {
  readonly host: RtpHost;
  readonly kind: MediaStreamTrackKind;
  readonly track: MediaStreamTrack;
  transport: RTCDtlsTransport | null;
  codecs: readonly SdpCodec[];
  headerExtensions: readonly SdpHeaderExtension[];
  /** [[AssociatedRemoteMediaStreams]]. */
  streams: MediaStream[];
  /** webrtc-pc [[JitterBufferTarget]] (ms), for the jitter buffer of the next step. */
  jitterBufferTarget: number | null;
  /** How long without RTP makes its track `silent` (ms, an extension; 0: never). */
  silenceTimeout: number;
  /** The remote CNAME of the section (`a=ssrc:... cname:`), if signaled. */
  cname: string | undefined;
  /** The incoming streams the Manager handed to this receiver, by SSRC. */
  readonly inbound: Map<number, InboundStream>;
  /**
   * The simulcast layers it receives (the rids of our answer's `a=simulcast:recv`, RFC 8853),
   * and which one its track carries; no rids without simulcast.
   */
  readonly layers: ReceiveLayers;
  /** Clock time of each contributing source's last packet, by CSRC. */
  readonly contributors: Map<number, { at: number; rtpTimestamp: number }>;
  transceiver: TransceiverState | undefined;
}

/** The slots of one `RTCRtpTransceiver`. */
export interface TransceiverState {
  readonly host: RtpHost;
  readonly kind: MediaStreamTrackKind;
  mid: string | null;
  /** The m= line it is associated with in the current or pending descriptions. */
  mLineIndex: number | undefined;
  direction: RTCRtpTransceiverDirection;
  currentDirection: RTCRtpTransceiverDirection | null;
  /** [[FiredDirection]]: the direction the last applied remote description gave the track. */
  firedDirection: RTCRtpTransceiverDirection | null;
  /** [[Receptive]]: a description was applied in which we receive. */
  receptive: boolean;
  stopping: boolean;
  stopped: boolean;
  /** The sender was used to send ([[CurrentDirection]] was once sendrecv or sendonly). */
  hasSent: boolean;
  /** Made by setRemoteDescription (not by addTrack/addTransceiver): removable by a rollback. */
  createdByRemote: boolean;
  /** `addTrack()` made it or gave it its track (JSEP §5.10: a remote offer may take it). */
  fromAddTrack: boolean;
  /** [[PreferredCodecs]]: `[]` means our default order. */
  preferredCodecs: readonly SdpCodec[];
  readonly sender: SenderState;
  readonly receiver: ReceiverState;
}

/**
 * The senders of open connections that carry each local track: what a frame or a packet
 * written to the track goes to, found without walking every connection of the process.
 */
const sendersByTrack = new WeakMap<MediaStreamTrack, Set<SenderState>>();

/** The one writer of [[SenderTrack]]: sets it and keeps {@link sendersOf} in step. */
export function setSenderTrack(sender: SenderState, track: MediaStreamTrack | null): void {
  const previous = sender.track;
  if (previous === track) return;
  if (previous !== null) forgetSender(previous, sender);
  (sender as { track: MediaStreamTrack | null }).track = track;
  if (track !== null && !sender.host.closed) {
    let senders = sendersByTrack.get(track);
    if (senders === undefined) sendersByTrack.set(track, (senders = new Set()));
    senders.add(sender);
  }
}

/** The senders of open connections that carry `track` (none: an empty list). */
export function sendersOf(track: MediaStreamTrack): Iterable<SenderState> {
  return sendersByTrack.get(track) ?? [];
}

/**
 * A connection closed: its senders leave the index (their track stays theirs, as webrtc-pc
 * says, but nothing written to it goes to them any more).
 */
export function forgetSenders(senders: Iterable<SenderState>): void {
  for (const sender of senders) if (sender.track !== null) forgetSender(sender.track, sender);
}

function forgetSender(track: MediaStreamTrack, sender: SenderState): void {
  const senders = sendersByTrack.get(track);
  if (senders === undefined) return;
  senders.delete(sender);
  if (senders.size === 0) sendersByTrack.delete(track);
}
