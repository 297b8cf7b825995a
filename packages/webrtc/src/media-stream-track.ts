/**
 * mediacapture-main `MediaStreamTrack` for Node: no camera or microphone here, so a local
 * track is made by the application with {@link MediaStreamTrack.create} (an extension), and
 * a remote track is made by an `RTCRtpReceiver` (webrtc-pc §5.3 "create an RTCRtpReceiver").
 *
 * Media in and out, as extensions for Node (no encoder or decoder in the stack): a local
 * track is fed encoded frames ({@link MediaStreamTrack.writeFrame}) or ready RTP packets
 * ({@link MediaStreamTrack.writeRtp}) and hears the peer's keyframe requests (the
 * `keyframerequest` event); a remote track yields its complete frames
 * ({@link MediaStreamTrack.frames}) and its raw RTP ({@link MediaStreamTrack.rtp}) as async
 * iterators.
 */
import { randomUUID } from 'node:crypto';
import type { JitterFrame } from '@x/rtp';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { writeTrackFrame, writeTrackRtp } from './media-session.js';
import { TrackQueue } from './track-queue.js';
import { KeyframeRequestEvent, type TrackStateCause, TrackStateEvent } from './track-events.js';

/** How many frames or packets a reader of a remote track may fall behind before the oldest are dropped. */
const QUEUE_CAPACITY = 512;

/**
 * Extension: one complete encoded frame of a remote track, as the jitter buffer released it
 * (in order; after a loss, video resumes at a keyframe).
 */
export interface EncodedMediaFrame {
  /** The frame as the depacketizer assembled it (a VP8 frame, an Opus packet, an H.264 access unit). */
  readonly data: Uint8Array;
  /**
   * Its time in µs, counted from the track's first frame: the RTP timestamp unwrapped and
   * divided by the codec's clock rate, so a sender's `writeFrame` timestamps come back
   * (shifted to start at 0).
   */
  readonly timestamp: number;
  /** Its RTP timestamp as sent (32 bits, with the sender's random offset). */
  readonly rtpTimestamp: number;
  /** A keyframe (a decoder can start here). */
  readonly keyframe: boolean;
}

/** Options of {@link MediaStreamTrack.writeFrame}. */
export interface WriteFrameOptions {
  /**
   * The frame's presentation time in µs on the source's timeline (an encoder's or a file's
   * pts; WebCodecs `EncodedVideoChunk.timestamp` uses the same unit). Converted to the RTP
   * timestamp with the negotiated codec's clock rate.
   */
  readonly timestamp: number;
  /** The frame is a keyframe (video). Default false. */
  readonly keyframe?: boolean;
  /**
   * Extension (simulcast): the encoding the frame belongs to, by the `rid` of its sender's
   * `sendEncodings` (RFC 8851). A frame with a rid goes on that encoding's RTP stream of each
   * sender that has one; without a rid, on each sender's first encoding.
   */
  readonly rid?: string;
  /**
   * Extension (audio): the frame's level for the RFC 6464 audio level header extension, sent
   * when the section negotiated it, on the scale of `RTCRtpSynchronizationSource.audioLevel`
   * (0 silence to 1 the loudest, linear: 10^(−dBov/20)), so that a relay can pass on what it
   * read. Outside 0–1 is a RangeError.
   */
  readonly audioLevel?: number;
  /** Extension (audio): the V bit of the audio level (RFC 6464 §3): the frame has voice. */
  readonly voiceActivity?: boolean;
}

/** Options of {@link MediaStreamTrack.writeRtp}. */
export interface WriteRtpOptions {
  /** Extension (simulcast): the encoding the packet belongs to, as {@link WriteFrameOptions.rid}. */
  readonly rid?: string;
}

/** mediacapture-main `MediaStreamTrackState`. */
export type MediaStreamTrackState = 'live' | 'ended';

/** The kind of a track: `audio` or `video`. */
export type MediaStreamTrackKind = 'audio' | 'video';

/** Options of {@link MediaStreamTrack.create}. */
export interface LocalTrackOptions {
  /** The track's id (default: a new UUID). */
  readonly id?: string;
  /** The track's label, e.g. the name of what produces its frames (default `''`). */
  readonly label?: string;
}

/**
 * Where a track's media comes from: `'local'` (made by the application, fed with
 * `writeFrame()`/`writeRtp()`) or `'remote'` (made by a receiver, read with
 * `frames()`/`rtp()`).
 */
export type TrackSource = 'local' | 'remote';

