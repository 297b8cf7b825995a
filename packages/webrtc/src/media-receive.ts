/**
 * The receive side of a connection's media (see media-session.ts): an `InboundRtpStream` per
 * incoming SSRC (jitter buffer and depacketizer behind a receiver's sink, frames out to the
 * remote track), loss recovery per incoming stream (a `NackGenerator`: NACKs for what the
 * jitter buffer misses, RTX unwrapped back into the stream, PLI or FIR while a keyframe is
 * needed; RFC 4585, RFC 4588), RED unwrapped (RFC 2198), the peer's SR and BYE, and each
 * track's `silence`. Its deadlines run on the `MediaSession`'s one timer; what reaches the
 * user (frames, `silence`, `ended`) is queued.
 */
import { debuglog } from 'node:util';
import {
  InboundRtpStream,
  type JitterFrame,
  NackGenerator,
  parseRtp,
  type RtcpPacket,
  type RtcpReporter,
  type RtpPacket,
  rtpExtensionIds,
  unwrapRedPacket,
  unwrapRtxPacket,
} from '@x/rtp';
import type { Clock } from '@x/transport';
import type { MediaSessionDrops } from './media-session.js';
import { trackControl } from './media-stream-track.js';
import type { InboundStream, ReceiverState } from './rtp-state.js';
import { redPayloadTypes } from './sdp/codec-match.js';
import { isAuxiliaryCodec } from './sdp/jsep-media.js';
import type { SdpCodec } from './sdp/rtp-media.js';

const log = debuglog('x:webrtc');

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

/** How frames are popped for a track with a `frames()` reader, and for one without. */
const WHOLE_FRAMES = { deltaData: true } as const;
const COUNTED_FRAMES = { deltaData: false, playout: false } as const;

/** How a packet that carries no frame of the stream's codec is received. */
const NOT_FRAMES = { frames: false } as const;

/** True when `payloadType` is a telephone-event codec of the receiver (RFC 4733). */
function isEventPayload(receiver: ReceiverState, payloadType: number): boolean {
  for (const c of receiver.codecs)
    if (c.payloadType === payloadType) return c.name.toLowerCase() === 'telephone-event';
  return false;
}

/** When `receiver` goes silent unless media comes (Infinity: silent already, or no timeout). */
function silenceDeadline(
  receiver: ReceiverState,
  flow: { readonly lastAt: number; readonly silent: boolean } | undefined,
): number {
  if (flow === undefined || flow.silent || receiver.silenceTimeout <= 0)
    return Number.POSITIVE_INFINITY;
  return flow.lastAt + receiver.silenceTimeout;
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

/** What the receive side needs of its `MediaSession`. */
export interface MediaReceiveHost {
  readonly clock: Clock;
  /** The connection's drops: a RED payload that cannot be read counts as `malformed`. */
  readonly drops: MediaSessionDrops;
  /** The connection's one RTCP reporter (made on first use): reports and feedback go there. */
  reporter(): RtcpReporter;
  /** The round-trip time now (ms), when known (see `MediaSession`). */
  rttMs(): number | undefined;
  /** Moves the one timer to the earliest deadline ({@link MediaReceive.nextDeadline} among them). */
  schedule(): void;
  /**
   * Moves the one timer to `at` when that is earlier, the connection's other deadlines
   * (reports, congestion control) included: after a packet, which moves no other stream's.
   */
  scheduleAt(at: number): void;
}

/** The receive side of a connection's media (see the module comment). */
export class MediaReceive {
  private readonly inbound = new Map<number, Inbound>();
  /** When each receiver last got media, for its track's `silence` (an extension). */
  private readonly flows = new Map<
    ReceiverState,
    { lastAt: number; ssrc: number; silent: boolean; reported: boolean }
  >();
  private closed = false;

  constructor(private readonly host: MediaReceiveHost) {}

  /**
   * One RTP packet of a receiver's stream (from its sink, inside the Manager's datagram
   * handling): into the stream's jitter buffer, complete frames out to the track, then loss
   * recovery (NACK, PLI). A packet of a repair stream is unwrapped (RFC 4588) into the media
   * stream it repairs.
   */
  receiveRtp(receiver: ReceiverState, counters: InboundStream, packet: RtpPacket): void {
    if (this.closed) return;
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
    this.host.scheduleAt(this.deadlineOf(entry));
  }

  /** The earliest deadline of one stream: its jitter buffer, its recovery, its silence. */
  private deadlineOf(entry: Inbound): number {
    const receiver = entry.receiver;
    return Math.min(
      entry.stream.nextDeadline() ?? Number.POSITIVE_INFINITY,
      entry.recoveryAt,
      silenceDeadline(receiver, this.flows.get(receiver)),
    );
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
    this.host.schedule();
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
      this.host.drops.malformed++;
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
    this.host.schedule();
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
        this.host.reporter().removeStream(entry.stream);
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
   * A keyframe request (PLI, or FIR as {@link MediaReceive.requestKeyFrame}) for the streams
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
      this.host.reporter().removeStream(entry.stream);
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
      sendFeedback: (p: RtcpPacket) => this.host.reporter().sendFeedback([p]),
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
          ? new NackGenerator(stream, { feedbackSsrc, nack, rttMs: () => this.host.rttMs() })
          : undefined,
      recoveryAt: Number.POSITIVE_INFINITY,
    };
    this.inbound.set(counters.ssrc, entry);
    counters.rtpStream = stream;
    this.host.reporter().addStream(stream);
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
    const rtt = this.host.rttMs() ?? 100;
    return Math.min(600, Math.max(100, Math.round(3 * rtt + 100)));
  }

  private release(entry: Inbound, now: number): void {
    // A track nobody reads frames() of plays nothing out: its frames leave the buffer once
    // complete, the delta frames counted, not assembled (an SFU reads rtp(), not frames()).
    const frames: JitterFrame[] = entry.stream.pop(
      now,
      trackControl().readsFrames(entry.receiver.track) ? WHOLE_FRAMES : COUNTED_FRAMES,
    );
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

  // The timer ---------------------------------------------------------------------------

  /**
   * The earliest deadline (ms) of the jitter buffers, the loss recovery and the silence
   * timeouts; infinity when there is none.
   */
  nextDeadline(): number {
    let at = Number.POSITIVE_INFINITY;
    for (const e of this.inbound.values())
      at = Math.min(at, e.stream.nextDeadline() ?? at, e.recoveryAt);
    for (const [receiver, flow] of this.flows) at = Math.min(at, silenceDeadline(receiver, flow));
    return at;
  }

  /**
   * The timer's work on the receive side: the frames each jitter buffer releases, the NACKs
   * and keyframe requests due, then the silence timeouts.
   */
  onTimer(now: number): void {
    for (const entry of [...this.inbound.values()]) {
      this.release(entry, now);
      // A frame given up on the timer makes the buffer need a keyframe: asked for now, not
      // when the stream's next packet comes (a frame interval later, or never if it stalls).
      if (entry.recoveryAt <= now || entry.stream.keyframeNeeded) this.recover(entry, now);
    }
    this.checkSilence(now);
  }

  /** The connection closed: nothing more is received, the streams are forgotten. */
  close(): void {
    this.closed = true;
    this.inbound.clear();
    this.flows.clear();
  }
}
