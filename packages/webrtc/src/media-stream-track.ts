/**
 * mediacapture-main `MediaStreamTrack` for Node: no camera or microphone here, so a local
 * track is made by the application with {@link MediaStreamTrack.create} (an extension), and
 * a remote track is made by an `RTCRtpReceiver` (webrtc-pc §5.3 "create an RTCRtpReceiver").
 *
 * The frame-feeding API of a local track (encoded frames or RTP packets handed to the
 * senders that carry it) and the frames of a remote track come with the next step of the
 * media work: they will be methods of this class, fed through {@link TrackSource}.
 */
import { randomUUID } from 'node:crypto';
import { defineEventHandler, SafeEventTarget } from './events.js';

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
 * Where a track's media comes from. Today only `'local'` (made by the application) or
 * `'remote'` (made by a receiver); the next step adds the frame and RTP inputs of local
 * tracks and the frame outputs of remote ones here.
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
  setMuted(track: MediaStreamTrack, muted: boolean): void;
  /** "track ended" (not by stop()): readyState ended now, its `ended` event queued. */
  end(track: MediaStreamTrack): void;
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
  /** The `mute` event handler. */
  declare onmute: ((event: Event) => unknown) | null;
  /** The `unmute` event handler. */
  declare onunmute: ((event: Event) => unknown) | null;
  /** The `ended` event handler. */
  declare onended: ((event: Event) => unknown) | null;

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
   * (`'audio'` or `'video'`, else TypeError), unmuted. The application feeds it with media
   * (the frame and RTP inputs come with the next step of the media work).
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
   * mediacapture-main `enabled`: a disabled track renders silence or black; a sender of a
   * disabled track will send silence or black frames (next step).
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
    this.#readyState = 'ended';
  }

  /** mediacapture-main `clone()`: a new track (new id) of the same kind, label and state. */
  clone(): MediaStreamTrack {
    const copy = make(this.#kind, this.#source, randomUUID(), this.#label);
    copy.#enabled = this.#enabled;
    copy.#muted = this.#muted;
    copy.#readyState = this.#readyState;
    return copy;
  }

  /** mediacapture-main `getSettings()`: nothing is known of the source here. */
  getSettings(): Record<string, never> {
    return {};
  }

  static {
    control = {
      create: (kind, source, id, label) => make(kind, source, id, label),
      setMuted: (track, muted) => {
        if (track.#readyState === 'ended' || track.#muted === muted) return;
        track.#muted = muted;
        track.dispatchEvent(new Event(muted ? 'mute' : 'unmute'));
      },
      end: (track) => {
        if (track.#readyState === 'ended') return;
        track.#readyState = 'ended';
        // The state now; the event once the call or packet that ended it is done.
        queueMicrotask(() => track.dispatchEvent(new Event('ended')));
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

for (const type of ['mute', 'unmute', 'ended'])
  defineEventHandler(MediaStreamTrack.prototype, type);
