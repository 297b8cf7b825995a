/**
 * The media of one connection, between the tracks and the Manager (issue 19 items 3 and 5):
 * an `OutboundRtpStream` per sender that sends (packetizing a local track's frames with the
 * negotiated codec), an `InboundRtpStream` per incoming SSRC (jitter buffer and depacketizer
 * behind a receiver's sink, frames out to the remote track), one `RtcpReporter` (SR/RR +
 * SDES CNAME, BYE), loss recovery per incoming stream (a `NackGenerator`: NACKs for what
 * the jitter buffer misses, RTX unwrapped back into the stream, PLI or FIR while a keyframe
 * is needed; RFC 4585, RFC 4588) and one timer on the connection's clock for the jitter
 * buffers', the NACKs' and the reports' deadlines. Everything runs inside a user's call, a packet or that timer; what
 * reaches the user (frames, `keyframerequest`, `ended`) is queued.
 */
import { debuglog } from 'node:util';
import type { Manager } from '@x/network';
import {
  type AudioLevel,
  InboundRtpStream,
  type JitterFrame,
  NackGenerator,
  OutboundRtpStream,
  parseRtp,
  payloaderFor,
  RedEncoder,
  RedPayloader,
  RtcpReporter,
  type RtcpPacket,
  type RtpPacket,
  rtpExtensionIds,
  type SendPayloadOptions,
  unwrapRedPacket,
  unwrapRtxPacket,
} from '@x/rtp';
import type { Clock, Timer } from '@x/transport';
import { trackControl } from './media-stream-track.js';
import type { MediaStreamTrack } from './media-stream-track.js';
import {
  forgetSenders,
  type InboundStream,
  type ReceiverState,
  type SenderState,
  type SendLayer,
  sendersOf,
} from './rtp-state.js';
import { CongestionControl, type OutgoingPacket } from './media-congestion.js';
import { redPayloadTypes } from './sdp/codec-match.js';
import { isAuxiliaryCodec } from './sdp/jsep-media.js';
import type { SdpCodec } from './sdp/rtp-media.js';

const log = debuglog('x:webrtc');

/**
 * The codec a sender's track goes out with: the first negotiated one that is not RTX, RED,
 * FEC or telephone events (those carry no track of their own).
 */
export function sendCodecOf(sender: SenderState): SdpCodec | undefined {
  return sender.codecs.find((c) => !isAuxiliaryCodec(c.name));
}

/**
 * The RED codec (RFC 2198) a sender wraps its send codec in, if any: as libwebrtc decides for
 * audio, RED is sent when it is the first negotiated codec (the answer put it first: Chromium
 * with its RED field trial on, or a `setCodecPreferences()` with red first) and carries the
 * send codec (`a=fmtp:63 111/111` around Opus 111); plain `codec` otherwise.
 */
export function sendRedOf(sender: SenderState, codec: SdpCodec | undefined): SdpCodec | undefined {
  const first = sender.codecs[0];
  if (codec === undefined || first === undefined || first.name.toLowerCase() !== 'red')
    return undefined;
  return redPayloadTypes(first).every((pt) => pt === codec.payloadType) ? first : undefined;
}

/**
 * The largest RED payload made of a forwarded packet (`writeRtp()`): the stream's 1200-byte
 * packets less room for our header, its extensions and CSRCs. Redundancy that would pass it
 * is left out; the forwarded payload itself always goes.
 */
const MAX_FORWARDED_RED_PAYLOAD = 1100;

/** The RED codecs (RFC 2198) of each negotiation's receive codecs, by payload type. */
const redCodecs = new WeakMap<readonly SdpCodec[], ReadonlyMap<number, SdpCodec>>();

/**
 * A receiver's RED codec of payload type `pt`, if it is one: a lookup in a table made once per
 * negotiation (every packet asks, in the receiver's sink and here).
 */
function redCodecOf(receiver: ReceiverState, pt: number): SdpCodec | undefined {
  const codecs = receiver.codecs;
  let table = redCodecs.get(codecs);
  if (table === undefined) {
    table = new Map(
      codecs.filter((c) => c.name.toLowerCase() === 'red').map((c) => [c.payloadType, c]),
    );
    redCodecs.set(codecs, table);
  }
  return table.get(pt);
}

/**
 * True for a packet the receiver's sink does not give to `rtp()` readers as it is: a RED
 * packet, which the media session unwraps and gives as packets of the codec it carries.
 */
export function isRedPayloadType(receiver: ReceiverState, pt: number): boolean {
  return redCodecOf(receiver, pt) !== undefined;
}

/** How a packet that carries no frame of the stream's codec is received. */
const NOT_FRAMES = { frames: false } as const;

