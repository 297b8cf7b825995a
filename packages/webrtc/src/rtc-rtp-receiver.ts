/**
 * W3C `RTCRtpReceiver` (webrtc-pc §5.3): the remote track of a transceiver, and the sink the
 * Manager's media generator gets for each incoming stream of its media section. The sink
 * counts packets and bytes (`inbound-rtp`), keeps the sources for
 * `getSynchronizationSources()`/`getContributingSources()`, and unmutes the track on the
 * first packet, then hands the packet to the connection's media session (jitter buffer and
 * depacketizer, whose frames reach the track's `frames()`).
 */
import type { IncomingStream, MediaSink } from '@x/network';
import type { MediaStreamTrack } from './media-stream-track.js';
import { isRedPayloadType } from './media-receive.js';
import { trackControl } from './media-stream-track.js';
import type { RTCDtlsTransport } from './rtc-transports.js';
import {
  capabilities,
  codecParametersOf,
  type RTCRtpCapabilities,
  type RTCRtpReceiveParameters,
} from './rtp-parameters.js';
import type { InboundStream, ReceiverState } from './rtp-state.js';

const states = new WeakMap<RTCRtpReceiver, ReceiverState>();

/** webrtc-pc: sources of the last 10 seconds. */
const SOURCE_WINDOW_MS = 10_000;

/** webrtc-pc `RTCRtpSynchronizationSource` / `RTCRtpContributingSource`. */
export interface RTCRtpContributingSource {
  /** When the last packet from the source arrived (ms, the connection's clock). */
  readonly timestamp: number;
  /** The SSRC or CSRC. */
  readonly source: number;
  /** The RTP timestamp of its last packet. */
  readonly rtpTimestamp: number;
  /** The audio level (RFC 6464/6465), when the packets carry it. */
  readonly audioLevel?: number;
}

/** webrtc-pc `RTCRtpSynchronizationSource`. */
export type RTCRtpSynchronizationSource = RTCRtpContributingSource;

/** Extension: one simulcast layer a receiver gets ({@link RTCRtpReceiver.getLayers}). */
export interface RTCRtpReceiveLayer {
  /** Its RTP stream id (RFC 8851), as the peer's `a=rid` and `a=simulcast` name it. */
  readonly rid: string;
  /** The SSRC its packets came with, or null while none arrived. */
  readonly ssrc: number | null;
  /** Media packets received on it (retransmissions excepted). */
  readonly packetsReceived: number;
  /** The layer the track carries now. */
  readonly selected: boolean;
}

/** Options of {@link RTCRtpReceiver.selectLayer}. */
export interface SelectLayerOptions {
  /** Gives up waiting for the switch (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/**
 * W3C `RTCRtpReceiver`. Made with its transceiver, never by the application
 * (`new RTCRtpReceiver()` is a TypeError). Its track exists from the start, muted until RTP
 * arrives.
 */
export class RTCRtpReceiver {
  /** @internal */
  constructor(state: ReceiverState) {
    if (state === undefined || typeof state !== 'object' || !('inbound' in state))
      throw new TypeError('Illegal constructor');
    states.set(this, state);
  }

  /** The remote track (the same object for the receiver's life). */
  get track(): MediaStreamTrack {
    return states.get(this)!.track;
  }

  /** The DTLS transport its RTP comes over: null until a description associated it. */
  get transport(): RTCDtlsTransport | null {
    return states.get(this)!.transport;
  }

  /**
   * webrtc-pc `jitterBufferTarget`: the playout delay the application asks for, in ms, or
   * null (the default: the stack decides). A value outside 0–4000 is a RangeError, a value
   * that is not a finite number a TypeError. Read when a stream of the receiver starts. With
   * null, a stream whose codec negotiated `nack` holds each frame long enough for three tries
   * of a retransmission and a frame interval (3 × the round-trip time + 100 ms, 100 to
   * 600 ms); others release a
   * frame as soon as it is complete. 0 never waits: a frame still missing a packet when a
   * later one begins is given up (and a keyframe asked for).
   */
  get jitterBufferTarget(): number | null {
    return states.get(this)!.jitterBufferTarget;
  }
  set jitterBufferTarget(value: number | null) {
    const state = states.get(this)!;
    if (value === null) {
      state.jitterBufferTarget = null;
      return;
    }
    const ms = Number(value);
    if (!Number.isFinite(ms)) throw new TypeError('jitterBufferTarget must be a finite number');
    if (ms < 0 || ms > 4000) throw new RangeError('jitterBufferTarget must be within 0–4000 ms');
    state.jitterBufferTarget = ms;
  }
  /**
   * Extension: how long without RTP (ms) makes this receiver's track fire `silence` (cause
   * `no-rtp`) and turn `silent`, while it is live and unmuted; `silenceend` follows the next
   * packet. Default 2000 (above the 400 ms between Opus DTX packets and a 1 fps video); 0
   * turns it off. Takes effect from the next packet. A negative or non-finite value is a
   * RangeError.
   */
  get silenceTimeout(): number {
    return states.get(this)!.silenceTimeout;
  }
  set silenceTimeout(value: number) {
    const ms = Number(value);
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError('silenceTimeout must be a finite number of ms, 0 or more');
    states.get(this)!.silenceTimeout = ms;
  }

