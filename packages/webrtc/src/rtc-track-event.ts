/** W3C `RTCTrackEvent` (webrtc-pc §5.7): what `track` carries. */
import type { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';

/** webrtc-pc `RTCTrackEventInit`. */
export interface RTCTrackEventInit {
  /** As `EventInit`. */
  bubbles?: boolean;
  /** As `EventInit`. */
  cancelable?: boolean;
  /** As `EventInit`. */
  composed?: boolean;
  /** The receiver of the track. */
  receiver: RTCRtpReceiver;
  /** The remote track. */
  track: MediaStreamTrack;
  /** The streams the track is in (default none). */
  streams?: MediaStream[];
  /** The transceiver of the receiver. */
  transceiver: RTCRtpTransceiver;
}

/**
 * W3C `RTCTrackEvent`: fired at the peer connection by `setRemoteDescription()` for each
 * remote track it adds ("process the addition of a remote track"), with the streams of its
 * `a=msid`. The constructor throws TypeError without `receiver`, `track` or `transceiver`.
 */
export class RTCTrackEvent extends Event {
  readonly #receiver: RTCRtpReceiver;
  readonly #track: MediaStreamTrack;
  readonly #streams: readonly MediaStream[];
  readonly #transceiver: RTCRtpTransceiver;

  constructor(type: string, init: RTCTrackEventInit) {
    // biome-ignore lint/complexity/noArguments: WebIDL: both arguments are required.
    if (arguments.length < 2) throw new TypeError('RTCTrackEvent needs a type and an init');
    if (!(init?.receiver instanceof RTCRtpReceiver))
      throw new TypeError('RTCTrackEvent needs an RTCRtpReceiver as receiver');
    if (!(init.track instanceof MediaStreamTrack))
      throw new TypeError('RTCTrackEvent needs a MediaStreamTrack as track');
    if (!(init.transceiver instanceof RTCRtpTransceiver))
      throw new TypeError('RTCTrackEvent needs an RTCRtpTransceiver as transceiver');
    super(type, init);
    this.#receiver = init.receiver;
    this.#track = init.track;
    this.#streams = Object.freeze([...(init.streams ?? [])]);
    this.#transceiver = init.transceiver;
  }
  /** The receiver of the track. */
  get receiver(): RTCRtpReceiver {
    return this.#receiver;
  }
  /** The remote track. */
  get track(): MediaStreamTrack {
    return this.#track;
  }
  /** The streams the track is in (`a=msid`), a frozen array. */
  get streams(): readonly MediaStream[] {
    return this.#streams;
  }
  /** The transceiver of the receiver. */
  get transceiver(): RTCRtpTransceiver {
    return this.#transceiver;
  }
}