/** What the rest of the package does to a track (module-private: not exported by index.ts). */
interface TrackControl {
  create(
    kind: MediaStreamTrackKind,
    source: TrackSource,
    id: string,
    label: string,
  ): MediaStreamTrack;
  /** mediacapture-main "set a track's muted state": fires mute/unmute on a change. */
  setMuted(track: MediaStreamTrack, muted: boolean, cause: TrackStateCause): void;
  /**
   * A frame a remote track's stream released (to its `frames()` readers); `shift` is added to
   * its RTP timestamp on the track's timeline (a simulcast layer switch), 0 by default.
   */
  deliverFrame(
    track: MediaStreamTrack,
    frame: JitterFrame,
    clockRate: number,
    shift?: number,
  ): void;
  /** An RTP packet a remote track's receiver took (a copy to its `rtp()` readers). */
  deliverRtp(track: MediaStreamTrack, packet: Uint8Array): void;
  /** True while a `frames()` reader reads the track (else its delta frames need no data). */
  readsFrames(track: MediaStreamTrack): boolean;
  /** The peer asked a sender of this local track for a keyframe: `keyframerequest`, queued. */
  keyframeRequested(track: MediaStreamTrack, request: 'pli' | 'fir', rid?: string): void;
  /**
   * A remote track's media stopped (no RTP for the receiver's `silenceTimeout`) or came back:
   * `silence` or `silenceend`, queued; `muted` and `stateCause` do not change.
   */
  setSilent(track: MediaStreamTrack, silent: boolean, cause: TrackStateCause): void;
  /** The bitrate its senders can carry now: `targetbitratechange`, queued, on a real change. */
  setTargetBitrate(track: MediaStreamTrack, bitrate: number): void;
  /**
   * "track ended" (not by stop()): readyState ended now, its `ended` event queued, unless
   * `fire` is false (the connection closed: no event, as webrtc-pc's close() says).
   */
  end(track: MediaStreamTrack, cause: TrackStateCause, fire?: boolean): void;
  source(track: MediaStreamTrack): TrackSource;
}

let control: TrackControl | undefined;
let constructing = false;

/**
 * W3C `MediaStreamTrack` (mediacapture-main §4.3). `kind`, `id`, `label`, `enabled`,
 * `muted`, `readyState`, `stop()`, `clone()` and the `mute`, `unmute` and `ended` events.
 * A remote track starts muted and unmutes when its receiver gets the first RTP packet
 * (webrtc-pc §5.3); a local track is never muted by the stack.
 *
 * @example
 * ```ts
 * const track = MediaStreamTrack.create('video', { label: 'camera-gateway' });
 * const sender = pc.addTrack(track);
 * ```
 */
export class MediaStreamTrack extends SafeEventTarget {
  readonly #kind: MediaStreamTrackKind;
  readonly #id: string;
  readonly #label: string;
  readonly #source: TrackSource;
  #enabled = true;
  #muted: boolean;
  #readyState: MediaStreamTrackState = 'live';
  #cause: TrackStateCause = { kind: 'created' };
  #targetBitrate: number | null = null;
  #silent = false;
  #bitrateEventQueued = false;
  readonly #frameReaders = new Set<TrackQueue<EncodedMediaFrame>>();
  readonly #rtpReaders = new Set<TrackQueue<Uint8Array>>();
  /** RTP timestamp unwrapping of the frames: the first, and the last unwrapped. */
  #firstRtp: number | undefined;
  #lastRtp = 0;
  /** The `keyframerequest` event handler (a {@link KeyframeRequestEvent}; local tracks). */
  declare onkeyframerequest: ((event: KeyframeRequestEvent) => unknown) | null;
  /** The `targetbitratechange` event handler (local tracks; read {@link MediaStreamTrack.targetBitrate}). */
  declare ontargetbitratechange: ((event: Event) => unknown) | null;
  /**
   * The `silence` event handler (remote tracks, an extension): no RTP for the receiver's
   * `silenceTimeout`, a {@link TrackStateEvent} with cause `no-rtp`.
   */
  declare onsilence: ((event: TrackStateEvent) => unknown) | null;
  /** The `silenceend` event handler (remote tracks, an extension): RTP again after a `silence`. */
  declare onsilenceend: ((event: TrackStateEvent) => unknown) | null;
  /** The `mute` event handler (a {@link TrackStateEvent}, with its cause). */
  declare onmute: ((event: TrackStateEvent) => unknown) | null;
  /** The `unmute` event handler (a {@link TrackStateEvent}, with its cause). */
  declare onunmute: ((event: TrackStateEvent) => unknown) | null;
  /** The `ended` event handler (a {@link TrackStateEvent}, with its cause). */
  declare onended: ((event: TrackStateEvent) => unknown) | null;

