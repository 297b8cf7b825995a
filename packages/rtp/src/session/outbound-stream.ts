/**
 * One RTP stream we send (one SSRC): packetizing, numbering (RFC 3550 §5.1), header
 * extensions (RFC 8285), a retransmission history, the sender's counters and the sender
 * report (RFC 3550 §6.4.1), and the peer's feedback about it (report blocks, PLI, FIR).
 */

import type { Payloader } from '../codecs/depacketizer.js';
import { RtpConfigurationError } from '../errors.js';
import { log } from '../log.js';
import { midExtension, ridExtension } from '../packet/extension-strings.js';
import {
  audioLevelExtension,
  transportSequenceNumberExtension,
  writeTransportSequenceNumber,
} from '../packet/extension-values.js';
import type { RtpHeaderExtension } from '../packet/header-extension.js';
import { parseRtp, type RtpPacket } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import type { NtpTime } from '../rtcp/ntp.js';
import type { RtcpReportBlock } from '../rtcp/report-block.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import type { RtcpSenderReport } from '../rtcp/sender-report.js';
import { wrapRtxPacket } from '../stream/rtx.js';
import { SendHistory } from '../stream/send-history.js';
import {
  type ForwardRtpOptions,
  type OutboundRtpCounters,
  type OutboundRtpStreamOptions,
  type RemoteInboundRtpCounters,
  resolveOutboundOptions,
  type SendFrameOptions,
  type SendPayloadOptions,
  type SentPacketOrigin,
} from './outbound-options.js';
import { StreamExtensions } from './extension-template.js';
import { cryptoRandom, randomBits } from './random.js';
import { RemoteInboundState } from './remote-inbound.js';
import { type KeyframeRequest, type MediaKind, type RtpStage, runStages } from './stage.js';
import type { TransportSequenceCounter } from './transport-sequence.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const TWO_32 = 0x1_0000_0000;
const RTX_OVERHEAD = 2;

function u32(value: number): number {
  const v = Math.round(value) % TWO_32;
  return v < 0 ? v + TWO_32 : v;
}

/**
 * One stream we send. Give it encoded frames (`sendFrame`: it packetizes them with the codec's
 * payloader) or ready RTP packets (`sendRtp`: an SFU forwarding another peer's stream); it
 * numbers them from a random start (RFC 3550 §5.1), adds the header extensions it was
 * configured with, keeps a copy for retransmission, counts, and hands each serialized packet
 * to `send`. The {@link RtcpReporter} asks it for its sender report, and the peer's RTCP
 * about it goes to {@link OutboundRtpStream.receiveRtcp}.
 *
 * No clock inside: every call takes the time in ms (one monotonic clock for all calls), so it
 * runs the same on the virtual clock. Callbacks (`send`, `onKeyframeRequest`, the stages) run
 * after the stream's state is updated, at the end of the call that caused them.
 *
 * ```ts
 * const twcc = new TransportSequenceCounter();
 * const video = new OutboundRtpStream({
 *   ssrc, payloadType: 96, clockRate: 90000, mimeType: 'video/VP8',
 *   extensionIds: { mid: 1, transportSequenceNumber: 3 }, mid: '0', transportSequence: twcc,
 *   send: (p) => manager.sendRtp(p), onKeyframeRequest: () => encoder.forceKeyframe(),
 * });
 * manager.addSendStream(ssrc, (rtcp) => video.receiveRtcp(rtcp, clock.now()));
 * video.sendFrame(encodedFrame, { captureTimeMs, keyframe }, clock.now());
 * ```
 */
export class OutboundRtpStream {
  /** Our SSRC. */
  readonly ssrc: number;
  /** The payload type every packet carries. */
  readonly payloadType: number;
  /** RTP clock rate in Hz. */
  readonly clockRate: number;
  /** Audio or video. */
  readonly kind: MediaKind;
  /** The retransmission history (`undefined` when disabled): what a NACK responder reads. */
  readonly history: SendHistory | undefined;

  private readonly options: OutboundRtpStreamOptions;
  private readonly payloader: Payloader | undefined;
  private readonly maxPacketSize: number;
  /** The header extension blocks of its packets (see extension-template.ts). */
  private readonly extensions: StreamExtensions;
  private readonly transportSequence: TransportSequenceCounter | undefined;
  private readonly stages: readonly RtpStage[];

