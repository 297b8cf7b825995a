/**
 * The media of one connection, between the tracks and the Manager (issue 19 items 3 and 5):
 * the send side (`MediaSend`, media-send.ts: an `OutboundRtpStream` per sender that sends,
 * packetizing a local track's frames with the negotiated codec), the receive side
 * (`MediaReceive`, media-receive.ts: an `InboundRtpStream` per incoming SSRC, jitter buffer
 * and depacketizer behind a receiver's sink, frames out to the remote track, and loss
 * recovery per incoming stream: NACKs, RTX, PLI or FIR; RFC 4585, RFC 4588), one
 * `RtcpReporter` (SR/RR + SDES CNAME, BYE), congestion control, and one timer on the
 * connection's clock for the jitter buffers', the NACKs', the pacer's and the reports'
 * deadlines. Everything runs inside a user's call, a packet or that timer; what reaches the
 * user (frames, `keyframerequest`, `ended`) is queued.
 */
import type { Manager } from '@x/network';
import {
  type AudioLevel,
  type PacedPacketKind,
  RtcpReporter,
  type RtcpPacket,
  type RtpPacket,
  type SendPayloadOptions,
} from '@x/rtp';
import type { Clock, Timer } from '@x/transport';
import { CongestionControl } from './media-congestion.js';
import { MediaReceive } from './media-receive.js';
import { MediaSend } from './media-send.js';
import type { MediaStreamTrack } from './media-stream-track.js';
import {
  forgetSenders,
  type InboundStream,
  type ReceiverState,
  type SenderState,
  sendersOf,
} from './rtp-state.js';

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
  /** Uniform draws in [0, 1) for the RTCP report intervals (default `Math.random`). */
  readonly random?: () => number;
  readonly manager: Pick<Manager, 'sendRtp' | 'sendRtcp' | 'addSendStream' | 'removeSendStream'>;
  /** Our CNAME (RFC 7022: random, one per connection). */
  readonly cname: string;
  /** RFC 5506: both descriptions have `a=rtcp-rsize` (read when the first stream starts). */
  reducedSize(): boolean;
  /** Every sender of the connection (for the tracks written to). */
  senders(): Iterable<SenderState>;
  /** The round-trip time ICE measured on the selected pair (ms), when there is one. */
  iceRttMs(): number | undefined;
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

/** The media of one connection (see the module comment). */
export class MediaSession {
  /** The send side: outbound streams, RED, RTX, probe padding, BYE of a stopped sender. */
  private readonly sending: MediaSend;
  /** The receive side: inbound streams, loss recovery, RED, silence, the peer's RTCP. */
  private readonly receiving: MediaReceive;
  private reporter: RtcpReporter | undefined;
  /** Congestion control: TWCC or REMB feedback out, the send-side estimate in. */
  private readonly congestion = new CongestionControl(
    () => this.sending.senders(),
    (bytes) => this.host.manager.sendRtp(bytes),
    (bytes) => this.sending.padding(bytes),
  );
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;
  /** Writes that were not sent, by reason. */
  readonly drops: MediaSessionDrops = { notSending: 0, noCodec: 0, malformed: 0, noLayer: 0 };

  constructor(private readonly host: MediaSessionHost) {
    this.sending = new MediaSend({
      clock: host.clock,
      manager: host.manager,
      drops: this.drops,
      congestion: this.congestion,
      reporter: () => this.reporterOf(),
      send: (bytes, kind, twccId) => this.pace(bytes, kind, twccId),
      // What a sent packet can bring forward: the pacer, feedback and the reports.
      schedule: () => this.scheduleAt(Number.POSITIVE_INFINITY),
    });
    this.receiving = new MediaReceive({
      clock: host.clock,
      drops: this.drops,
      reporter: () => this.reporterOf(),
      rttMs: () => this.rttMs(),
      schedule: () => this.schedule(),
      scheduleAt: (at) => this.scheduleAt(at),
    });
  }

  // Sending (see media-send.ts) ----------------------------------------------------------

  /** Packetizes one frame on `sender`'s stream: {@link MediaSend.writeFrame}. */
  writeFrame(sender: SenderState, data: Uint8Array, timing: FrameTiming): boolean {
    return this.sending.writeFrame(sender, data, timing);
  }

  /** Forwards one RTP packet on `sender`'s stream: {@link MediaSend.writeRtp}. */
  writeRtp(sender: SenderState, bytes: Uint8Array, rid?: string): boolean {
    return this.sending.writeRtp(sender, bytes, rid);
  }

