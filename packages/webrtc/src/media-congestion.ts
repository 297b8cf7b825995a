/**
 * Congestion control of one connection's media (issue 20 item 2), owned by its
 * `MediaSession`: as a receiver, TWCC feedback of the peer's packets (or REMB to a peer
 * without `transport-cc`); as a sender, the pacer every RTP packet leaves through, the GCC
 * estimate from the peer's TWCC (or its REMB), shared among the senders and told to each
 * local track as its `targetBitrate`. It keeps no timer: the session asks
 * {@link CongestionControl.nextDeadline}, then calls {@link CongestionControl.flush} and sends
 * {@link CongestionControl.feedbackDue} through its RTCP reporter.
 */
import {
  type OutboundRtpStream,
  type PacedPacketKind,
  Pacer,
  type PaddingPacket,
  type ProbeCluster,
  ProbeController,
  parseRtp,
  RembEstimator,
  type RtcpPacket,
  type RtpPacket,
  readAbsSendTime,
  readTransportSequenceNumber,
  rtpExtensionIds,
  SendSideBandwidthEstimator,
  TransportSequenceCounter,
  TwccRecorder,
  writeTransportSequenceNumber,
} from '@x/rtp';
import { trackControl } from './media-stream-track.js';
import { type ReceiverState, type SenderState, sendersOf } from './rtp-state.js';
import type { SdpCodec, SdpHeaderExtension } from './sdp/rtp-media.js';

/** An audio sender's share of the estimate when its encoding sets no `maxBitrate`, bits/s. */
const AUDIO_SHARE_BPS = 64_000;
/** The probes' cap when a video sender sets no `maxBitrate` (libwebrtc's), bits/s. */
const DEFAULT_PROBE_MAX_BPS = 5_000_000;

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

/**
 * The transport-wide counter the streams write with: a placeholder, since the number a packet
 * carries is the one it leaves with (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2,
 * as libwebrtc numbers a packet when its pacer releases it), written by
 * {@link CongestionControl.send} in the order packets go on the wire.
 */
class NumberedOnRelease extends TransportSequenceCounter {
  override take(): number {
    return 0;
  }
}

/** A packet waiting in the pacer, with the id of its transport-wide number's element. */
export interface OutgoingPacket {
  readonly bytes: Uint8Array;
  readonly twccId: number | undefined;
}

/**
 * The rate a connection's senders put in over the last second (100 ms slots), or since they
 * began when that is shorter: a stream that starts (or starts again after a pause) counts at
 * its own rate at once, not a second later, so that the pacing never holds it back meanwhile.
 */
class RecentRate {
  private readonly slots = new Float64Array(10);
  private sum = 0;
  private slotStart = Number.NEGATIVE_INFINITY;
  private index = 0;
  /** When the bytes counted now began to come (after a second or more of none). */
  private since = 0;

  add(bytes: number, nowMs: number): void {
    this.advance(nowMs);
    if (this.sum === 0) this.since = nowMs;
    this.slots[this.index]! += bytes;
    this.sum += bytes;
  }

  /** Bits/s at `nowMs`. */
  bps(nowMs: number): number {
    this.advance(nowMs);
    // At least 100 ms: a burst that begins the activity (a first keyframe) is still spread.
    const window = Math.min(1000, Math.max(100, nowMs - this.since));
    return (this.sum * 8 * 1000) / window;
  }

  private advance(nowMs: number): void {
    if (nowMs < this.slotStart + 100) return;
    const steps = Math.min(10, Math.floor((nowMs - this.slotStart) / 100));
    for (let i = 0; i < steps; i++) {
      this.index = (this.index + 1) % 10;
      this.sum -= this.slots[this.index]!;
      this.slots[this.index] = 0;
    }
    if (steps === 10) this.sum = 0;
    this.slotStart = steps === 10 ? nowMs : this.slotStart + steps * 100;
  }
}

