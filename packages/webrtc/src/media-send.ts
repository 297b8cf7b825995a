/**
 * The send side of a connection's media (see media-session.ts): an `OutboundRtpStream` per
 * encoding of each sender that sends, packetizing a local track's frames with the negotiated
 * codec (in RED when negotiated, RFC 2198) or forwarding RTP packets, answering the peer's
 * NACKs from the send history (on RTX, RFC 4588) and its keyframe requests, the padding of
 * bandwidth probes, and a BYE when a sender stops. Its packets leave through the session's
 * congestion control; its streams are in the session's RTCP reports.
 */
import { debuglog } from 'node:util';
import type { Manager } from '@x/network';
import {
  OutboundRtpStream,
  type PacedPacketKind,
  parseRtp,
  payloaderFor,
  RedEncoder,
  RedPayloader,
  type RtcpReporter,
  rtpExtensionIds,
  type SendPayloadOptions,
} from '@x/rtp';
import type { Clock } from '@x/transport';
import type { CongestionControl, OutgoingPacket } from './media-congestion.js';
import type { FrameTiming, MediaSessionDrops } from './media-session.js';
import { trackControl } from './media-stream-track.js';
import type { SenderState, SendLayer } from './rtp-state.js';
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

/** What a sender's negotiated codecs make it send: {@link sendCodecOf}, {@link sendRedOf}. */
interface SendChoice {
  readonly codec: SdpCodec | undefined;
  readonly red: SdpCodec | undefined;
  readonly payloadType: number | undefined;
}
const sendChoices = new WeakMap<readonly SdpCodec[], SendChoice>();

/**
 * The send choice of `sender`, made once per negotiated codec list (a negotiation replaces the
 * list): every packet a sender writes asks for it.
 */
function sendChoiceOf(sender: SenderState): SendChoice {
  let choice = sendChoices.get(sender.codecs);
  if (choice === undefined) {
    const codec = sendCodecOf(sender);
    const red = sendRedOf(sender, codec);
    choice = { codec, red, payloadType: red?.payloadType ?? codec?.payloadType };
    sendChoices.set(sender.codecs, choice);
  }
  return choice;
}

/**
 * The largest RED payload made of a forwarded packet (`writeRtp()`): the stream's 1200-byte
 * packets less room for our header, its extensions and CSRCs. Redundancy that would pass it
 * is left out; the forwarded payload itself always goes.
 */
const MAX_FORWARDED_RED_PAYLOAD = 1100;

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

/** What the send side needs of its `MediaSession`. */
export interface MediaSendHost {
  readonly clock: Clock;
  readonly manager: Pick<Manager, 'addSendStream' | 'removeSendStream'>;
  /** The connection's drops, counted here for what a sender may not send. */
  readonly drops: MediaSessionDrops;
  /** The connection's congestion control: transport-wide numbers, the peer's feedback. */
  readonly congestion: Pick<
    CongestionControl,
    'transportSequenceIdFor' | 'streamSequence' | 'onFeedback'
  >;
  /** The connection's one RTCP reporter (made on first use): our streams are in its SRs. */
  reporter(): RtcpReporter;
  /** A packet a stream sends: through congestion control (the pacer) onto the wire. */
  send(bytes: Uint8Array, kind: PacedPacketKind | 'forwarded', twccId: number | undefined): void;
  /** Moves the one timer to the earliest deadline (after a packet went out). */
  schedule(): void;
}

/** The send side of a connection's media (see the module comment). */
export class MediaSend {
  /** The streams of each sender, one per encoding (simulcast layer), by encoding index. */
  private readonly outbound = new Map<SenderState, (Outbound | undefined)[]>();
  private closed = false;

  constructor(private readonly host: MediaSendHost) {}

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
    this.host.schedule();
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
      this.host.drops.malformed++;
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
    this.host.schedule();
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
    this.host.schedule();
    return true;
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
      this.host.drops.noLayer++;
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
      this.host.drops.notSending++;
      return undefined;
    }
    const { codec, red, payloadType } = sendChoiceOf(sender);
    let streams = this.outbound.get(sender);
    const existing = streams?.[index];
    if (existing !== undefined && existing.payloadType === payloadType) return existing;
    if (codec === undefined) {
      this.host.drops.noCodec++;
      return undefined;
    }
    const rtx = sender.codecs.find(
      (c) => c.name.toLowerCase() === 'rtx' && c.parameters.apt === String(payloadType),
    );
    const ssrc = layer.ssrc;
    const twccId = this.host.congestion.transportSequenceIdFor(sender, codec);
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
        transportSequence: this.host.congestion.streamSequence,
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
          this.host.send(bytes, kind, twccId);
        },
        onKeyframeRequest: (request) => {
          const track = sender.track;
          if (track !== null) trackControl().keyframeRequested(track, request.kind, layer.rid);
        },
      });
    } catch (error) {
      log('sender %d: no stream for %s: %s', ssrc, codec.name, error);
      this.host.drops.noCodec++;
      return undefined;
    }
    if (existing !== undefined) this.host.reporter().removeStream(existing.stream);
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
      this.host.congestion.onFeedback(stream, packet, now);
      if (!nack || packet.kind !== 'nack' || packet.mediaSsrc !== ssrc) return;
      for (const { pid, blp } of packet.items)
        for (let bit = -1; bit < 16; bit++)
          if (bit < 0 || blp & (1 << bit)) stream.retransmit((pid + bit + 1) & 0xffff, now);
      this.host.schedule();
    });
    this.host.reporter().addStream(stream);
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
    for (const out of outs) {
      this.host.reporter().removeStream(out.stream);
      // The peer's RTCP about it goes nowhere now: a late NACK must not send RTP after a BYE.
      this.host.manager.removeSendStream(out.layer.ssrc);
    }
    this.host.reporter().bye(
      outs.map((o) => o.layer.ssrc),
      this.host.clock.now(),
    );
  }

  /**
   * Padding-only packets of about `bytes` in all, for a bandwidth probe with too little media
   * to send: on the RTX stream of a video sender (none without one), 255 bytes of padding
   * each, at most 50 at a time.
   */
  padding(bytes: number): OutgoingPacket[] {
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

  /**
   * The round-trip time now (ms) from the peer's report blocks about a stream we send
   * (RFC 3550 §6.4.1), when one had it.
   */
  remoteRttMs(): number | undefined {
    for (const outs of this.outbound.values())
      for (const out of outs) {
        const rtt = out?.stream.remoteInbound?.roundTripTime;
        if (rtt !== undefined) return rtt * 1000;
      }
    return undefined;
  }

  /** The senders that have sent (congestion control shares its estimate among them). */
  senders(): Iterable<SenderState> {
    return this.outbound.keys();
  }

  /** Every SSRC we sent on, for the BYE of `close()`. */
  ssrcs(): number[] {
    return [...this.outbound.keys()].flatMap((s) => this.streamsOf(s).map((o) => o.layer.ssrc));
  }

  /** The connection closed: nothing more is sent, the streams are forgotten. */
  close(): void {
    this.closed = true;
    this.outbound.clear();
  }
}