  private nextSequenceNumber: number;
  private readonly timestampOffset: number;
  private rtxSequenceNumber: number;

  // sendRtp: offsets from the forwarded stream's numbers to ours, set on the first packet
  // after construction or resync().
  private forwarding = false;
  private forwardBase = 0;
  private sequenceOffset = 0;
  private forwardTimestampOffset = 0;

  private lastFirSequence = new Map<number, number>();
  private readonly remote: RemoteInboundState;
  private readonly counters: Mutable<OutboundRtpCounters> = {
    packetsSent: 0,
    bytesSent: 0,
    headerBytesSent: 0,
    framesSent: 0,
    keyFramesSent: 0,
    retransmittedPacketsSent: 0,
    retransmittedBytesSent: 0,
    paddingPacketsSent: 0,
    nackCount: 0,
    pliCount: 0,
    firCount: 0,
    senderReportsSent: 0,
    forwardedTooOld: 0,
    lastPacketSentMs: undefined,
    lastSentRtpTimestamp: undefined,
    lastSentCaptureMs: undefined,
  };
  private stageErrorCount = 0;

  /** Throws {@link RtpConfigurationError} for an option out of range or an unknown `mimeType`. */
  constructor(options: OutboundRtpStreamOptions) {
    const resolved = resolveOutboundOptions(options);
    this.options = options;
    this.ssrc = options.ssrc;
    this.payloadType = options.payloadType;
    this.clockRate = options.clockRate;
    this.remote = new RemoteInboundState(options.clockRate);
    this.maxPacketSize = resolved.maxPacketSize;
    this.kind = resolved.kind;
    this.payloader = resolved.payloader;
    const random = options.random ?? cryptoRandom;
    this.nextSequenceNumber = options.initialSequenceNumber ?? randomBits(random, 16);
    this.timestampOffset = options.timestampOffset ?? randomBits(random, 32);
    this.rtxSequenceNumber = randomBits(random, 16);
    this.history =
      options.history === false
        ? undefined
        : new SendHistory({
            maxPacketSize: resolved.maxPacketSize + RTX_OVERHEAD,
            ...options.history,
          });
    const ids = options.extensionIds ?? {};
    const fixed: RtpHeaderExtension[] = [];
    if (ids.mid !== undefined && options.mid !== undefined)
      fixed.push(midExtension(ids.mid, options.mid));
    if (ids.rid !== undefined && options.rid !== undefined)
      fixed.push(ridExtension(ids.rid, options.rid));
    this.transportSequence =
      ids.transportSequenceNumber !== undefined ? options.transportSequence : undefined;
    this.extensions = new StreamExtensions(fixed, {
      absSendTime: ids.absSendTime,
      audioLevel: ids.audioLevel,
      transportSequenceNumber:
        this.transportSequence !== undefined ? ids.transportSequenceNumber : undefined,
    });
    this.stages = options.stages ?? [];
  }

  /**
   * Packetizes one encoded frame with the codec's payloader and sends its packets: one RTP
   * timestamp for all (the frame's, plus the random offset), consecutive sequence numbers,
   * the marker bit on the last packet of a video frame (RFC 3550 §5.1, RFC 7741 §4.1…).
   * Returns the number of packets sent. Throws {@link RtpConfigurationError} without a
   * payloader or for a frame the payloader refuses (empty, not in the codec's format).
   */
  sendFrame(frame: Uint8Array, options: SendFrameOptions, nowMs: number): number {
    const payloader = this.payloader;
    if (payloader === undefined) {
      throw new RtpConfigurationError(
        'OutboundRtpStream.sendFrame: the stream has no payloader; give mimeType or payloader',
      );
    }
    const captureMs = options.captureTimeMs ?? nowMs;
    const timestamp =
      options.rtpTimestamp !== undefined
        ? u32(options.rtpTimestamp + this.timestampOffset)
        : u32(this.timestampOffset + (captureMs * this.clockRate) / 1000);
    const level = this.audioLevelOf(options);
    const header = 12 + this.extensions.of(level).size;
    const reserve = this.options.rtx !== undefined ? RTX_OVERHEAD : 0;
    const payloads = payloader.packetize(frame, this.maxPacketSize - header - reserve, {
      sequenceNumber: this.nextSequenceNumber,
      timestamp,
    });
    const video = this.kind === 'video';
    const last = payloads.length - 1;
    this.forwarding = false;
    this.counters.framesSent++;
    if (options.keyframe) this.counters.keyFramesSent++;
    this.counters.lastSentRtpTimestamp = timestamp;
    this.counters.lastSentCaptureMs = captureMs;
    const out: Uint8Array[] = [];
    for (let i = 0; i <= last; i++) {
      const marker = video ? i === last && options.marker !== false : i === 0 && !!options.marker;
      out.push(
        this.numberAndSerialize(payloads[i]!, timestamp, marker, level, undefined, 0, nowMs),
      );
    }
    for (const packet of out) this.deliver(packet, nowMs, 'frame');
    return out.length;
  }

