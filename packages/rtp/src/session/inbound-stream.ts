/**
 * One RTP stream the peer sends (one SSRC): receive statistics (RFC 3550 Appendix A), the
 * jitter buffer that turns packets into complete frames, the peer's sender report and BYE,
 * and keyframe requests (RFC 4585 §6.3.1 PLI, RFC 5104 §4.3.1 FIR).
 */

import type { Depacketizer } from '../codecs/depacketizer.js';
import { depacketizerFor } from '../codecs/registry.js';
import { RtpConfigurationError } from '../errors.js';
import { log } from '../log.js';
import { type AudioLevel, readAudioLevel } from '../packet/extension-values.js';
import type { RtpPacket } from '../packet/rtp-packet.js';
import { ntpTimeToUnixMs } from '../rtcp/ntp.js';
import type { RtcpReportBlock } from '../rtcp/report-block.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import { SdesItemType } from '../rtcp/sdes.js';
import { JitterBuffer } from '../stream/jitter-buffer.js';
import type { JitterFrame, MissingPacket } from '../stream/jitter-buffer-options.js';
import { ReceiveStatistics } from '../stream/receive-statistics.js';
import type {
  InboundLastPacket,
  InboundPopOptions,
  InboundReceiveOptions,
  InboundReceiveResult,
  InboundRtpCounters,
  InboundRtpStreamOptions,
  InboundStreamBye,
  RemoteOutboundRtpCounters,
} from './inbound-options.js';
import { H264ParameterSets } from './h264-parameter-sets.js';
import { type MediaKind, type RtpStage, runStages } from './stage.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One stream the peer sends. Give it every RTP packet of its SSRC
 * ({@link InboundRtpStream.receive}) and the RTCP the peer sends about it
 * ({@link InboundRtpStream.receiveRtcp}: its SR, SDES and BYE); take complete frames, in
 * decode order, with {@link InboundRtpStream.pop} at {@link InboundRtpStream.nextDeadline}.
 * The {@link RtcpReporter} asks it for its report block.
 *
 * Frames are pulled, not pushed or iterated: like the jitter buffer inside, the stream is
 * driven by its owner with explicit times, so no user code runs while it changes state, one
 * timer (at `nextDeadline()`) is all it needs, it runs the same on the virtual clock, and the
 * owner decides the shape it hands on (an async iterator or a WHATWG `ReadableStream` over
 * `pop` in `@x/webrtc`, a plain loop in a recorder). Raw RTP is the packet given to `receive`:
 * forward it from there (with `depacketizer: false`, the stream keeps statistics only).
 *
 * ```ts
 * const video = new InboundRtpStream({ ssrc, clockRate: 90000, mimeType: 'video/VP8',
 *   targetLatencyMs: 100, sendFeedback: (p) => reporter.sendFeedback([p]) });
 * sink = { onRtp: (p) => { video.receive(p, clock.now()); drain(); },
 *          onRtcp: (p) => video.receiveRtcp(p, clock.now()) };
 * function drain() {
 *   for (const frame of video.pop(clock.now())) write(frame.data, frame.timestamp, frame.keyframe);
 *   if (video.keyframeNeeded) video.requestKeyframe();   // at your own pace
 *   const at = video.nextDeadline(); if (at !== undefined) clock.setTimeout(drain, at - clock.now());
 * }
 * ```
 */
export class InboundRtpStream {
  /** The peer's SSRC. */
  readonly ssrc: number;
  /** RTP clock rate in Hz. */
  readonly clockRate: number;
  /** Audio or video. */
  readonly kind: MediaKind;

  private readonly options: InboundRtpStreamOptions;
  private readonly statistics: ReceiveStatistics;
  private readonly jitterBuffer: JitterBuffer | undefined;
  private readonly stages: readonly RtpStage[];
  private readonly feedbackSsrc: number;
  private readonly parameterSets: H264ParameterSets | undefined;
  private firSequenceNumber = 0;
  private remote: Mutable<RemoteOutboundRtpCounters> | undefined;
  private byeValue: InboundStreamBye | undefined;
  private cnameValue: string | undefined;
  // The newest packet by RTP timestamp (see lastPacket), kept as fields: no object a packet.
  private lastArrivalMs: number | undefined;
  private lastRtpTimestamp = 0;
  private lastAudioLevel: AudioLevel | undefined;
  private stageErrorCount = 0;
  private readonly counters = {
    packetsReceived: 0,
    bytesReceived: 0,
    headerBytesReceived: 0,
    keyFramesReceived: 0,
    jitterBufferDelayMs: 0,
    lastPacketReceivedTimestamp: undefined as number | undefined,
    nackCount: 0,
    pliCount: 0,
    firCount: 0,
    wrongSsrc: 0,
  };

