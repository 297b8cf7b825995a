/**
 * Congestion control of one connection's media (issue 20 item 2), owned by its
 * `MediaSession`: as a receiver, TWCC feedback of the peer's packets (or REMB to a peer
 * without `transport-cc`); as a sender, the GCC estimate from the peer's TWCC (or its REMB),
 * shared among the senders and told to each local track as its `targetBitrate`. It keeps no
 * timer: the session asks {@link CongestionControl.nextDeadline} and sends
 * {@link CongestionControl.feedbackDue} through its RTCP reporter.
 */
import {
  type OutboundRtpStream,
  RembEstimator,
  type RtcpPacket,
  type RtpPacket,
  type RtpStage,
  readAbsSendTime,
  readTransportSequenceNumber,
  rtpExtensionIds,
  SendSideBandwidthEstimator,
  TwccRecorder,
} from '@x/rtp';
import { trackControl } from './media-stream-track.js';
import { type ReceiverState, type SenderState, sendersOf } from './rtp-state.js';
import type { SdpCodec, SdpHeaderExtension } from './sdp/rtp-media.js';

/** An audio sender's share of the estimate when its encoding sets no `maxBitrate`, bits/s. */
const AUDIO_SHARE_BPS = 64_000;

/**
 * The id of a header extension a receiver's section negotiated together with a kind of RTCP
 * feedback on one of its codecs (cached per negotiation: the arrays change with it):
 * `transportSequenceNumber` with `transport-cc` for TWCC, `absSendTime` with `goog-remb` for
 * REMB.
 */
function feedbackExtensionId(
  receiver: ReceiverState,
  cache: WeakMap<readonly SdpHeaderExtension[], number | undefined>,
  feedback: string,
  extension: 'transportSequenceNumber' | 'absSendTime',
): number | undefined {
  const extensions = receiver.headerExtensions;
  if (cache.has(extensions)) return cache.get(extensions);
  const id = receiver.codecs.some((c) => c.rtcpFeedback.some((f) => f.type === feedback))
    ? rtpExtensionIds(extensions)[extension]
    : undefined;
  cache.set(extensions, id);
  return id;
}
const twccIds = new WeakMap<readonly SdpHeaderExtension[], number | undefined>();
const twccExtensionId = (r: ReceiverState) =>
  feedbackExtensionId(r, twccIds, 'transport-cc', 'transportSequenceNumber');
const rembIds = new WeakMap<readonly SdpHeaderExtension[], number | undefined>();
const rembExtensionId = (r: ReceiverState) =>
  feedbackExtensionId(r, rembIds, 'goog-remb', 'absSendTime');

/** Congestion control of one connection (see the module comment). */
export class CongestionControl {
  /** The send-side bandwidth estimate (GCC from the peer's TWCC feedback), once we send with it. */
  private bwe: SendSideBandwidthEstimator | undefined;
  /** Arrivals of the peer's packets by transport-wide sequence number, for our TWCC feedback. */
  private twcc: TwccRecorder | undefined;
  /** Our receive-side estimate for a peer that negotiated REMB and not TWCC. */
  private remb: RembEstimator | undefined;
  /** The peer's last REMB when we have no TWCC estimate of our own (bits/s). */
  private rembBps: number | undefined;

  /** @param senders - the connection's senders that have a stream (none once it closed). */
  constructor(private readonly senders: () => Iterable<SenderState>) {}

  /** When the next TWCC feedback or REMB is due (ms); Infinity when none is. */
  nextDeadline(): number {
    return Math.min(
      this.twcc?.nextDeadline() ?? Number.POSITIVE_INFINITY,
      this.remb?.nextDeadline() ?? Number.POSITIVE_INFINITY,
    );
  }

  /** The TWCC feedback and the REMB due at `now`, to send (none: an empty list). */
  feedbackDue(now: number): RtcpPacket[] {
    const out: RtcpPacket[] = [];
    const twcc = this.twcc;
    if (twcc !== undefined && (twcc.nextDeadline() ?? Number.POSITIVE_INFINITY) <= now)
      out.push(...twcc.feedback(now));
    const remb = this.remb?.remb(now);
    if (remb !== undefined) out.push(remb);
    return out;
  }

  /**
   * The stage that tells the bandwidth estimate what left (each packet's transport-wide
   * number, size and time), for a sender whose codec negotiated `transport-cc` with the
   * transport-wide sequence number extension; none otherwise.
   */
  stagesFor(sender: SenderState, codec: SdpCodec): RtpStage[] {
    const id = rtpExtensionIds(sender.headerExtensions).transportSequenceNumber;
    if (id === undefined || !codec.rtcpFeedback.some((f) => f.type === 'transport-cc')) return [];
    const bwe = (this.bwe ??= new SendSideBandwidthEstimator());
    return [
      {
        name: 'send-side-bwe',
        rtpSent: (packet, nowMs) => {
          const seq = readTransportSequenceNumber(packet, id);
          if (seq === undefined) return;
          bwe.onPacketSent({
            transportSequenceNumber: seq,
            sizeBytes: packet.bytes.length,
            sendTimeMs: nowMs,
          });
        },
      },
    ];
  }