  /**
   * Sends a ready RTP packet, e.g. one an SFU forwards from another peer: the packet is
   * rewritten with our SSRC and payload type, sequence numbers and timestamps that continue
   * ours (the input's plus an offset set on the first packet after construction or
   * {@link OutboundRtpStream.resync}, so the input's gaps and order are kept for the peer's
   * NACKs and jitter), and our header extensions instead of the input's (whose ids belong to
   * another session). Marker bit, CSRCs, payload and padding are kept. The input is not changed.
   * A packet older than the first one forwarded since the last (re)start is dropped (returns
   * false, counted in `forwardedTooOld`): its number would fall among packets we sent before.
   */
  sendRtp(packet: RtpPacket, nowMs: number, options: ForwardRtpOptions = {}): boolean {
    if (this.forwarding && ((packet.sequenceNumber - this.forwardBase) << 16) >> 16 < 0) {
      this.counters.forwardedTooOld++;
      return false;
    }
    if (!this.forwarding) {
      this.forwardBase = packet.sequenceNumber;
      // Continue after what we last sent: the next sequence number, and the timestamp of our
      // last frame advanced by the time elapsed since (at least one tick).
      this.sequenceOffset = (this.nextSequenceNumber - packet.sequenceNumber) & 0xffff;
      const last = this.counters.lastSentRtpTimestamp;
      const lastMs = this.counters.lastSentCaptureMs;
      const start =
        last === undefined || lastMs === undefined
          ? this.timestampOffset
          : last + Math.max(1, Math.round(((nowMs - lastMs) * this.clockRate) / 1000));
      this.forwardTimestampOffset = u32(start - packet.timestamp);
      this.forwarding = true;
    }
    const sequenceNumber = (packet.sequenceNumber + this.sequenceOffset) & 0xffff;
    const timestamp = u32(packet.timestamp + this.forwardTimestampOffset);
    const level = this.audioLevelOf(options);
    if (options.keyframe) this.counters.keyFramesSent++;
    if (this.kind === 'audio' || packet.marker) this.counters.framesSent++;
    const previous = this.counters.lastSentRtpTimestamp;
    if (previous === undefined || ((timestamp - previous) | 0) > 0) {
      this.counters.lastSentRtpTimestamp = timestamp;
      this.counters.lastSentCaptureMs = nowMs;
    }
    const bytes = this.serialize(
      packet.payload,
      sequenceNumber,
      timestamp,
      packet.marker,
      level,
      packet.csrcCount > 0 ? packet.csrcs : undefined,
      packet.paddingSize,
      nowMs,
    );
    // The next packet of ours follows the highest number sent.
    if (((sequenceNumber - this.nextSequenceNumber) << 16) >> 16 >= 0) {
      this.nextSequenceNumber = (sequenceNumber + 1) & 0xffff;
    }
    this.deliver(bytes, nowMs, 'forwarded');
    return true;
  }

  /**
   * Sends one payload of another format than the stream's codec on this stream (RFC 4733
   * telephone events, RFC 3389 comfort noise): our SSRC, the next sequence number, the given
   * payload type, RTP timestamp (on this stream's timeline, see
   * {@link OutboundRtpStream.rtpTimestampAt}) and marker bit, the header extensions of a
   * frame. Counted in the packets and bytes sent (not as a frame) and kept for retransmission;
   * the timestamp of the stream's frames and sender reports is left as it was.
   */
  sendPayload(payload: Uint8Array, options: SendPayloadOptions, nowMs: number): void {
    const bytes = this.numberAndSerialize(
      payload,
      u32(options.rtpTimestamp),
      options.marker ?? false,
      undefined,
      undefined,
      0,
      nowMs,
      options.payloadType,
    );
    this.deliver(bytes, nowMs, 'frame');
  }