  /** Throws {@link RtpConfigurationError} for an option out of range or an unknown `mimeType`. */
  constructor(options: InboundRtpStreamOptions) {
    this.statistics = new ReceiveStatistics({ ssrc: options.ssrc, clockRate: options.clockRate });
    this.options = options;
    this.ssrc = options.ssrc;
    this.clockRate = options.clockRate;
    const top = options.mimeType?.split('/')[0]?.toLowerCase();
    this.kind = options.kind ?? (top === 'audio' ? 'audio' : 'video');
    const feedbackSsrc = options.feedbackSsrc ?? 1;
    if (!Number.isInteger(feedbackSsrc) || feedbackSsrc < 0 || feedbackSsrc > 0xffff_ffff) {
      throw new RtpConfigurationError(
        `InboundRtpStream: feedbackSsrc ${feedbackSsrc} is not a 32-bit unsigned integer`,
      );
    }
    this.feedbackSsrc = feedbackSsrc;
    let depacketizer: Depacketizer | undefined;
    if (options.depacketizer !== undefined) {
      depacketizer = options.depacketizer === false ? undefined : options.depacketizer;
    } else if (options.mimeType !== undefined) {
      depacketizer = depacketizerFor(options.mimeType);
      if (depacketizer === undefined) {
        throw new RtpConfigurationError(
          `InboundRtpStream: no depacketizer for ${options.mimeType}; give a depacketizer of your own, or false`,
        );
      }
    } else {
      throw new RtpConfigurationError(
        'InboundRtpStream: give a mimeType, a depacketizer, or depacketizer: false for RTP only',
      );
    }
    this.jitterBuffer =
      depacketizer === undefined
        ? undefined
        : new JitterBuffer({
            depacketizer,
            clockRate: options.clockRate,
            targetLatencyMs: options.targetLatencyMs ?? 0,
            requiresKeyframeAfterLoss: options.requiresKeyframeAfterLoss ?? this.kind === 'video',
            ...(options.maxPackets !== undefined ? { maxPackets: options.maxPackets } : {}),
            logId: String(options.ssrc),
          });
    this.stages = options.stages ?? [];
    const h264 = options.mimeType?.toLowerCase() === 'video/h264';
    this.parameterSets =
      this.jitterBuffer !== undefined && (options.h264ParameterSets ?? h264)
        ? new H264ParameterSets()
        : undefined;
  }

  /**
   * Takes one RTP packet of the stream that arrived at `arrivalMs`: counted, fed to the
   * receive statistics (RFC 3550 §A.1 validation, §A.3 loss, §A.8 jitter) and to the jitter
   * buffer, then to the stages. The buffer keeps the packet's payload (a view) until its
   * frame is released: give a copy if you reuse the packet's memory (the Manager's packets
   * own theirs). A packet of another SSRC is counted and dropped. Never throws.
   *
   * With `{ frames: false }` the packet is counted and in the statistics (so the report
   * blocks do not call it lost) but stays out of the jitter buffer: a payload of another
   * format on the stream's SSRC and numbering, such as RFC 4733 telephone events.
   */
  receive(
    packet: RtpPacket,
    arrivalMs: number,
    options: InboundReceiveOptions = {},
  ): InboundReceiveResult {
    if (packet.ssrc !== this.ssrc) {
      this.counters.wrongSsrc++;
      return 'wrong-ssrc';
    }
    const c = this.counters;
    c.packetsReceived++;
    const payloadSize = packet.payloadSize;
    c.bytesReceived += payloadSize;
    c.headerBytesReceived += packet.bytes.length - payloadSize;
    c.lastPacketReceivedTimestamp = arrivalMs;
    this.statistics.receive(packet.sequenceNumber, packet.timestamp, arrivalMs);
    const result =
      options.frames === false
        ? 'accepted'
        : (this.jitterBuffer?.push(packet, arrivalMs) ?? 'accepted');
    if (
      (result === 'accepted' || result === 'late') &&
      (this.lastArrivalMs === undefined || ((packet.timestamp - this.lastRtpTimestamp) | 0) >= 0)
    ) {
      this.lastArrivalMs = arrivalMs;
      this.lastRtpTimestamp = packet.timestamp;
      this.lastAudioLevel = readAudioLevel(packet, this.options.extensionIds?.audioLevel);
    }
    if (this.stages.length > 0 && (result === 'accepted' || result === 'out-of-window')) {
      this.runStages((s) => s.rtpReceived?.(packet, arrivalMs));
    }
    return result;
  }