  /**
   * Not constructible (the IDL has no constructor): use {@link MediaStreamTrack.create};
   * remote tracks come from `RTCRtpReceiver.track`. Throws TypeError.
   */
  constructor() {
    if (!constructing) throw new TypeError('Illegal constructor: use MediaStreamTrack.create()');
    constructing = false;
    super();
    const init = pending!;
    this.#kind = init.kind;
    this.#id = init.id;
    this.#label = init.label;
    this.#source = init.source;
    this.#muted = init.source === 'remote';
  }

  /**
   * Extension for Node (there is no `getUserMedia()` here): a new live local track of `kind`
   * (`'audio'` or `'video'`, else TypeError), unmuted. The application feeds it with media:
   * {@link MediaStreamTrack.writeFrame} or {@link MediaStreamTrack.writeRtp}.
   */
  static create(kind: MediaStreamTrackKind, options: LocalTrackOptions = {}): MediaStreamTrack {
    if (kind !== 'audio' && kind !== 'video')
      throw new TypeError(
        `MediaStreamTrack.create(): kind must be "audio" or "video", not ${String(kind)}`,
      );
    return make(kind, 'local', options.id ?? randomUUID(), options.label ?? '');
  }

  /** `audio` or `video`. */
  get kind(): MediaStreamTrackKind {
    return this.#kind;
  }
  /** A unique id (for a remote track, made by its receiver, not taken from `a=msid`). */
  get id(): string {
    return this.#id;
  }
  /** A label, `''` for a remote track. */
  get label(): string {
    return this.#label;
  }
  /**
   * mediacapture-main `enabled`: a disabled track renders silence or black. Not applied to
   * written frames yet: the stack cannot make silence or black of an encoded frame without
   * the codec, so a disabled track still sends what is written to it.
   */
  get enabled(): boolean {
    return this.#enabled;
  }
  set enabled(value: boolean) {
    this.#enabled = Boolean(value);
  }
  /** True while the source gives no media (a remote track until its first RTP packet). */
  get muted(): boolean {
    return this.#muted;
  }
  /** `live` until stopped or ended. */
  get readyState(): MediaStreamTrackState {
    return this.#readyState;
  }
  /** Extension: why `muted` or `readyState` last changed ({@link TrackStateCause}). */
  get stateCause(): TrackStateCause {
    return this.#cause;
  }
  /**
   * Extension (local tracks): the bitrate, in bits/s, that the connections sending this track
   * can carry now: their send-side bandwidth estimate (from the peer's transport-wide
   * congestion feedback, GCC) shared among their senders, within each encoding's
   * `maxBitrate`; the smallest share when the track is on several senders. `null` until an
   * estimate exists (the peer negotiated `transport-cc`). An encoder feeding the track should
   * aim at it; `targetbitratechange` fires when it moves by 5 % or more.
   */
  get targetBitrate(): number | null {
    return this.#targetBitrate;
  }
  /**
   * Extension (remote tracks): true from a `silence` event to the next `silenceend`: the
   * peer's RTP stopped arriving while the track was live and unmuted (a network that went
   * away, a sender that stopped without a BYE). webrtc-pc leaves `muted` alone in that
   * case (its issue 2915 discusses it), so this says it without changing `muted`.
   */
  get silent(): boolean {
    return this.#silent;
  }
  /** Extension: `local` (made by the application) or `remote` (a receiver's track). */
  get source(): TrackSource {
    return this.#source;
  }