  /**
   * The stream's RTP timestamp at `nowMs`: the last frame's advanced by the time since it was
   * captured (what a sender report says), or, before any frame, the random offset plus `nowMs`
   * in clock-rate units (what `sendFrame` without a timestamp would use).
   */
  rtpTimestampAt(nowMs: number): number {
    const c = this.counters;
    if (c.lastSentRtpTimestamp === undefined || c.lastSentCaptureMs === undefined)
      return u32(this.timestampOffset + (nowMs * this.clockRate) / 1000);
    return u32(c.lastSentRtpTimestamp + ((nowMs - c.lastSentCaptureMs) * this.clockRate) / 1000);
  }

  /**
   * Makes the next {@link OutboundRtpStream.sendRtp} packet continue our numbering afresh:
   * call it when the forwarded source changes (another simulcast layer, another peer), so the
   * jump in the input's numbers does not reach the receiver.
   */
  resync(): void {
    this.forwarding = false;
  }

  /**
   * A padding-only packet (RFC 3550 §5.1: no payload, `paddingSize` bytes of padding, 1 to
   * 255) on the RTX stream, for a bandwidth probe that has too little media to send: it
   * repairs nothing, so the receiver counts it (its transport-wide number goes into TWCC
   * feedback) and drops it (RFC 4588 §4). Its only header extension is the transport-wide
   * number, the one a probe needs (no MID, RID or abs-send-time: it belongs to no media
   * stream), with the RTX stream's next sequence number and the last timestamp sent. Not kept for retransmission, not counted as
   * media (`paddingPacketsSent` counts it). Undefined without an RTX stream (padding on the
   * media stream would take sequence numbers from its media).
   */
  padding(paddingSize: number): Uint8Array | undefined {
    const rtx = this.options.rtx;
    if (rtx === undefined) return undefined;
    const ids = this.options.extensionIds ?? {};
    const extensions: RtpHeaderExtension[] = [];
    if (this.transportSequence !== undefined && ids.transportSequenceNumber !== undefined) {
      extensions.push(
        transportSequenceNumberExtension(
          ids.transportSequenceNumber,
          this.transportSequence.take(),
        ),
      );
    }
    const bytes = serializeRtp({
      payloadType: rtx.payloadType,
      sequenceNumber: this.rtxSequenceNumber,
      timestamp: this.counters.lastSentRtpTimestamp ?? this.timestampOffset,
      ssrc: rtx.ssrc,
      marker: false,
      extensions,
      payload: new Uint8Array(0),
      paddingSize: Math.max(1, Math.min(255, Math.round(paddingSize))),
    });
    this.rtxSequenceNumber = (this.rtxSequenceNumber + 1) & 0xffff;
    this.counters.paddingPacketsSent++;
    return bytes;
  }

  /**
   * Sends again the packet of `sequenceNumber` from the history (RFC 4585 §6.2.1 NACK), on
   * the RTX stream (RFC 4588 §4) when one is configured, with a new transport-wide sequence
   * number. Returns false when the packet is no longer kept.
   */
  retransmit(sequenceNumber: number, nowMs: number): boolean {
    const sent = this.history?.get(sequenceNumber, nowMs);
    if (sent === undefined) return false;
    const rtx = this.options.rtx;
    let bytes: Uint8Array | undefined;
    if (rtx !== undefined) {
      bytes = wrapRtxPacket(sent.packet, {
        ssrc: rtx.ssrc,
        payloadType: rtx.payloadType,
        sequenceNumber: this.rtxSequenceNumber,
      });
      if (bytes === undefined) return false;
      this.rtxSequenceNumber = (this.rtxSequenceNumber + 1) & 0xffff;
    } else {
      bytes = Uint8Array.prototype.slice.call(sent.packet);
    }
    const parsed = parseRtp(bytes);
    if (typeof parsed === 'string') return false;
    if (rtx !== undefined) this.repairedRid(parsed);
    if (this.transportSequence !== undefined) {
      writeTransportSequenceNumber(
        parsed,
        this.options.extensionIds?.transportSequenceNumber,
        this.transportSequence.take(),
      );
    }
    this.history?.markRetransmitted(sequenceNumber, nowMs);
    // W3C: packetsSent and bytesSent include retransmissions (and libwebrtc's SR counts do).
    const c = this.counters;
    const payloadBytes = bytes.length - parsed.headerSize - parsed.paddingSize;
    c.packetsSent++;
    c.bytesSent += payloadBytes;
    c.headerBytesSent += bytes.length - payloadBytes;
    c.retransmittedPacketsSent++;
    c.retransmittedBytesSent += payloadBytes - (rtx ? RTX_OVERHEAD : 0);
    c.lastPacketSentMs = nowMs;
    this.options.send(bytes, 'retransmission');
    if (this.stages.length > 0) this.runStages((s) => s.rtpSent?.(parsed, nowMs));
    return true;
  }