  /**
   * Extension (there is no keyframe request in webrtc-pc; libwebrtc's native API has one):
   * asks the sender of each stream this receiver gets for a keyframe, with a PLI (RFC 4585
   * §6.3.1), or a FIR (RFC 5104 §4.3.1) when the codec negotiated `ccm fir` but not
   * `nack pli`. Returns false when nothing was asked: no RTP received yet, or the connection
   * closed. Video decoders call it after a loss they cannot conceal. Of a simulcast receiver,
   * only the layer the track carries (and the one it switches to) is asked.
   */
  requestKeyFrame(): boolean {
    const state = states.get(this)!;
    if (state.host.closed) return false;
    return state.host.media.requestKeyFrame(state);
  }

  /**
   * Extension (simulcast, RFC 8853; webrtc-pc has no receive side for it): the layers the
   * peer sends on this receiver's section, one per rid of our answer's `a=simulcast:recv`, in
   * its order; empty without simulcast. Each layer is received in full (its own jitter
   * buffer, loss recovery and `inbound-rtp` stats entry with its `rid`); the track carries
   * one of them ({@link RTCRtpReceiver.layer}).
   */
  getLayers(): RTCRtpReceiveLayer[] {
    const state = states.get(this)!;
    const current = state.layers.current;
    return state.layers.layerRids.map((rid) => {
      let media: InboundStream | undefined;
      for (const s of state.inbound.values()) if (!s.repair && s.rid === rid) media = s;
      return {
        rid,
        ssrc: media?.ssrc ?? null,
        packetsReceived: media?.packetsReceived ?? 0,
        selected: rid === current,
      };
    });
  }

  /**
   * Extension (simulcast): the rid of the layer the track carries now; null without simulcast
   * and before the first layer's first keyframe. Until {@link RTCRtpReceiver.selectLayer} is
   * called, the track carries the first layer whose keyframe arrives.
   */
  get layer(): string | null {
    return states.get(this)!.layers.current;
  }

  /**
   * Extension (simulcast): makes the track carry the layer `rid`. The new layer is asked for
   * a keyframe (a PLI, RFC 4585 §6.3.1) and the track switches at that keyframe: `rtp()`
   * from the packet that begins it, `frames()` from the frame itself, each giving the old
   * layer until then, so that no frame follows one of another layer it cannot be decoded
   * after. The frames keep one timeline (the new layer's keyframe follows the last frame by
   * the time between them); `rtp()` gives the packets as they came (another SSRC, sequence
   * numbers and timestamps), and a local track's `writeRtp()` renumbers them to continue its
   * own stream. Resolves once the track carries the layer (at once when it already does);
   * rejects with an AbortError when another `selectLayer()` or `options.signal` replaces it,
   * an InvalidStateError when the connection closes or the transceiver stops first. A
   * RangeError for a rid that is not one of {@link RTCRtpReceiver.getLayers}.
   */
  selectLayer(rid: string, options: SelectLayerOptions = {}): Promise<void> {
    const state = states.get(this)!;
    if (state.host.closed || state.transceiver?.stopping)
      return Promise.reject(
        new DOMException('selectLayer(): the receiver is stopped', 'InvalidStateError'),
      );
    const wanted = String(rid);
    if (!state.layers.layerRids.includes(wanted))
      return Promise.reject(
        new RangeError(`selectLayer(): "${wanted}" is not one of the receiver's simulcast layers`),
      );
    const switched = state.layers.select(wanted, options.signal);
    state.host.media.requestLayerKeyFrame(state, wanted);
    return switched;
  }

  /** webrtc-pc `getParameters()`: the negotiated codecs and header extensions, and `rtcp`. */
  getParameters(): RTCRtpReceiveParameters {
    const state = states.get(this)!;
    return {
      headerExtensions: state.headerExtensions.map((e) => ({
        uri: e.uri,
        id: e.id,
        encrypted: false,
      })),
      rtcp: { ...(state.cname !== undefined ? { cname: state.cname } : {}), reducedSize: true },
      codecs: state.codecs.map((c) => codecParametersOf(state.kind, c)),
    };
  }

  /** webrtc-pc `getSynchronizationSources()`: each SSRC heard in the last 10 s; none before. */
  getSynchronizationSources(): RTCRtpSynchronizationSource[] {
    const state = states.get(this)!;
    const now = state.host.now();
    const out: RTCRtpSynchronizationSource[] = [];
    for (const s of state.inbound.values()) {
      if (s.repair || s.packetsReceived === 0 || now - s.lastPacketAt > SOURCE_WINDOW_MS) continue;
      // webrtc-pc: audioLevel from the RFC 6464 extension of the last packet, 10^(−dBov/20),
      // 127 (the extension's silence) being 0; absent without the extension.
      const level = s.rtpStream?.lastPacket?.audioLevel?.level;
      out.push({
        timestamp: s.lastPacketAt,
        source: s.ssrc,
        rtpTimestamp: s.lastRtpTimestamp,
        ...(level !== undefined ? { audioLevel: level === 127 ? 0 : 10 ** (-level / 20) } : {}),
      });
    }
    return out.sort((a, b) => b.timestamp - a.timestamp);
  }

