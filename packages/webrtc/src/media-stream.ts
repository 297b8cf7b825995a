/**
 * mediacapture-main `MediaStream` (§4.2) and `MediaStreamTrackEvent` (§4.6): a set of tracks
 * with an id. The streams of a remote track are made by `setRemoteDescription()` from the
 * `a=msid` lines (webrtc-pc §4.4.1.5 "process the addition of a remote track"), and fire
 * `addtrack`/`removetrack` when a later description changes their tracks; an application's
 * own `addTrack()`/`removeTrack()` fire nothing, as the spec says.
 */
import { randomUUID } from 'node:crypto';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { MediaStreamTrack } from './media-stream-track.js';

/** mediacapture-main `MediaStreamTrackEvent` (`addtrack`, `removetrack`). */
export class MediaStreamTrackEvent extends Event {
  readonly #track: MediaStreamTrack;
  /** Throws TypeError without a type or a `MediaStreamTrack` as `track`. */
  constructor(
    type: string,
    init: { track: MediaStreamTrack; bubbles?: boolean; cancelable?: boolean },
  ) {
    // biome-ignore lint/complexity/noArguments: WebIDL: both arguments are required.
    if (arguments.length < 2) throw new TypeError('MediaStreamTrackEvent needs a type and an init');
    if (!(init?.track instanceof MediaStreamTrack))
      throw new TypeError('MediaStreamTrackEvent needs a MediaStreamTrack as track');
    super(type, init);
    this.#track = init.track;
  }
  /** The track added or removed. */
  get track(): MediaStreamTrack {
    return this.#track;
  }
}

interface StreamControl {
  /** A remote stream with the id of its `a=msid`. */
  create(id: string): MediaStream;
  /** "add a track to a stream" with its `addtrack` event (remote streams). */
  add(stream: MediaStream, track: MediaStreamTrack): void;
  /** "remove a track from a stream" with its `removetrack` event (remote streams). */
  remove(stream: MediaStream, track: MediaStreamTrack): void;
}
let streamControl: StreamControl | undefined;

let withId: string | undefined;

/**
 * W3C `MediaStream`: `new MediaStream()`, `new MediaStream(stream)` (the same tracks) or
 * `new MediaStream(tracks)`, each with a new id.
 */
export class MediaStream extends SafeEventTarget {
  readonly #id: string;
  readonly #tracks = new Set<MediaStreamTrack>();
  /** The `addtrack` event handler. */
  declare onaddtrack: ((event: MediaStreamTrackEvent) => unknown) | null;
  /** The `removetrack` event handler. */
  declare onremovetrack: ((event: MediaStreamTrackEvent) => unknown) | null;

  constructor(streamOrTracks?: MediaStream | readonly MediaStreamTrack[]) {
    super();
    this.#id = withId ?? randomUUID();
    withId = undefined;
    const tracks =
      streamOrTracks instanceof MediaStream ? streamOrTracks.getTracks() : (streamOrTracks ?? []);
    for (const track of tracks) {
      if (!(track instanceof MediaStreamTrack))
        throw new TypeError('MediaStream(): each member must be a MediaStreamTrack');
      this.#tracks.add(track);
    }
  }

  /** The stream's id (for a remote stream, the `a=msid` stream id). */
  get id(): string {
    return this.#id;
  }
  /** True while one of its tracks is not `ended`. */
  get active(): boolean {
    for (const t of this.#tracks) if (t.readyState !== 'ended') return true;
    return false;
  }
  /** Every track, in the order they were added. */
  getTracks(): MediaStreamTrack[] {
    return [...this.#tracks];
  }
  /** The audio tracks. */
  getAudioTracks(): MediaStreamTrack[] {
    return this.getTracks().filter((t) => t.kind === 'audio');
  }
  /** The video tracks. */
  getVideoTracks(): MediaStreamTrack[] {
    return this.getTracks().filter((t) => t.kind === 'video');
  }
  /** The track of that id, or null. */
  getTrackById(trackId: string): MediaStreamTrack | null {
    for (const t of this.#tracks) if (t.id === String(trackId)) return t;
    return null;
  }
  /** Adds a track (no event: only the stack fires `addtrack`). TypeError for a non-track. */
  addTrack(track: MediaStreamTrack): void {
    if (!(track instanceof MediaStreamTrack))
      throw new TypeError('MediaStream.addTrack(): not a MediaStreamTrack');
    this.#tracks.add(track);
  }
  /** Removes a track (no event). TypeError for a non-track. */
  removeTrack(track: MediaStreamTrack): void {
    if (!(track instanceof MediaStreamTrack))
      throw new TypeError('MediaStream.removeTrack(): not a MediaStreamTrack');
    this.#tracks.delete(track);
  }
  /** A new stream (new id) with a clone of each track. */
  clone(): MediaStream {
    return new MediaStream(this.getTracks().map((t) => t.clone()));
  }

  static {
    streamControl = {
      create: (id) => {
        withId = id;
        return new MediaStream();
      },
      add: (stream, track) => {
        if (stream.#tracks.has(track)) return;
        stream.#tracks.add(track);
        stream.dispatchEvent(new MediaStreamTrackEvent('addtrack', { track }));
      },
      remove: (stream, track) => {
        if (!stream.#tracks.delete(track)) return;
        stream.dispatchEvent(new MediaStreamTrackEvent('removetrack', { track }));
      },
    };
  }
}

/** @internal What the package does to remote streams (not exported by the package). */
export function remoteStreams(): StreamControl {
  return streamControl!;
}

for (const type of ['addtrack', 'removetrack']) defineEventHandler(MediaStream.prototype, type);