  /**
   * The sender report of this stream at `nowMs` (RFC 3550 §6.4.1), with `ntp` the wall-clock
   * time of the same instant: the RTP timestamp is the last frame's, advanced by the time
   * since its capture; packet and octet counts wrap at 2³². No report blocks (the reporter
   * adds them). Remembers the report, to match the LSR of the peer's blocks for the
   * round-trip time. `undefined` before the first packet: an SSRC that has sent nothing is
   * not a sender (§6.4).
   */
  senderReport(nowMs: number, ntp: NtpTime): RtcpSenderReport | undefined {
    const c = this.counters;
    if (c.packetsSent === 0 || c.lastSentRtpTimestamp === undefined) return undefined;
    const elapsed = nowMs - (c.lastSentCaptureMs ?? nowMs);
    const rtpTimestamp = u32(c.lastSentRtpTimestamp + (elapsed * this.clockRate) / 1000);
    this.remote.senderReportSent(ntp, nowMs);
    c.senderReportsSent++;
    return {
      kind: 'sr',
      ssrc: this.ssrc,
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp,
      packetCount: c.packetsSent % TWO_32,
      octetCount: c.bytesSent % TWO_32,
      reports: [],
    };
  }

  /**
   * Takes an RTCP packet the peer sent about this stream (what `Manager.addSendStream`
   * routes): a report block on our SSRC in an SR or RR updates {@link OutboundRtpStream.remoteInbound} and the
   * round-trip time; a PLI, or a FIR with a new command sequence number, is counted and
   * fires `onKeyframeRequest`; a NACK is counted. Every packet then goes to the stages.
   * Packets about other SSRCs are ignored. Never throws on what the peer sent.
   */
  receiveRtcp(packet: RtcpPacket, arrivalMs: number): void {
    let request: KeyframeRequest | undefined;
    switch (packet.kind) {
      case 'sr':
      case 'rr':
        for (const block of packet.reports) {
          if (block.ssrc === this.ssrc) this.reportBlockReceived(block, arrivalMs);
        }
        break;
      case 'pli':
        if (packet.mediaSsrc !== this.ssrc) return;
        this.counters.pliCount++;
        request = { kind: 'pli', senderSsrc: packet.senderSsrc };
        break;
      case 'fir':
        for (const entry of packet.entries) {
          if (entry.ssrc !== this.ssrc) continue;
          // RFC 5104 §4.3.1.2: a repeated sequence number is a retransmission of the same
          // request, not a new one.
          if (this.lastFirSequence.get(packet.senderSsrc) === entry.sequenceNumber) continue;
          this.lastFirSequence.set(packet.senderSsrc, entry.sequenceNumber);
          this.counters.firCount++;
          request = {
            kind: 'fir',
            senderSsrc: packet.senderSsrc,
            sequenceNumber: entry.sequenceNumber,
          };
        }
        break;
      case 'nack':
        if (packet.mediaSsrc === this.ssrc) this.counters.nackCount++;
        break;
      default:
        break;
    }
    if (request !== undefined) this.options.onKeyframeRequest?.(request);
    if (this.stages.length > 0) this.runStages((s) => s.rtcpReceived?.(packet, arrivalMs));
  }

  /**
   * Takes one report block about this stream (RFC 3550 §6.4.1) that arrived at `arrivalMs`:
   * {@link OutboundRtpStream.remoteInbound}, and the round-trip time, A − LSR − DLSR with A on
   * our monotonic clock (the LSR picks one of our last sender reports, and A − LSR is the
   * time since it was made).
   */
  reportBlockReceived(block: RtcpReportBlock, arrivalMs: number): void {
    if (!this.remote.reportBlockReceived(block, arrivalMs) && block.lastSenderReport !== 0) {
      log('outbound %d: a report block without a round-trip time (LSR not ours?)', this.ssrc);
    }
  }