  /**
   * mediacapture-main `stop()`: `readyState` becomes `ended`, without an `ended` event
   * (the spec fires it only when the track ends for another reason). A sender keeps the
   * stopped track and sends nothing.
   */
  stop(): void {
    if (this.#readyState === 'ended') return;
    this.#readyState = 'ended';
    this.#cause = { kind: 'stopped' };
    this.#endReaders();
  }

  /**
   * Extension for Node: sends one encoded frame (a VP8 or H.264 frame, a 20 ms Opus packet…)
   * on every sender that carries this local track, packetized with the codec the sender
   * negotiated. Returns whether at least one sender sent it: false (counted, never thrown)
   * before the transceiver is negotiated to send, when the sender's encoding is inactive,
   * the transceiver stopped, the connection closed, or the track ended. Bad arguments, a
   * frame the codec's payloader refuses (empty, not of the negotiated codec) and a remote
   * track are TypeErrors.
   *
   * @example
   * ```ts
   * for (const chunk of encodedChunks) track.writeFrame(chunk.data, { timestamp: chunk.timestamp, keyframe: chunk.type === 'key' });
   * ```
   */
  writeFrame(data: Uint8Array, options: WriteFrameOptions): boolean {
    this.#checkWritable('writeFrame');
    if (!(data instanceof Uint8Array))
      throw new TypeError('writeFrame(): data must be a Uint8Array');
    const timestamp = options?.timestamp;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
      throw new TypeError('writeFrame(): options.timestamp must be a finite number (µs)');
    if (this.#readyState === 'ended') return false;
    const rid = options.rid === undefined ? undefined : String(options.rid);
    const audioLevel = options.audioLevel === undefined ? undefined : Number(options.audioLevel);
    if (audioLevel !== undefined && !(audioLevel >= 0 && audioLevel <= 1))
      throw new RangeError('writeFrame(): options.audioLevel must be within 0 and 1');
    return writeTrackFrame(this, data, {
      timestamp,
      keyframe: options.keyframe === true,
      rid,
      ...(audioLevel !== undefined
        ? {
            audioLevel: {
              // RFC 6464 §3: −dBov in 0–127; webrtc-pc's audioLevel is 10^(−dBov/20).
              level:
                audioLevel === 0 ? 127 : Math.min(127, Math.round(-20 * Math.log10(audioLevel))),
              voiceActivity: options.voiceActivity === true,
            },
          }
        : {}),
    });
  }

  /**
   * Extension for SFUs and relays: sends one ready RTP packet on every sender that carries
   * this local track. The packet is rewritten to the sender's SSRC, payload type and
   * sequence numbering (its timestamps keep their spacing); the payload is sent as it is,
   * so it must be of the codec the sender negotiated. Returns false as
   * {@link MediaStreamTrack.writeFrame} does, and for bytes that are not an RTP packet.
   */
  writeRtp(packet: Uint8Array, options: WriteRtpOptions = {}): boolean {
    this.#checkWritable('writeRtp');
    if (!(packet instanceof Uint8Array))
      throw new TypeError('writeRtp(): packet must be a Uint8Array');
    if (this.#readyState === 'ended') return false;
    return writeTrackRtp(this, packet, options.rid === undefined ? undefined : String(options.rid));
  }

  /**
   * Extension for Node: the complete frames of a remote track, in order, as an async
   * iterator (why not a WHATWG `ReadableStream`: `for await` is the shape Node code reads,
   * `break` leaves cleanly, and `ReadableStream.from(track.frames())` gives a stream to
   * whoever wants one). Each call is a new reader that sees the frames from then on; one
   * that falls 512 frames behind loses the oldest. It ends when the track ends (`ended`,
   * `stop()`, the peer's BYE, the connection closed). A local track is a TypeError.
   *
   * @example
   * ```ts
   * pc.ontrack = async ({ track }) => {
   *   for await (const frame of track.frames()) recorder.write(frame.data, frame.timestamp);
   * };
   * ```
   */
  frames(): AsyncIterableIterator<EncodedMediaFrame> {
    this.#checkReadable('frames');
    const queue = new TrackQueue<EncodedMediaFrame>(QUEUE_CAPACITY, (q) =>
      this.#frameReaders.delete(q),
    );
    if (this.#readyState === 'ended') queue.end();
    else this.#frameReaders.add(queue);
    return queue;
  }

  /**
   * Extension for Node: the raw RTP packets of a remote track (each a copy of the packet
   * as it arrived, decrypted, before the jitter buffer), for a relay or a recorder of its
   * own: those of its media streams only, not of their RTX repair streams (RFC 4588; other
   * SSRC, payload type and numbering). As {@link MediaStreamTrack.frames} otherwise.
   */
  rtp(): AsyncIterableIterator<Uint8Array> {
    this.#checkReadable('rtp');
    const queue = new TrackQueue<Uint8Array>(QUEUE_CAPACITY, (q) => this.#rtpReaders.delete(q));
    if (this.#readyState === 'ended') queue.end();
    else this.#rtpReaders.add(queue);
    return queue;
  }

  #checkWritable(method: string): void {
    if (this.#source !== 'local')
      throw new TypeError(
        `${method}(): only a local track (MediaStreamTrack.create) is written to`,
      );
  }

  #checkReadable(method: string): void {
    if (this.#source !== 'remote')
      throw new TypeError(`${method}(): only a remote track (a receiver's) yields media`);
  }

  #endReaders(): void {
    for (const q of this.#frameReaders) q.end();
    for (const q of this.#rtpReaders) q.end();
    this.#frameReaders.clear();
    this.#rtpReaders.clear();
  }

  /** mediacapture-main `clone()`: a new track (new id) of the same kind, label and state. */
  clone(): MediaStreamTrack {
    const copy = make(this.#kind, this.#source, randomUUID(), this.#label);
    copy.#enabled = this.#enabled;
    copy.#muted = this.#muted;
    copy.#readyState = this.#readyState;
    copy.#cause = this.#cause;
    return copy;
  }

  /** mediacapture-main `getSettings()`: nothing is known of the source here. */
  getSettings(): Record<string, never> {
    return {};
  }

  static {
    control = {
      create: (kind, source, id, label) => make(kind, source, id, label),
      setMuted: (track, muted, cause) => {
        if (track.#readyState === 'ended' || track.#muted === muted) return;
        track.#muted = muted;
        track.#cause = cause;
        track.dispatchEvent(new TrackStateEvent(muted ? 'mute' : 'unmute', cause));
      },
      deliverFrame: (track, frame, clockRate, shift = 0) => {
        // RFC 3550 §5.1: 32-bit timestamps wrap; unwrap by the shortest distance.
        const rtp = (frame.timestamp + shift) >>> 0;
        if (track.#firstRtp === undefined) {
          track.#firstRtp = rtp;
          track.#lastRtp = rtp;
        } else {
          const delta = ((rtp - track.#lastRtp + 2 ** 31) >>> 0) - 2 ** 31;
          track.#lastRtp += delta;
        }
        const timestamp = Math.round(((track.#lastRtp - track.#firstRtp) * 1e6) / clockRate);
        const out: EncodedMediaFrame = {
          data: frame.data,
          timestamp,
          rtpTimestamp: frame.timestamp,
          keyframe: frame.keyframe,
        };
        for (const q of track.#frameReaders) q.push(out);
      },
      readsFrames: (track) => track.#frameReaders.size > 0,
      deliverRtp: (track, packet) => {
        if (track.#rtpReaders.size === 0) return;
        // A real copy (a Buffer's slice() is a view of the datagram), from Node's buffer pool:
        // a third of the cost of a buffer of its own, for a packet that is read and let go.
        const copy = Buffer.allocUnsafe(packet.length);
        copy.set(packet);
        for (const q of track.#rtpReaders) q.push(copy);
      },
      setSilent: (track, silent, cause) => {
        if (track.#readyState === 'ended' || track.#silent === silent) return;
        track.#silent = silent;
        queueMicrotask(() =>
          track.dispatchEvent(new TrackStateEvent(silent ? 'silence' : 'silenceend', cause)),
        );
      },
      setTargetBitrate: (track, bitrate) => {
        const previous = track.#targetBitrate;
        if (!Number.isFinite(bitrate) || track.#readyState === 'ended') return;
        if (previous !== null && Math.abs(bitrate - previous) < previous * 0.05) return;
        track.#targetBitrate = bitrate;
        if (track.#bitrateEventQueued) return;
        track.#bitrateEventQueued = true;
        queueMicrotask(() => {
          track.#bitrateEventQueued = false;
          track.dispatchEvent(new Event('targetbitratechange'));
        });
      },
      keyframeRequested: (track, request, rid) => {
        if (track.#readyState === 'ended') return;
        queueMicrotask(() => track.dispatchEvent(new KeyframeRequestEvent(request, rid ?? null)));
      },
      end: (track, cause, fire = true) => {
        if (track.#readyState === 'ended') return;
        track.#readyState = 'ended';
        track.#cause = cause;
        track.#endReaders();
        // The state now; the event once the call or packet that ended it is done.
        if (fire) queueMicrotask(() => track.dispatchEvent(new TrackStateEvent('ended', cause)));
      },
      source: (track) => track.#source,
    };
  }
}

let pending:
  | { kind: MediaStreamTrackKind; source: TrackSource; id: string; label: string }
  | undefined;

function make(
  kind: MediaStreamTrackKind,
  source: TrackSource,
  id: string,
  label: string,
): MediaStreamTrack {
  pending = { kind, source, id, label };
  constructing = true;
  try {
    return new MediaStreamTrack();
  } finally {
    pending = undefined;
    constructing = false;
  }
}

/** @internal What the package does to tracks (not exported by the package). */
export function trackControl(): TrackControl {
  return control!;
}

for (const type of [
  'mute',
  'unmute',
  'ended',
  'keyframerequest',
  'targetbitratechange',
  'silence',
  'silenceend',
])
  defineEventHandler(MediaStreamTrack.prototype, type);