/** Congestion control of one connection (see the module comment). */
export class CongestionControl {
  /** What the streams number their packets with (see {@link NumberedOnRelease}). */
  readonly streamSequence: TransportSequenceCounter = new NumberedOnRelease();
  /** The connection's transport-wide numbers, taken as packets leave. */
  private readonly sequence = new TransportSequenceCounter();
  /**
   * Spreads the packets of a burst (a keyframe) at 2.5 × the rate (libwebrtc's pacing factor),
   * audio first, then retransmissions, then video; exists once a sender negotiated TWCC.
   */
  private pacer: Pacer<OutgoingPacket> | undefined;
  /** The senders' maximum last told to the probes (see `probeRaisedMaximum`). */
  private probedMax: number | undefined;
  /** What went into the pacer lately: the pacing never holds back less than that. */
  private readonly input = new RecentRate();
  /**
   * Bandwidth probes (libwebrtc's initial 3× and 6× the start estimate, then 2× a result that
   * reached its probe): without them the estimate climbs from 300 kb/s by 8 % a second.
   */
  private probes: ProbeController | undefined;
  /** The send-side bandwidth estimate (GCC from the peer's TWCC feedback), once we send with it. */
  private bwe: SendSideBandwidthEstimator | undefined;
  /** Arrivals of the peer's packets by transport-wide sequence number, for our TWCC feedback. */
  private twcc: TwccRecorder | undefined;
  /** Our receive-side estimate for a peer that negotiated REMB and not TWCC. */
  private remb: RembEstimator | undefined;
  /** The peer's last REMB when we have no TWCC estimate of our own (bits/s). */
  private rembBps: number | undefined;

  /**
   * @param senders - the connection's senders that have a stream (none once it closed).
   * @param sendRtp - puts an RTP packet on the wire (the Manager protects it).
   * @param padding - padding-only packets of about `bytes` in all for a probe with too little
   *   media queued (none when no stream can make them).
   */
  constructor(
    private readonly senders: () => Iterable<SenderState>,
    private readonly sendRtp: (bytes: Uint8Array) => void,
    private readonly padding: (bytes: number) => OutgoingPacket[],
  ) {}

  /** When the pacer, the next TWCC feedback or REMB is due (ms); Infinity when none is. */
  nextDeadline(): number {
    return Math.min(
      this.pacer?.nextDeadline() ?? Number.POSITIVE_INFINITY,
      this.twcc?.nextDeadline() ?? Number.POSITIVE_INFINITY,
      this.remb?.nextDeadline() ?? Number.POSITIVE_INFINITY,
    );
  }

  /**
   * Sends an RTP packet of a stream of ours: through the pacer once one exists (what it lets
   * go now leaves at once, the rest at {@link CongestionControl.nextDeadline}), except a
   * `forwarded` one (`writeRtp()`), which keeps the timing its source paced it with and leaves
   * at once, as SFUs forward (pacing a forwarded stream again only delays it: measured,
   * 15–87 ms at p99 in the forwarding bench). Its transport-wide number, when `twccId` names
   * the element, is written as it leaves, so the numbers follow the wire order.
   */
  send(
    bytes: Uint8Array,
    kind: PacedPacketKind | 'forwarded',
    twccId: number | undefined,
    now: number,
  ): void {
    const pacer = this.pacer;
    if (pacer === undefined || kind === 'forwarded') {
      this.release(bytes, twccId, now);
      if (pacer !== undefined) this.startProbing(pacer, now);
      return;
    }
    this.input.add(bytes.length, now);
    // The pace follows the estimate, and never a rate below what the senders put in lately:
    // a forwarded stream's rate is the source's, and pacing slower would only queue it.
    const estimate = this.bwe?.targetBitrateBps ?? this.rembBps ?? 0;
    pacer.setTargetBitrate(Math.max(estimate, this.input.bps(now), 1));
    pacer.enqueue({ bytes, twccId }, bytes.length, kind, now);
    this.startProbing(pacer, now);
    this.flush(now);
  }

  /** The first media to send: the path can carry it, the initial probes go. */
  private startProbing(pacer: Pacer<OutgoingPacket>, now: number): void {
    if (this.probes !== undefined || this.bwe === undefined) return;
    // Probes again 5 s after the last, so a path whose capacity came back is found at once.
    this.probes = new ProbeController({
      startBitrateBps: this.bwe.targetBitrateBps,
      periodicIntervalMs: 5000,
    });
    this.probe(this.probes.onNetworkAvailable(now), now);
    if (pacer.nextDeadline() !== undefined) this.flush(now);
  }