  /**
   * The peer's feedback about what we send: TWCC (draft-holmer-rmcat-transport-wide-cc-
   * extensions-01) and REMB (draft-alvestrand-rmcat-remb) move the estimate, a report block's
   * round-trip time tunes it; then the senders' shares follow.
   */
  onFeedback(stream: OutboundRtpStream, packet: RtcpPacket, now: number): void {
    const bwe = this.bwe;
    if (bwe === undefined) {
      // A peer that sends REMB and no TWCC (it did not negotiate `transport-cc`): its
      // estimate is ours.
      if (packet.kind !== 'remb') return;
      this.rembBps = packet.bitrate;
      this.allocate();
      return;
    }
    if (packet.kind === 'twcc') bwe.onTransportFeedback(packet, now);
    else if (packet.kind === 'remb') bwe.onRemb(packet.bitrate, now);
    else if (packet.kind === 'rr' || packet.kind === 'sr') {
      const rtt = stream.remoteInbound?.roundTripTime;
      if (rtt !== undefined) bwe.onRoundTripTime(rtt * 1000);
      return;
    } else return;
    this.allocate();
  }

  /**
   * Shares the estimate among the senders that send: an audio sender gets up to its
   * `maxBitrate` (64 kb/s without one), the video senders split the rest, each up to its own
   * `maxBitrate` (webrtc-pc encodings). A track's target is the smallest share among its
   * senders (one encoder feeds them all).
   */
  private allocate(): void {
    const estimate = this.bwe?.targetBitrateBps ?? this.rembBps;
    if (estimate === undefined) return;
    const senders = [...this.senders()].filter((s) => s.track !== null);
    const cap = (s: SenderState) => s.encodings[0]?.maxBitrate ?? Number.POSITIVE_INFINITY;
    let left = estimate;
    const audio = senders.filter((s) => s.kind === 'audio');
    const video = senders.filter((s) => s.kind === 'video');
    for (const s of audio) {
      s.targetBitrate = Math.min(cap(s), AUDIO_SHARE_BPS, left / senders.length);
      left -= s.targetBitrate;
    }
    for (const s of video) s.targetBitrate = Math.min(cap(s), Math.max(0, left) / video.length);
    for (const s of senders) {
      let bitrate = Number.POSITIVE_INFINITY;
      for (const other of sendersOf(s.track!))
        if (other.targetBitrate !== undefined) bitrate = Math.min(bitrate, other.targetBitrate);
      trackControl().setTargetBitrate(s.track!, Math.round(bitrate));
    }
  }

  /** The estimate toward the peer (bits/s): webrtc-stats `availableOutgoingBitrate`. */
  get availableOutgoingBitrate(): number | undefined {
    return this.bwe?.targetBitrateBps ?? this.rembBps;
  }

  /**
   * Notes the arrival of one of the peer's packets by its transport-wide sequence number,
   * when the receiver's section negotiated it with `transport-cc`: our TWCC feedback reports
   * them at the interval the recorder chooses (50 to 250 ms with the incoming rate).
   */
  recordArrival(receiver: ReceiverState, packet: RtpPacket, now: number): void {
    const id = twccExtensionId(receiver);
    if (id === undefined) {
      this.recordForRemb(receiver, packet, now);
      return;
    }
    const seq = readTransportSequenceNumber(packet, id);
    if (seq === undefined) return;
    // As libwebrtc: the media SSRC of the feedback is the first stream heard.
    this.twcc ??= new TwccRecorder({
      senderSsrc: receiver.transceiver?.sender.ssrc ?? 1,
      mediaSsrc: packet.ssrc,
    });
    this.twcc.record(seq, now, packet.bytes.length);
  }

  /**
   * REMB (draft-alvestrand-rmcat-remb) for a peer that negotiated `goog-remb` with the
   * abs-send-time extension but not `transport-cc` (libwebrtc's rule: TWCC when both): each
   * packet's arrival and send time feed our estimate, sent back every second and at once
   * when it falls by 3 %.
   */
  private recordForRemb(receiver: ReceiverState, packet: RtpPacket, now: number): void {
    const id = rembExtensionId(receiver);
    if (id === undefined) return;
    this.remb ??= new RembEstimator({ senderSsrc: receiver.transceiver?.sender.ssrc ?? 1 });
    this.remb.onPacket(packet.ssrc, readAbsSendTime(packet, id), now, packet.bytes.length);
  }
}