/** True when `payloadType` is a telephone-event codec of the receiver (RFC 4733). */
function isEventPayload(receiver: ReceiverState, payloadType: number): boolean {
  for (const c of receiver.codecs)
    if (c.payloadType === payloadType) return c.name.toLowerCase() === 'telephone-event';
  return false;
}

/** How a frame is timed and flagged for {@link MediaSession.writeFrame}. */
export interface FrameTiming {
  /** µs on the source's timeline. */
  readonly timestamp: number;
  readonly keyframe: boolean;
  /** The encoding (simulcast layer) it belongs to; none: the sender's first. */
  readonly rid?: string | undefined;
  /** RFC 6464: the frame's level, sent when the audio level extension was negotiated. */
  readonly audioLevel?: AudioLevel;
}

/** What the session needs of its connection. */
export interface MediaSessionHost {
  readonly clock: Clock;
  readonly manager: Pick<Manager, 'sendRtp' | 'sendRtcp' | 'addSendStream'>;
  /** Our CNAME (RFC 7022: random, one per connection). */
  readonly cname: string;
  /** RFC 5506: both descriptions have `a=rtcp-rsize` (read when the first stream starts). */
  reducedSize(): boolean;
  /** Every sender of the connection (for the tracks written to). */
  senders(): Iterable<SenderState>;
  /** The round-trip time ICE measured on the selected pair (ms), when there is one. */
  iceRttMs(): number | undefined;
}

interface Outbound {
  readonly stream: OutboundRtpStream;
  readonly layer: SendLayer;
  /** The payload type on the wire: the codec's, or RED's around it. */
  readonly payloadType: number;
  /** With RED: the encoder of the packets `writeRtp()` forwards (frames have the payloader's). */
  readonly forwardRed: RedEncoder | undefined;
  readonly clockRate: number;
  readonly mimeType: string;
  /** The id of the transport-wide number's element on its packets, when negotiated. */
  readonly twccId: number | undefined;
  /** The SSRC of the last packet `writeRtp()` forwarded: another one restarts the numbering. */
  forwardedSsrc: number | undefined;
}

interface Inbound {
  readonly receiver: ReceiverState;
  /** The payload type of the codec its frames are in. */
  readonly payloadType: number;
  readonly counters: InboundStream;
  readonly stream: InboundRtpStream;
  readonly clockRate: number;
  /** NACKs and keyframe requests (RFC 4585), when the codec negotiated either. */
  readonly recovery: NackGenerator | undefined;
  /** When `recovery` is next due (ms). */
  recoveryAt: number;
}

/** Why a frame or packet written to a track was not sent, counted per connection. */
export interface MediaSessionDrops {
  /** The sender's transceiver was not negotiated to send, was stopped, or its encoding inactive. */
  notSending: number;
  /** No codec of the sender could packetize the frame. */
  noCodec: number;
  /** `writeRtp()` bytes that were not an RTP packet. */
  malformed: number;
  /** A frame or packet for a simulcast layer (rid) that the sender has no encoding of. */
  noLayer: number;
}

/**
 * Hands a frame written to a local track to every sender that carries it on an open
 * connection; true if at least one sent it.
 */
export function writeTrackFrame(
  track: MediaStreamTrack,
  data: Uint8Array,
  timing: FrameTiming,
): boolean {
  let sent = false;
  for (const sender of sendersOf(track))
    if (sender.host.media.writeFrame(sender, data, timing)) sent = true;
  return sent;
}

/** As {@link writeTrackFrame}, for a ready RTP packet (of the simulcast layer `rid`, if given). */
export function writeTrackRtp(
  track: MediaStreamTrack,
  packet: Uint8Array,
  rid?: string | undefined,
): boolean {
  let sent = false;
  for (const sender of sendersOf(track))
    if (sender.host.media.writeRtp(sender, packet, rid)) sent = true;
  return sent;
}

/**
 * The encoding of `sender` a frame of layer `rid` goes on: the one of that rid; without a
 * rid, the first. -1 when the sender has no encoding of `rid` (a sender without simulcast
 * takes frames without a rid, or of its one encoding's rid).
 */
function layerIndexOf(sender: SenderState, rid: string | undefined): number {
  if (rid === undefined) return 0;
  return sender.layers.findIndex((l) => l.rid === rid);
}

/** True when the sender sends simulcast (several encodings negotiated): its packets carry their RID. */
const isSimulcast = (sender: SenderState): boolean => sender.layers.length > 1;