  /** Hands probe clusters to the pacer (a probe sends on top of the pacing, never holds it). */
  private probe(clusters: readonly ProbeCluster[], now: number): void {
    for (const c of clusters) this.pacer?.probe(c, now);
  }

  /** When the pacer next lets a packet go (ms), or undefined when it holds none. */
  pacerDeadline(): number | undefined {
    return this.pacer?.nextDeadline();
  }

  /** Sends what the pacer lets go at `now`. */
  flush(now: number): void {
    const pacer = this.pacer;
    if (pacer === undefined) return;
    this.probes?.process(now);
    for (const p of pacer.processPackets(now))
      this.release(p.packet.bytes, p.packet.twccId, now, p.probeClusterId);
  }

  /**
   * A packet leaves: it takes the next transport-wide number, the estimate notes it (size and
   * time, for the peer's TWCC feedback to be matched), and it goes on the wire.
   */
  private release(
    bytes: Uint8Array,
    twccId: number | undefined,
    now: number,
    probeClusterId?: number,
  ): void {
    if (twccId !== undefined) {
      const packet = parseRtp(bytes);
      if (typeof packet !== 'string') {
        const seq = this.sequence.take();
        if (writeTransportSequenceNumber(packet, twccId, seq))
          this.bwe?.onPacketSent({
            transportSequenceNumber: seq,
            sizeBytes: bytes.length,
            sendTimeMs: now,
            probeClusterId,
          });
      }
    }
    this.sendRtp(bytes);
  }

  /** The pacer asks for padding to fill a probe. */
  private pad(bytes: number): PaddingPacket<OutgoingPacket>[] {
    return this.padding(bytes).map((packet) => ({
      packet,
      sizeBytes: packet.bytes.length,
    }));
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
   * The id of the transport-wide number's element on `sender`'s packets, when it negotiated
   * one. A codec that negotiated `transport-cc` with it makes the connection estimate from
   * the peer's feedback, and pace.
   */
  transportSequenceIdFor(sender: SenderState, codec: SdpCodec): number | undefined {
    const id = rtpExtensionIds(sender.headerExtensions).transportSequenceNumber;
    if (id === undefined || !codec.rtcpFeedback.some((f) => f.type === 'transport-cc')) return id;
    this.bwe ??= new SendSideBandwidthEstimator();
    this.pacer ??= new Pacer<OutgoingPacket>({
      targetBitrateBps: this.bwe.targetBitrateBps,
      padding: (bytes) => this.pad(bytes),
    });
    return id;
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
    if (packet.kind === 'twcc') {
      bwe.onTransportFeedback(packet, now);
      if (this.probes !== undefined)
        this.probe(this.probes.onEstimate(bwe.targetBitrateBps, now), now);
    } else if (packet.kind === 'remb') bwe.onRemb(packet.bitrate, now);
    else if (packet.kind === 'rr' || packet.kind === 'sr') {
      const rtt = stream.remoteInbound?.roundTripTime;
      if (rtt !== undefined) bwe.onRoundTripTime(rtt * 1000);
      return;
    } else return;
    this.allocate();
    this.probeRaisedMaximum(now);
  }

  /**
   * The most the senders may send (the sum of their encodings' `maxBitrate`, 64 kb/s for an
   * audio sender without one; 5 Mb/s, the probes' own cap, once a video sender has none):
   * when it rises above the estimate (`setParameters()` raised a cap), one probe at it finds
   * whether the path carries it, instead of a climb of 8 % a second.
   */
  private probeRaisedMaximum(now: number): void {
    const probes = this.probes;
    if (probes === undefined) return;
    let max = 0;
    for (const s of this.senders()) {
      if (s.track === null) continue;
      const cap = s.encodings[0]?.maxBitrate;
      max += cap ?? (s.kind === 'audio' ? AUDIO_SHARE_BPS : DEFAULT_PROBE_MAX_BPS);
    }
    max = Math.min(max, DEFAULT_PROBE_MAX_BPS);
    if (max <= 0 || max === this.probedMax) return;
    this.probedMax = max;
    this.probe(probes.setMaxBitrate(max, now), now);
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
