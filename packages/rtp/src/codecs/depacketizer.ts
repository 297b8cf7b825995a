/**
 * The contract between a codec's depacketizer and whatever orders packets and groups them into
 * frames (the jitter buffer in `stream/`). A codec knows where its frames begin and whether
 * one is a keyframe; the buffer knows order, loss and time.
 */

/** What a depacketizer and the jitter buffer need of an RTP packet: a structural view. */
export interface RtpPayloadView {
  /** RFC 3550 §5.1 sequence number (16 bits). */
  readonly sequenceNumber: number;
  /** RFC 3550 §5.1 timestamp (32 bits, unsigned). */
  readonly timestamp: number;
  /** RFC 3550 §5.1 marker bit: for video, the last packet of a frame. */
  readonly marker: boolean;
  /** The payload, padding removed. */
  readonly payload: Uint8Array;
}

/** Turns the RTP payloads of one codec back into the frames the encoder made. */
export interface Depacketizer {
  /** True when `payload` is the first packet of a frame (a partition head). */
  isFrameStart(payload: Uint8Array): boolean;
  /** True when this packet is the last of its frame (for most codecs: the marker bit). */
  isFrameEnd(payload: Uint8Array, marker: boolean): boolean;
  /** True when the frame that begins with `payload` is a keyframe (asked of a frame's first packet). */
  isKeyframe(payload: Uint8Array): boolean;
  /**
   * The frame carried by `payloads`, every packet of one frame in sequence order, or
   * `undefined` when they do not form a valid frame (it is dropped, never emitted corrupt).
   */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined;
}

/** Splits an encoded frame into RTP payloads of at most `maxPayloadSize` bytes each. */
export interface Payloader {
  /** The payloads of `frame`, in order; the caller sets the marker bit on the last one (video). */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[];
}