  /**
   * RFC 8852 §3.2: a repair stream names the stream it repairs with the RepairedRtpStreamId,
   * not the RtpStreamId. The RTX packet carries the original's extensions: its RID element
   * becomes a RepairedRtpStreamId element in place (same value, another id), when both ids
   * are negotiated; without the repaired one it is left as it is.
   */
  private repairedRid(packet: RtpPacket): void {
    const ids = this.options.extensionIds;
    if (this.options.rid === undefined || ids?.rid === undefined || ids.repairedRid === undefined)
      return;
    const at = packet.findExtension(ids.rid);
    if (at < 0) return;
    const b = packet.bytes;
    if (packet.extensionForm === 'one-byte') {
      if (ids.repairedRid > 14) return;
      b[at - 1] = (ids.repairedRid << 4) | (b[at - 1]! & 0x0f);
    } else b[at - 2] = ids.repairedRid;
  }

  /** The sender's counters (a copy). */
  get stats(): OutboundRtpCounters {
    return { ...this.counters };
  }

  /** What the peer's report blocks say about this stream (a copy), or `undefined` before the first. */
  get remoteInbound(): RemoteInboundRtpCounters | undefined {
    return this.remote.counters;
  }

  /** Hooks of the stages that threw (each caught and logged). */
  get stageErrors(): number {
    return this.stageErrorCount;
  }

  /**
   * The audio level octet of a frame's packets (RFC 6464 §3), when the option is given and the
   * element negotiated; throws {@link RtpConfigurationError} for a level out of range, before
   * anything is numbered or sent.
   */
  private audioLevelOf(options: {
    readonly audioLevel?: SendFrameOptions['audioLevel'];
  }): number | undefined {
    const id = this.options.extensionIds?.audioLevel;
    if (id === undefined || options.audioLevel === undefined) return undefined;
    return audioLevelExtension(id, options.audioLevel).data[0];
  }

  private numberAndSerialize(
    payload: Uint8Array,
    timestamp: number,
    marker: boolean,
    audioLevel: number | undefined,
    csrcs: readonly number[] | undefined,
    paddingSize: number,
    nowMs: number,
    payloadType = this.payloadType,
  ): Uint8Array {
    const sequenceNumber = this.nextSequenceNumber;
    this.nextSequenceNumber = (sequenceNumber + 1) & 0xffff;
    return this.serialize(
      payload,
      sequenceNumber,
      timestamp,
      marker,
      audioLevel,
      csrcs,
      paddingSize,
      nowMs,
      payloadType,
    );
  }

  private serialize(
    payload: Uint8Array,
    sequenceNumber: number,
    timestamp: number,
    marker: boolean,
    audioLevel: number | undefined,
    csrcs: readonly number[] | undefined,
    paddingSize: number,
    nowMs: number,
    payloadType = this.payloadType,
  ): Uint8Array {
    const template = this.extensions.of(audioLevel);
    const bytes = serializeRtp({
      payloadType,
      sequenceNumber,
      timestamp,
      ssrc: this.ssrc,
      marker,
      csrcs,
      rawExtension: template.raw,
      payload,
      paddingSize,
    });
    // The block's data follows the fixed header, the CSRCs and the block's own header.
    template.write(
      bytes,
      16 + 4 * (csrcs?.length ?? 0),
      nowMs,
      audioLevel,
      this.transportSequence?.take(),
    );
    const c = this.counters;
    c.packetsSent++;
    c.bytesSent += payload.length;
    c.headerBytesSent += bytes.length - payload.length;
    c.lastPacketSentMs = nowMs;
    this.history?.store(bytes, nowMs);
    return bytes;
  }

  private deliver(bytes: Uint8Array, nowMs: number, origin: SentPacketOrigin): void {
    this.options.send(bytes, origin);
    if (this.stages.length === 0) return;
    const parsed = parseRtp(bytes);
    if (typeof parsed !== 'string') this.runStages((s) => s.rtpSent?.(parsed, nowMs));
  }

  private runStages(call: (stage: RtpStage) => void): void {
    runStages(this.stages, call, (stage, error) => {
      this.stageErrorCount++;
      log('outbound %d: stage %s threw: %O', this.ssrc, stage.name, error);
    });
  }
}