/** The media of one connection (see the module comment). */
export class MediaSession {
  /** The streams of each sender, one per encoding (simulcast layer), by encoding index. */
  private readonly outbound = new Map<SenderState, (Outbound | undefined)[]>();
  private readonly inbound = new Map<number, Inbound>();
  private reporter: RtcpReporter | undefined;
  /** Congestion control: TWCC or REMB feedback out, the send-side estimate in. */
  private readonly congestion = new CongestionControl(
    () => this.outbound.keys(),
    (bytes) => this.host.manager.sendRtp(bytes),
    (bytes) => this.padding(bytes),
  );
  /** When each receiver last got media, for its track's `silence` (an extension). */
  private readonly flows = new Map<
    ReceiverState,
    { lastAt: number; ssrc: number; silent: boolean; reported: boolean }
  >();
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;
  /** Writes that were not sent, by reason. */
  readonly drops: MediaSessionDrops = { notSending: 0, noCodec: 0, malformed: 0, noLayer: 0 };

  constructor(private readonly host: MediaSessionHost) {}

  // Sending ------------------------------------------------------------------------------

  /** Packetizes one frame on `sender`'s stream; false (counted) when it may not send. */
  writeFrame(sender: SenderState, data: Uint8Array, timing: FrameTiming): boolean {
    const out = this.outboundOf(sender, timing.rid);
    if (out === undefined) return false;
    const now = this.host.clock.now();
    // A frame breaks a forwarded run: its numbering restarts after (see writeRtp).
    out.forwardRed?.reset();
    // µs to the codec's clock (ToUint32 wraps it to 32 bits); the stream adds its offset.
    const rtpTimestamp = Math.round((timing.timestamp * out.clockRate) / 1e6) >>> 0;
    try {
      out.stream.sendFrame(
        data,
        {
          rtpTimestamp,
          keyframe: timing.keyframe,
          ...(timing.audioLevel !== undefined ? { audioLevel: timing.audioLevel } : {}),
        },
        now,
      );
    } catch (error) {
      // The payloader refused the frame (empty, not in the codec's format): the caller's bug.
      throw new TypeError(
        `writeFrame(): the frame is not a ${out.mimeType} frame: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.sent(sender, out);
    return true;
  }

  /**
   * Forwards one RTP packet on `sender`'s stream (renumbered, our SSRC and payload type), the
   * stream of the encoding `rid` for a simulcast sender. A packet of another SSRC than the
   * last (a forwarded simulcast layer switched, another source) restarts the renumbering
   * after what was sent, so the peer sees one stream without a jump (RFC 3550 §5.1). A
   * sender that sends RED wraps each forwarded packet in it, repeating the ones just before.
   */
  writeRtp(sender: SenderState, bytes: Uint8Array, rid?: string): boolean {
    // A view: the stream writes a new packet (our SSRC, numbers, payload type, extensions)
    // and copies the payload into it, so the caller's buffer is read, never changed or kept.
    const packet = parseRtp(bytes);
    if (typeof packet === 'string') {
      this.drops.malformed++;
      return false;
    }
    const out = this.outboundOf(sender, rid);
    if (out === undefined) return false;
    if (out.forwardedSsrc !== packet.ssrc) {
      if (out.forwardedSsrc !== undefined) out.stream.resync();
      out.forwardedSsrc = packet.ssrc;
      out.forwardRed?.reset();
    }
    const wire =
      out.forwardRed === undefined
        ? packet
        : out.forwardRed.wrap(packet, out.payloadType, MAX_FORWARDED_RED_PAYLOAD);
    const sent = out.stream.sendRtp(wire, this.host.clock.now());
    this.sent(sender, out);
    return sent;
  }

  /**
   * The RTP timestamp of `sender`'s stream now (RFC 4733: where a telephone event begins), or
   * undefined (counted) when it may not send.
   */
  rtpTimestampOf(sender: SenderState): number | undefined {
    return this.outboundOf(sender)?.stream.rtpTimestampAt(this.host.clock.now());
  }

  /**
   * Sends one payload of another format (RFC 4733 telephone events) on `sender`'s stream, in
   * its sequence-number space; false (counted) when it may not send.
   */
  writePayload(sender: SenderState, payload: Uint8Array, options: SendPayloadOptions): boolean {
    const out = this.outboundOf(sender);
    if (out === undefined) return false;
    out.stream.sendPayload(payload, options, this.host.clock.now());
    this.sent(sender, out);
    return true;
  }

  private sent(_sender: SenderState, out: Outbound): void {
    const stats = out.stream.stats;
    out.layer.packetsSent = stats.packetsSent;
    out.layer.bytesSent = stats.bytesSent;
    this.schedule();
  }

  /**
   * The stream of the sender's encoding for layer `rid` (see {@link layerIndexOf}) when it
   * may send now (webrtc-pc: negotiated to send, a track, the encoding active, not stopped,
   * the connection open), made on first use with the first negotiated codec that has a
   * payloader, in RED when the negotiation says so ({@link sendRedOf}); undefined (counted)
   * otherwise. Each encoding has its own SSRC, RTX SSRC and rid (RFC 8852 §3.1 in every
   * packet, the RepairedRtpStreamId on its retransmissions).
   */
  private outboundOf(sender: SenderState, rid?: string): Outbound | undefined {
    const t = sender.transceiver;
    const index = layerIndexOf(sender, rid);
    const layer = sender.layers[index];
    if (layer === undefined) {
      this.drops.noLayer++;
      return undefined;
    }
    const sending =
      !this.closed &&
      t !== undefined &&
      !t.stopping &&
      (t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly') &&
      sender.track !== null &&
      sender.track.readyState === 'live' &&
      sender.encodings[index]?.active !== false;
    if (!sending) {
      this.drops.notSending++;
      return undefined;
    }
    const codec = sendCodecOf(sender);
    const red = sendRedOf(sender, codec);
    const payloadType = red?.payloadType ?? codec?.payloadType;
    let streams = this.outbound.get(sender);
    const existing = streams?.[index];
    if (existing !== undefined && existing.payloadType === payloadType) return existing;
    if (codec === undefined) {
      this.drops.noCodec++;
      return undefined;
    }
    const rtx = sender.codecs.find(
      (c) => c.name.toLowerCase() === 'rtx' && c.parameters.apt === String(payloadType),
    );
    const ssrc = layer.ssrc;
    const twccId = this.congestion.transportSequenceIdFor(sender, codec);
    let stream: OutboundRtpStream;
    try {
      const mimeType = `${sender.kind}/${codec.name}`;
      const primary = red === undefined ? undefined : payloaderFor(mimeType);
      stream = new OutboundRtpStream({
        ssrc,
        payloadType: red?.payloadType ?? codec.payloadType,
        clockRate: codec.clockRate,
        mimeType,
        // RFC 2198: the codec's payloads in RED, each with the one before (Chromium's distance).
        ...(primary !== undefined
          ? { payloader: new RedPayloader(primary, { payloadType: codec.payloadType }) }
          : {}),
        kind: sender.kind,
        extensionIds: rtpExtensionIds(sender.headerExtensions),
        ...(t.mid !== null ? { mid: t.mid } : {}),
        ...(layer.rid !== undefined && isSimulcast(sender) ? { rid: layer.rid } : {}),
        transportSequence: this.congestion.streamSequence,
        ...(rtx !== undefined
          ? { rtx: { ssrc: layer.rtxSsrc, payloadType: rtx.payloadType } }
          : {}),
        send: (bytes, origin) => {
          // Forwarded packets keep the timing their source paced them with: they pass the pacer.
          const kind =
            origin === 'forwarded'
              ? 'forwarded'
              : sender.kind === 'audio'
                ? 'audio'
                : origin === 'retransmission'
                  ? 'retransmission'
                  : 'video';
          this.congestion.send(bytes, kind, twccId, this.host.clock.now());
          // The timer only moves when the pacer holds a packet due before it.
          const due = this.congestion.pacerDeadline();
          if (due !== undefined && due < this.timerAt) this.schedule();
        },
        onKeyframeRequest: (request) => {
          const track = sender.track;
          if (track !== null) trackControl().keyframeRequested(track, request.kind, layer.rid);
        },
      });
    } catch (error) {
      log('sender %d: no stream for %s: %s', ssrc, codec.name, error);
      this.drops.noCodec++;
      return undefined;
    }
    if (existing !== undefined) this.reporter?.removeStream(existing.stream);
    const out: Outbound = {
      stream,
      layer,
      payloadType: red?.payloadType ?? codec.payloadType,
      forwardRed:
        red === undefined ? undefined : new RedEncoder({ payloadType: codec.payloadType }),
      clockRate: codec.clockRate,
      mimeType: `${sender.kind}/${codec.name}`,
      twccId,
      forwardedSsrc: undefined,
    };
    if (streams === undefined) this.outbound.set(sender, (streams = []));
    streams[index] = out;
    layer.rtpStream = stream;
    // The peer's RTCP about our SSRC (report blocks, PLI, FIR, NACK...) reaches the stream;
    // a NACK is answered from the send history (on RTX when negotiated) if the codec
    // negotiated `nack` (RFC 4585 §6.2.1, RFC 4588 §4).
    const nack = codec.rtcpFeedback.some((f) => f.type === 'nack' && f.parameter === undefined);
    this.host.manager.addSendStream(ssrc, (packet) => {
      const now = this.host.clock.now();
      stream.receiveRtcp(packet, now);
      this.congestion.onFeedback(stream, packet, now);
      if (!nack || packet.kind !== 'nack' || packet.mediaSsrc !== ssrc) return;
      for (const { pid, blp } of packet.items)
        for (let bit = -1; bit < 16; bit++)
          if (bit < 0 || blp & (1 << bit)) stream.retransmit((pid + bit + 1) & 0xffff, now);
      this.sent(sender, out);
    });
    this.reporterOf().addStream(stream);
    return out;
  }

  /** The streams a sender sends on (one per encoding that sent). */
  private streamsOf(sender: SenderState): Outbound[] {
    return (this.outbound.get(sender) ?? []).filter((o): o is Outbound => o !== undefined);
  }

  /**
   * RFC 3550 §6.6: a BYE for the sender's SSRCs when its transceiver stops (on the wire at
   * once); its streams leave the reports. Nothing for a sender that never sent.
   */
  stopSender(sender: SenderState): void {
    const outs = this.streamsOf(sender);
    if (outs.length === 0 || this.closed) return;
    this.outbound.delete(sender);
    for (const out of outs) this.reporter?.removeStream(out.stream);
    this.reporter?.bye(
      outs.map((o) => o.layer.ssrc),
      this.host.clock.now(),
    );
  }

  // Receiving ----------------------------------------------------------------------------

  /**
   * One RTP packet of a receiver's stream (from its sink, inside the Manager's datagram
   * handling): into the stream's jitter buffer, complete frames out to the track, then loss
   * recovery (NACK, PLI). A packet of a repair stream is unwrapped (RFC 4588) into the media
   * stream it repairs.
   */
  receiveRtp(receiver: ReceiverState, counters: InboundStream, packet: RtpPacket): void {
    if (this.closed) return;
    this.congestion.recordArrival(receiver, packet, this.host.clock.now());
    if (counters.repair) {
      this.receiveRepair(receiver, counters, packet);
      return;
    }
    const now = this.host.clock.now();
    this.heard(receiver, packet.ssrc, now);
    const red = redCodecOf(receiver, packet.payloadType);
    if (red !== undefined) {
      this.receiveRed(receiver, counters, packet, red, now);
      return;
    }
    let entry = this.inbound.get(counters.ssrc);
    if (entry === undefined || entry.receiver !== receiver) {
      const made = this.inboundOf(receiver, counters, packet.payloadType);
      if (made === undefined) return;
      entry = made;
    }
    // RFC 4733 telephone events share the audio stream's SSRC and numbering but are no audio
    // frame: counted (not lost in our reports), kept out of the jitter buffer (the track's
    // rtp() readers had them).
    if (packet.payloadType !== entry.payloadType && isEventPayload(receiver, packet.payloadType)) {
      entry.stream.receive(packet, now, NOT_FRAMES);
      return;
    }
    entry.stream.receive(packet, now);
    this.release(entry, now);
    this.recover(entry, now);
    this.schedule();
  }

  /**
   * A retransmission on the RTX stream (RFC 4588 §4): the original packet (the OSN as its
   * sequence number, the media stream's SSRC and the `apt` payload type) goes into the media
   * stream's jitter buffer as if it had arrived late, and to the track's `rtp()` readers
   * when the buffer had not had it. Padding-only probes carry no OSN and stop here.
   */
  private receiveRepair(receiver: ReceiverState, counters: InboundStream, packet: RtpPacket): void {
    const rtx = receiver.codecs.find(
      (c) => c.payloadType === packet.payloadType && c.name.toLowerCase() === 'rtx',
    );
    const apt = Number(rtx?.parameters.apt);
    let entry: Inbound | undefined;
    for (const e of this.inbound.values()) {
      if (e.receiver !== receiver || e.payloadType !== apt) continue;
      // The media stream of the same rid, or the only one.
      if (e.counters.rid === counters.rid || entry === undefined) entry = e;
    }
    if (entry === undefined) return;
    const restored = unwrapRtxPacket(packet.bytes, { ssrc: entry.counters.ssrc, payloadType: apt });
    if (!restored.ok) return;
    const original = parseRtp(restored.packet);
    if (typeof original === 'string') return;
    const now = this.host.clock.now();
    const result = entry.stream.receive(original, now);
    if (result === 'accepted' && receiver.layers.carriesRtp(entry.counters.rid))
      trackControl().deliverRtp(receiver.track, restored.packet);
    this.release(entry, now);
    this.recover(entry, now);
    this.schedule();
  }

  /**
   * A RED packet (RFC 2198) around the stream's codec: its primary frame goes in as the packet
   * it stands for, then each redundant frame whose packet the jitter buffer misses (a loss
   * the next packet repairs), each to the track's `rtp()` readers as a plain packet of the
   * codec. A malformed RED payload is dropped and counted.
   */
  private receiveRed(
    receiver: ReceiverState,
    counters: InboundStream,
    packet: RtpPacket,
    red: SdpCodec,
    now: number,
  ): void {
    const primaryType = redPayloadTypes(red)[0]!;
    const packets = unwrapRedPacket(packet, primaryType);
    if (typeof packets === 'string') {
      this.drops.malformed++;
      log('inbound %d: a RED payload that cannot be read (%s)', counters.ssrc, packets);
      return;
    }
    const primary = packets.find((p) => p.sequenceNumber === packet.sequenceNumber);
    if (primary === undefined) return;
    let entry = this.inbound.get(counters.ssrc);
    if (entry === undefined || entry.receiver !== receiver) {
      const made = this.inboundOf(receiver, counters, primaryType);
      if (made === undefined) return;
      entry = made;
    }
    const stream = entry.stream;
    if (stream.receive(primary, now) === 'accepted')
      trackControl().deliverRtp(receiver.track, primary.bytes);
    if (packets.length > 1) {
      const missing = new Set(stream.missing(now).map((m) => m.sequenceNumber));
      for (const p of packets) {
        if (p === primary || !missing.has(p.sequenceNumber)) continue;
        if (stream.receive(p, now) === 'accepted')
          trackControl().deliverRtp(receiver.track, p.bytes);
      }
    }
    this.release(entry, now);
    this.recover(entry, now);
    this.schedule();
  }

  /**
   * A media packet of `receiver`'s: its track is no longer silent (`silenceend`, cause
   * `rtp-received`) if it had said it was.
   */
  private heard(receiver: ReceiverState, ssrc: number, now: number): void {
    const flow = this.flows.get(receiver);
    if (flow === undefined) {
      this.flows.set(receiver, { lastAt: now, ssrc, silent: false, reported: false });
      return;
    }
    flow.lastAt = now;
    flow.ssrc = ssrc;
    if (!flow.silent) return;
    flow.silent = false;
    if (!flow.reported) return;
    flow.reported = false;
    trackControl().setSilent(receiver.track, false, { kind: 'rtp-received', ssrc });
  }

  /**
   * The receivers that heard nothing for their `silenceTimeout`: a live, unmuted track says
   * `silence` (cause `no-rtp`); a muted one (a description stopped the flow, or BYE) does
   * not, since its `mute` said why already.
   */
  private checkSilence(now: number): void {
    for (const [receiver, flow] of this.flows) {
      const timeout = receiver.silenceTimeout;
      if (flow.silent || timeout <= 0 || now < flow.lastAt + timeout) continue;
      flow.silent = true;
      const track = receiver.track;
      if (track.readyState !== 'live' || track.muted) continue;
      flow.reported = true;
      const cause = { kind: 'no-rtp', ssrc: flow.ssrc, silentMs: now - flow.lastAt } as const;
      log('receiver of ssrc %d: no RTP for %d ms', flow.ssrc, cause.silentMs);
      trackControl().setSilent(track, true, cause);
    }
  }

  /** Sends the NACK or keyframe request due now, and notes when the next one is. */
  private recover(entry: Inbound, now: number): void {
    if (entry.recovery === undefined) return;
    entry.recoveryAt = entry.recovery.poll(now) ?? Number.POSITIVE_INFINITY;
  }

  /**
   * The round-trip time now (ms): from the peer's report blocks about a stream we send
   * (RFC 3550 §6.4.1), else from ICE's checks on the selected pair.
   */
  private rttMs(): number | undefined {
    for (const outs of this.outbound.values())
      for (const out of outs) {
        const rtt = out?.stream.remoteInbound?.roundTripTime;
        if (rtt !== undefined) return rtt * 1000;
      }
    return this.host.iceRttMs();
  }

  /** The peer's RTCP about one of its streams (SR, SDES, BYE): a BYE ends the track. */
  receiveRtcp(receiver: ReceiverState, ssrc: number, packet: RtcpPacket): void {
    if (this.closed) return;
    const entry = this.inbound.get(ssrc);
    if (entry !== undefined && entry.receiver === receiver)
      entry.stream.receiveRtcp(packet, this.host.clock.now());
    if (packet.kind === 'bye' && packet.ssrcs.includes(ssrc)) {
      log('inbound %d: BYE, the track ends', ssrc);
      if (entry !== undefined) {
        // What the jitter buffer still holds complete goes out before the end.
        const now = this.host.clock.now();
        for (const f of entry.stream.flush(now)) this.deliver(entry, f, now);
        this.reporter?.removeStream(entry.stream);
        this.inbound.delete(ssrc);
      }
      // A simulcast track ends with the BYE of its last layer (RFC 3550 §6.6: each SSRC leaves).
      if (receiver.layers.simulcast)
        for (const e of this.inbound.values()) if (e.receiver === receiver) return;
      trackControl().end(receiver.track, { kind: 'rtcp-bye', ssrc });
    }
  }

  /**
   * webrtc-pc has no keyframe request on a receiver; this is the extension behind
   * `RTCRtpReceiver.requestKeyFrame()`: a PLI (a FIR when only `ccm fir` was negotiated)
   * for each stream the receiver gets. False when it has none yet.
   */
  requestKeyFrame(receiver: ReceiverState): boolean {
    if (this.closed) return false;
    // Of a simulcast receiver, the layers the track carries or switches to (once it carries one).
    const layers = receiver.layers;
    const wanted = [layers.current, layers.switching].filter((r) => r !== null);
    let sent = false;
    for (const entry of this.inbound.values()) {
      if (entry.receiver !== receiver) continue;
      const rid = entry.counters.rid;
      if (layers.simulcast && wanted.length > 0 && (rid === undefined || !wanted.includes(rid)))
        continue;
      entry.stream.requestKeyframe();
      sent = true;
    }
    return sent;
  }

  /**
   * A keyframe request (PLI, or FIR as {@link MediaSession.requestKeyFrame}) for the streams
   * of one simulcast layer of `receiver` (a layer switch waits for it); false when none has
   * arrived yet (its stream asks by itself once it starts without a keyframe).
   */
  requestLayerKeyFrame(receiver: ReceiverState, rid: string): boolean {
    if (this.closed) return false;
    let sent = false;
    for (const entry of this.inbound.values()) {
      if (entry.receiver !== receiver || entry.counters.rid !== rid) continue;
      entry.stream.requestKeyframe();
      sent = true;
    }
    return sent;
  }

  /** Forgets the streams of a stopped receiver. */
  stopReceiver(receiver: ReceiverState): void {
    this.flows.delete(receiver);
    for (const [ssrc, entry] of this.inbound) {
      if (entry.receiver !== receiver) continue;
      this.reporter?.removeStream(entry.stream);
      this.inbound.delete(ssrc);
    }
  }

  private inboundOf(
    receiver: ReceiverState,
    counters: InboundStream,
    payloadType: number,
  ): Inbound | undefined {
    const codec: SdpCodec | undefined = receiver.codecs.find((c) => c.payloadType === payloadType);
    if (codec === undefined || isAuxiliaryCodec(codec.name)) return undefined;
    const feedback = codec.rtcpFeedback;
    const pli = feedback.some((f) => f.type === 'nack' && f.parameter === 'pli');
    const fir = feedback.some((f) => f.type === 'ccm' && f.parameter === 'fir');
    const nack = feedback.some((f) => f.type === 'nack' && f.parameter === undefined);
    const feedbackSsrc = receiver.transceiver?.sender.ssrc ?? 1;
    const base = {
      ssrc: counters.ssrc,
      clockRate: codec.clockRate,
      kind: receiver.kind,
      keyframeRequest: !pli && fir ? ('fir' as const) : ('pli' as const),
      feedbackSsrc,
      targetLatencyMs: receiver.jitterBufferTarget ?? (nack ? this.nackLatencyMs() : 0),
      extensionIds: rtpExtensionIds(receiver.headerExtensions),
      sendFeedback: (p: RtcpPacket) => this.reporterOf().sendFeedback([p]),
    };
    let stream: InboundRtpStream;
    try {
      stream = new InboundRtpStream({ ...base, mimeType: `${receiver.kind}/${codec.name}` });
      receiver.layers.setFramed(true);
    } catch {
      // No depacketizer for the codec: RTP only (the track's rtp() still sees it).
      stream = new InboundRtpStream({ ...base, depacketizer: false });
      receiver.layers.setFramed(false);
    }
    const entry: Inbound = {
      receiver,
      payloadType,
      counters,
      stream,
      clockRate: codec.clockRate,
      // RFC 4585: NACKs when `nack` was negotiated; keyframe requests (a frame that could not
      // be completed) when `nack pli` or `ccm fir` was.
      recovery:
        nack || ((pli || fir) && receiver.kind === 'video')
          ? new NackGenerator(stream, { feedbackSsrc, nack, rttMs: () => this.rttMs() })
          : undefined,
      recoveryAt: Number.POSITIVE_INFINITY,
    };
    this.inbound.set(counters.ssrc, entry);
    counters.rtpStream = stream;
    this.reporterOf().addStream(stream);
    return entry;
  }

  /**
   * How long a stream with NACK holds frames when the application set no
   * `jitterBufferTarget` (webrtc-pc: then the user agent chooses): time for three tries of a
   * retransmission at the round-trip time known when the stream starts (100 ms while
   * unknown), plus 100 ms, between 100 and 600 ms. The 100 ms is a frame interval down to
   * 10 fps: a lost last packet of a frame shows only when the next frame begins, so on a
   * path of almost no RTT its NACK still needs that long (measured with Chromium on
   * loopback: 3 × RTT + 30 ms lost 2–10 frames of 88 at 15 fps and 5 % loss).
   */
  private nackLatencyMs(): number {
    const rtt = this.rttMs() ?? 100;
    return Math.min(600, Math.max(100, Math.round(3 * rtt + 100)));
  }

  private release(entry: Inbound, now: number): void {
    const frames: JitterFrame[] = entry.stream.pop(now);
    for (const f of frames) this.deliver(entry, f, now);
  }

  /**
   * A frame to the track's `frames()` readers: of a simulcast receiver, only the layer the
   * track carries, on the track's one timeline (see receive-layers.ts).
   */
  private deliver(entry: Inbound, frame: JitterFrame, now: number): void {
    const layers = entry.receiver.layers;
    const rtpTimestamp = layers.acceptFrame(entry.counters.rid, frame, entry.clockRate, now);
    if (rtpTimestamp === undefined) return;
    trackControl().deliverFrame(
      entry.receiver.track,
      frame,
      entry.clockRate,
      (rtpTimestamp - frame.timestamp) >>> 0,
    );
  }

  // RTCP and the timer -------------------------------------------------------------------

  private reporterOf(): RtcpReporter {
    if (this.reporter === undefined) {
      this.reporter = new RtcpReporter({
        cname: this.host.cname,
        send: (compound) => {
          this.host.manager.sendRtcp(compound);
        },
        reducedSize: this.host.reducedSize(),
      });
      this.reporter.tick(this.host.clock.now());
    }
    return this.reporter;
  }

  /**
   * Padding-only packets of about `bytes` in all, for a bandwidth probe with too little media
   * to send: on the RTX stream of a video sender (none without one), 255 bytes of padding
   * each, at most 50 at a time.
   */
  private padding(bytes: number): OutgoingPacket[] {
    for (const [sender, streams] of this.outbound) {
      if (sender.kind !== 'video' || sender.track === null) continue;
      for (const out of streams) {
        if (out === undefined) continue;
        const packets: OutgoingPacket[] = [];
        for (let left = bytes; left > 0 && packets.length < 50; ) {
          const p = out.stream.padding(255);
          if (p === undefined) break;
          packets.push({ bytes: p, twccId: out.twccId });
          left -= p.length;
        }
        if (packets.length > 0) return packets;
      }
    }
    return [];
  }

  /** One timer at the earliest deadline of the jitter buffers and the reporter. */
  private schedule(): void {
    if (this.closed) return;
    let at: number = Math.min(
      this.reporter?.nextDeadline() ?? Number.POSITIVE_INFINITY,
      this.congestion.nextDeadline(),
    );
    for (const e of this.inbound.values())
      at = Math.min(at, e.stream.nextDeadline() ?? at, e.recoveryAt);
    for (const [receiver, flow] of this.flows)
      if (!flow.silent && receiver.silenceTimeout > 0)
        at = Math.min(at, flow.lastAt + receiver.silenceTimeout);
    if (Number.isNaN(at)) at = Number.POSITIVE_INFINITY;
    if (at >= this.timerAt) return;
    this.timer?.cancel();
    if (at === Number.POSITIVE_INFINITY) return;
    this.timerAt = at;
    // Whole ms, rounded up: a deadline a fraction of a ms ahead (frame times at 30 fps are
    // not whole) must not give a delay that vanishes when added to now, which would run the
    // timer again at the same time, for ever, before the deadline is reached.
    const wait = at - this.host.clock.now();
    this.timer = this.host.clock.setTimeout(
      () => this.onTimer(),
      wait <= 0 ? 0 : Math.max(1, Math.ceil(wait)),
    );
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    const now = this.host.clock.now();
    for (const entry of [...this.inbound.values()]) {
      this.release(entry, now);
      if (entry.recoveryAt <= now) this.recover(entry, now);
    }
    this.checkSilence(now);
    this.congestion.flush(now);
    const feedback = this.congestion.feedbackDue(now);
    if (feedback.length > 0) this.reporterOf().sendFeedback(feedback);
    this.reporter?.tick(now);
    this.schedule();
  }

  /** The estimate toward the peer (bits/s): webrtc-stats `availableOutgoingBitrate`. */
  get availableOutgoingBitrate(): number | undefined {
    return this.congestion.availableOutgoingBitrate;
  }

  /**
   * `close()`: a BYE for every SSRC we sent on (RFC 3550 §6.6), on the wire before the
   * Manager closes its sockets; then the timer goes and nothing more is sent.
   */
  close(): void {
    if (this.closed) return;
    const ssrcs = [...this.outbound.keys()].flatMap((s) =>
      this.streamsOf(s).map((o) => o.layer.ssrc),
    );
    if (ssrcs.length > 0) this.reporter?.bye(ssrcs, this.host.clock.now());
    this.closed = true;
    forgetSenders(this.host.senders());
    this.timer?.cancel();
    this.timer = undefined;
    this.outbound.clear();
    this.inbound.clear();
    this.flows.clear();
  }
}