  /** webrtc-pc `getContributingSources()`: each CSRC heard in the last 10 s. */
  getContributingSources(): RTCRtpContributingSource[] {
    const state = states.get(this)!;
    const now = state.host.now();
    const out: RTCRtpContributingSource[] = [];
    for (const [source, c] of state.contributors) {
      if (now - c.at <= SOURCE_WINDOW_MS)
        out.push({ timestamp: c.at, source, rtpTimestamp: c.rtpTimestamp });
    }
    return out.sort((a, b) => b.timestamp - a.timestamp);
  }

  /** webrtc-pc `getStats()`: an `inbound-rtp` entry per SSRC received. */
  getStats(): Promise<Map<string, Record<string, unknown>>> {
    const state = states.get(this)!;
    return state.host.stats(state);
  }

  /** webrtc-pc `RTCRtpReceiver.getCapabilities()`: what this stack can receive of `kind`, or null. */
  static getCapabilities(kind: string): RTCRtpCapabilities | null {
    return capabilities(String(kind));
  }
}

/** @internal The state behind a receiver (the peer connection's). */
export function receiverState(receiver: RTCRtpReceiver): ReceiverState | undefined {
  return states.get(receiver);
}

/**
 * The sink a receiver gives the Manager for one incoming stream. Runs inside the Manager's
 * datagram handling: it only counts and remembers; the unmute (webrtc-pc §5.3: "when an
 * RTCRtpReceiver receives data for the first time … queue a task to set the muted state of
 * the track to false") is queued, so no listener runs during the packet.
 */
export function receiverSink(state: ReceiverState, stream: IncomingStream): MediaSink {
  let inbound = state.inbound.get(stream.ssrc);
  if (inbound === undefined) {
    inbound = {
      ssrc: stream.ssrc,
      rid: stream.rid ?? stream.repairedRid,
      repair:
        stream.repairedRid !== undefined ||
        state.codecs.some(
          (c) => c.payloadType === stream.payloadType && c.name.toLowerCase() === 'rtx',
        ),
      payloadType: stream.payloadType,
      packetsReceived: 0,
      bytesReceived: 0,
      headerBytesReceived: 0,
      lastPacketAt: 0,
      lastRtpTimestamp: 0,
    };
    state.inbound.set(stream.ssrc, inbound);
  }
  const s: InboundStream = inbound;
  let unmuteQueued = false;
  const deliver = (bytes: Uint8Array): void => trackControl().deliverRtp(state.track, bytes);
  return {
    onRtp: (packet) => {
      // The first packet, or the first since a description muted the track, while the
      // transceiver receives.
      const fired = state.transceiver?.firedDirection;
      const unmute =
        state.track.muted && !unmuteQueued && (fired === 'sendrecv' || fired === 'recvonly');
      const now = state.host.now();
      s.packetsReceived++;
      s.bytesReceived += packet.payloadSize;
      s.headerBytesReceived += packet.headerSize;
      s.payloadType = packet.payloadType;
      s.lastPacketAt = now;
      s.lastRtpTimestamp = packet.timestamp;
      if (packet.csrcCount > 0)
        for (const csrc of packet.csrcs)
          state.contributors.set(csrc, { at: now, rtpTimestamp: packet.timestamp });
      if (unmute) {
        unmuteQueued = true;
        const cause = { kind: 'rtp-received', ssrc: packet.ssrc } as const;
        queueMicrotask(() => {
          unmuteQueued = false;
          // Nothing after the connection closed (its transceivers are stopped then).
          if (!state.transceiver?.stopped) trackControl().setMuted(state.track, false, cause);
        });
      }
      // Raw RTP to the track's rtp() readers (copied: the packet is a view of the datagram),
      // then the jitter buffer and depacketizer of its frames. Only the media stream's: a
      // repair stream (RFC 4588 RTX: libwebrtc's padding-only bandwidth probes, answers to
      // NACKs) has its own SSRC, payload type and sequence numbers, and a relay writing it to
      // writeRtp() would number the media after it and drop the media as too old.
      // Of a simulcast section, the layer the track carries only (see receive-layers.ts).
      // A RED packet (RFC 2198) reaches them unwrapped, as packets of its codec, from the
      // media session.
      if (!s.repair && !isRedPayloadType(state, packet.payloadType))
        state.layers.routeRtp(s.rid, packet, state.codecs, deliver);
      state.host.media.receiveRtp(state, s, packet);
    },
    // The peer's SR, SDES and BYE about this SSRC (the Manager routes them by SSRC).
    onRtcp: (packet) => state.host.media.receiveRtcp(state, s.ssrc, packet),
  };
}