  /** The RTP timestamp of `sender`'s stream now: {@link MediaSend.rtpTimestampOf}. */
  rtpTimestampOf(sender: SenderState): number | undefined {
    return this.sending.rtpTimestampOf(sender);
  }

  /** One payload of another format (RFC 4733): {@link MediaSend.writePayload}. */
  writePayload(sender: SenderState, payload: Uint8Array, options: SendPayloadOptions): boolean {
    return this.sending.writePayload(sender, payload, options);
  }

  /** RFC 3550 §6.6: a BYE for a stopped sender's SSRCs: {@link MediaSend.stopSender}. */
  stopSender(sender: SenderState): void {
    this.sending.stopSender(sender);
  }

  /**
   * A packet a sender's stream sends: through congestion control (the pacer, the
   * transport-wide numbers).
   */
  private pace(
    bytes: Uint8Array,
    kind: PacedPacketKind | 'forwarded',
    twccId: number | undefined,
  ): void {
    this.congestion.send(bytes, kind, twccId, this.host.clock.now());
    // The timer only moves when the pacer holds a packet due before it.
    const due = this.congestion.pacerDeadline();
    if (due !== undefined && due < this.timerAt) this.schedule();
  }

  // Receiving (see media-receive.ts) -----------------------------------------------------

  /**
   * One RTP packet of a receiver's stream (from its sink, inside the Manager's datagram
   * handling): its arrival to congestion control (TWCC, REMB), then the packet to the receive
   * side ({@link MediaReceive.receiveRtp}).
   */
  receiveRtp(receiver: ReceiverState, counters: InboundStream, packet: RtpPacket): void {
    if (this.closed) return;
    this.congestion.recordArrival(receiver, packet, this.host.clock.now());
    this.receiving.receiveRtp(receiver, counters, packet);
  }

  /** The peer's RTCP about one of its streams: {@link MediaReceive.receiveRtcp}. */
  receiveRtcp(receiver: ReceiverState, ssrc: number, packet: RtcpPacket): void {
    this.receiving.receiveRtcp(receiver, ssrc, packet);
  }

  /** `RTCRtpReceiver.requestKeyFrame()`: {@link MediaReceive.requestKeyFrame}. */
  requestKeyFrame(receiver: ReceiverState): boolean {
    return this.receiving.requestKeyFrame(receiver);
  }

  /** A keyframe request for one simulcast layer: {@link MediaReceive.requestLayerKeyFrame}. */
  requestLayerKeyFrame(receiver: ReceiverState, rid: string): boolean {
    return this.receiving.requestLayerKeyFrame(receiver, rid);
  }

  /** Forgets the streams of a stopped receiver. */
  stopReceiver(receiver: ReceiverState): void {
    this.receiving.stopReceiver(receiver);
  }

  /**
   * The round-trip time now (ms): from the peer's report blocks about a stream we send
   * (RFC 3550 §6.4.1), else from ICE's checks on the selected pair.
   */
  private rttMs(): number | undefined {
    return this.sending.remoteRttMs() ?? this.host.iceRttMs();
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
        ...(this.host.random ? { random: this.host.random } : {}),
      });
      this.reporter.tick(this.host.clock.now());
    }
    return this.reporter;
  }

  /**
   * One timer at the earliest deadline of the reporter, congestion control (the pacer,
   * feedback) and the receive side (jitter buffers, NACKs, silence), re-armed only when it
   * moves earlier (a later one is found when the timer runs).
   */
  private schedule(): void {
    this.scheduleAt(this.receiving.nextDeadline());
  }

  /**
   * {@link MediaSession.schedule} when only `at` (a deadline of the receive side, e.g. of the
   * one stream a packet went to), the reporter and congestion control can have moved: a packet
   * path pays for its own stream, not a scan of every stream of the connection.
   */
  private scheduleAt(deadline: number): void {
    if (this.closed) return;
    let at: number = Math.min(
      deadline,
      this.reporter?.nextDeadline() ?? Number.POSITIVE_INFINITY,
      this.congestion.nextDeadline(),
    );
    if (Number.isNaN(at)) at = Number.POSITIVE_INFINITY;
    if (at >= this.timerAt) return;
    this.timer?.cancel();
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
    this.receiving.onTimer(now);
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
    const ssrcs = this.sending.ssrcs();
    if (ssrcs.length > 0) this.reporter?.bye(ssrcs, this.host.clock.now());
    this.closed = true;
    forgetSenders(this.host.senders());
    this.timer?.cancel();
    this.timer = undefined;
    this.sending.close();
    this.receiving.close();
  }
}