  /**
   * The complete frames due at `nowMs`, in decode order (RTP timestamp, keyframe flag, and
   * `completeMs`, when the frame's last packet arrived). Never an incomplete frame. Empty
   * for a stream without depacketizer. With `deltaData: false`, delta frames come without
   * their data (see {@link InboundPopOptions}).
   */
  pop(nowMs: number, options: InboundPopOptions = {}): JitterFrame[] {
    if (this.jitterBuffer === undefined) return [];
    return this.released(this.jitterBuffer.pop(nowMs, options), nowMs);
  }

  /**
   * Every frame still releasable at `nowMs`, due or not (the peer's BYE ended the stream):
   * complete frames in decode order, as `pop` gives them. Empty without a depacketizer.
   */
  flush(nowMs: number): JitterFrame[] {
    if (this.jitterBuffer === undefined) return [];
    return this.released(this.jitterBuffer.flush(nowMs), nowMs);
  }

  /** Counts frames the jitter buffer released and completes H.264 keyframes' parameter sets. */
  private released(frames: JitterFrame[], nowMs: number): JitterFrame[] {
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame.keyframe) this.counters.keyFramesReceived++;
      this.counters.jitterBufferDelayMs += Math.max(0, nowMs - frame.firstArrivalMs);
      // Only keyframes carry parameter sets (the depacketizer calls an access unit with an SPS
      // a keyframe) or need them.
      if (this.parameterSets !== undefined && frame.keyframe) {
        const data = this.parameterSets.complete(frame.data);
        if (data !== frame.data) frames[i] = { ...frame, data };
      }
    }
    return frames;
  }

  /** When `pop` next has something to do (ms), or `undefined` until the next packet. */
  nextDeadline(): number | undefined {
    return this.jitterBuffer?.nextDeadline();
  }

  /**
   * How long a missing packet may still be repaired by a retransmission (ms from the arrival
   * that showed it missing): its frame is held that long even past its playout time (see
   * `JitterBufferOptions.repairMs`). A {@link NackGenerator} sets it from its retry schedule
   * and the round-trip time. Throws {@link RtpConfigurationError} unless finite and >= 0.
   */
  setRepairMs(ms: number): void {
    this.jitterBuffer?.setRepairMs(ms);
  }

  /** The sequence numbers the jitter buffer misses at `nowMs`: what a NACK generator asks for. */
  missing(nowMs: number): MissingPacket[] {
    return this.jitterBuffer?.missing(nowMs) ?? [];
  }

  /**
   * True while the jitter buffer waits for a keyframe (after an unrecoverable loss, or at the
   * start of a video stream): call {@link InboundRtpStream.requestKeyframe} at your own pace.
   */
  get keyframeNeeded(): boolean {
    return this.jitterBuffer?.keyframeNeeded ?? false;
  }

  /**
   * Asks the peer for a keyframe: a PLI (RFC 4585 §6.3.1), or a FIR (RFC 5104 §4.3.1) with
   * a new command sequence number when `keyframeRequest` is `'fir'`, through `sendFeedback`.
   * Returns the packet.
   */
  requestKeyframe(): RtcpPacket {
    let packet: RtcpPacket;
    if (this.options.keyframeRequest === 'fir') {
      // RFC 5104 §4.3.1.2: the sequence number grows by one for each new request (8 bits).
      const sequenceNumber = this.firSequenceNumber;
      this.firSequenceNumber = (sequenceNumber + 1) & 0xff;
      packet = {
        kind: 'fir',
        senderSsrc: this.feedbackSsrc,
        mediaSsrc: 0,
        entries: [{ ssrc: this.ssrc, sequenceNumber }],
      };
    } else {
      packet = { kind: 'pli', senderSsrc: this.feedbackSsrc, mediaSsrc: this.ssrc };
    }
    this.sendFeedback(packet);
    return packet;
  }

  /**
   * Sends a feedback packet about this stream through the `sendFeedback` option, counting
   * it (`nackCount`, `pliCount`, `firCount`): the way out for the stages (a NACK generator).
   */
  sendFeedback(packet: RtcpPacket): void {
    if (packet.kind === 'nack') this.counters.nackCount++;
    else if (packet.kind === 'pli') this.counters.pliCount++;
    else if (packet.kind === 'fir') this.counters.firCount++;
    this.options.sendFeedback?.(packet);
  }

  /**
   * Takes an RTCP packet the peer sent about this stream (what the Manager routes to a sink):
   * its SR (RFC 3550 §6.4.1: kept for the LSR/DLSR of our next report block and for
   * {@link InboundRtpStream.remoteOutbound}), its SDES CNAME, its BYE (§6.6: {@link InboundRtpStream.bye}). Then the stages.
   * Packets about other SSRCs are ignored. Never throws on what the peer sent.
   */
  receiveRtcp(packet: RtcpPacket, arrivalMs: number): void {
    switch (packet.kind) {
      case 'sr':
        if (packet.ssrc !== this.ssrc) return;
        this.senderReportReceived(packet, arrivalMs);
        break;
      case 'sdes':
        for (const chunk of packet.chunks) {
          if (chunk.ssrc !== this.ssrc) continue;
          for (const item of chunk.items) {
            if (item.type === SdesItemType.CNAME) this.cnameValue = item.text;
          }
        }
        break;
      case 'bye':
        if (!packet.ssrcs.includes(this.ssrc)) return;
        this.byeValue = {
          ...(packet.reason !== undefined ? { reason: packet.reason } : {}),
          arrivalMs,
        };
        break;
      default:
        break;
    }
    if (this.stages.length > 0) this.runStages((s) => s.rtcpReceived?.(packet, arrivalMs));
  }

  /**
   * The report block about this stream at `nowMs` (RFC 3550 §6.4.1), LSR and DLSR included,
   * and the start of a new interval for the fraction lost: the reporter calls it once per
   * report. `undefined` while the source is on probation (§A.1).
   */
  reportBlock(nowMs: number): RtcpReportBlock | undefined {
    return this.statistics.reportBlock(nowMs);
  }

  /** The receiver's counters (a copy). */
  get stats(): InboundRtpCounters {
    const c = this.counters;
    const jb = this.jitterBuffer?.stats;
    return {
      packetsReceived: c.packetsReceived,
      packetsLost: this.statistics.validated ? this.statistics.cumulativeLost : 0,
      jitter: this.statistics.jitter / this.clockRate,
      bytesReceived: c.bytesReceived,
      headerBytesReceived: c.headerBytesReceived,
      packetsDiscarded: jb === undefined ? 0 : jb.late + jb.duplicates,
      framesReceived: jb?.framesEmitted ?? 0,
      keyFramesReceived: c.keyFramesReceived,
      framesDropped: jb?.framesDropped ?? 0,
      jitterBufferDelay: c.jitterBufferDelayMs / 1000,
      jitterBufferEmittedCount: jb?.framesEmitted ?? 0,
      lastPacketReceivedTimestamp: c.lastPacketReceivedTimestamp,
      nackCount: c.nackCount,
      pliCount: c.pliCount,
      firCount: c.firCount,
      wrongSsrc: c.wrongSsrc,
    };
  }

  /**
   * The newest packet received, by RTP timestamp (duplicates and packets out of the window
   * aside), or `undefined` before the first: for W3C `getSynchronizationSources()`.
   */
  get lastPacket(): InboundLastPacket | undefined {
    if (this.lastArrivalMs === undefined) return undefined;
    const level = this.lastAudioLevel;
    return {
      arrivalMs: this.lastArrivalMs,
      rtpTimestamp: this.lastRtpTimestamp,
      ...(level !== undefined ? { audioLevel: level } : {}),
    };
  }

  /** What the peer's last sender report said (a copy), or `undefined` before the first. */
  get remoteOutbound(): RemoteOutboundRtpCounters | undefined {
    return this.remote === undefined ? undefined : { ...this.remote };
  }

  /** The peer's BYE for this stream (RFC 3550 §6.6), or `undefined` while it has sent none. */
  get bye(): InboundStreamBye | undefined {
    return this.byeValue;
  }

  /** The CNAME the peer gave for this stream in SDES (RFC 3550 §6.5.1), once received. */
  get cname(): string | undefined {
    return this.cnameValue;
  }

  /** Hooks of the stages that threw (each caught and logged). */
  get stageErrors(): number {
    return this.stageErrorCount;
  }

  private senderReportReceived(sr: Extract<RtcpPacket, { kind: 'sr' }>, arrivalMs: number): void {
    const ntp = { seconds: sr.ntpSeconds, fraction: sr.ntpFraction };
    this.statistics.senderReportReceived(ntp, arrivalMs);
    this.remote = {
      remoteTimestamp: ntpTimeToUnixMs(ntp),
      rtpTimestamp: sr.rtpTimestamp,
      packetsSent: sr.packetCount,
      bytesSent: sr.octetCount,
      reportsSent: (this.remote?.reportsSent ?? 0) + 1,
      arrivalMs,
    };
  }

  private runStages(call: (stage: RtpStage) => void): void {
    runStages(this.stages, call, (stage, error) => {
      this.stageErrorCount++;
      log('inbound %d: stage %s threw: %O', this.ssrc, stage.name, error);
    });
  }
}
