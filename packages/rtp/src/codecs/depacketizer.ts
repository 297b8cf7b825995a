/**
 * The contract between a codec's depacketizer and whatever orders packets and groups them into
 * frames (the jitter buffer in `stream/`). A codec knows where its frames begin and whether
 * one is a keyframe; the buffer knows order, loss and time.
 *
 * What a "frame" is, per codec: one Opus or G.711 packet; one VP8 frame; one VP9 layer frame
 * (RFC 9628 §4.2, B to E: a picture of several spatial layers is several frames with one
 * timestamp, and `assemble` also takes the whole picture); one H.264 access unit (RFC 6184
 * §5.1); one AV1 temporal unit (AV1 RTP specification §4). Every packet of a video frame
 * carries the same RTP timestamp, and the marker bit is set on the last packet of a picture.
 *
 * A single H.264 or AV1 packet cannot always show whether it begins a frame: an IDR slice in
 * its own packet after a STAP-A of SPS and PPS looks like the first packet of an access unit,
 * and so does a slice sent without parameter sets. `isFrameStart` answers true for both. A
 * start whose RTP timestamp is the one of the packet just before it continues that frame; group
 * packets by timestamp (as libwebrtc does for H.264) rather than cut at every start.
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

/**
 * Turns the RTP payloads of one codec back into the frames the encoder made. No method throws,
 * whatever the bytes: input from the network that does not parse is answered with `false` or
 * `undefined`.
 */
export interface Depacketizer {
  /**
   * True when `payload` is the first packet of a frame (a partition head), or, for H.264 and
   * AV1, may be (see above: the timestamp decides).
   */
  isFrameStart(payload: Uint8Array): boolean;
  /** True when this packet is the last of its frame (for most codecs: the marker bit). */
  isFrameEnd(payload: Uint8Array, marker: boolean): boolean;
  /** True when the frame that begins with `payload` is a keyframe (asked of a frame's first packet). */
  isKeyframe(payload: Uint8Array): boolean;
  /**
   * The frame carried by `payloads`, every packet of one frame in sequence order, or
   * `undefined` when they do not form a valid frame (it is dropped, never emitted corrupt).
   * The frame is a new buffer (one allocation), never a view of the payloads. A payload list
   * cannot show a lost packet in the middle of a fragment: the caller checks that the sequence
   * numbers are consecutive, or uses {@link assembleFrame}, which does.
   */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined;
}

/**
 * Splits an encoded frame into RTP payloads of at most `maxPayloadSize` bytes each. A payloader
 * may keep state from frame to frame (a VP8/VP9 picture id, the last H.264 SPS and PPS), so use
 * one per outgoing stream. Invalid input from the program (a `maxPayloadSize` too small to make
 * progress, an empty frame, a frame that is not in the codec's format) throws
 * `RtpConfigurationError`.
 */
export interface Payloader {
  /**
   * The payloads of `frame`, in order; the caller sets the marker bit on the last one (video).
   * `position` says where they go in the stream; a payloader that refers to earlier packets
   * (RED, RFC 2198) needs it, the others ignore it.
   */
  packetize(frame: Uint8Array, maxPayloadSize: number, position?: PayloadPosition): Uint8Array[];
}

/** Where a frame's payloads go in their RTP stream (what `OutboundRtpStream.sendFrame` passes on). */
export interface PayloadPosition {
  /** The sequence number of the first payload's packet; the next ones follow by one (mod 2^16). */
  readonly sequenceNumber: number;
  /** The RTP timestamp of the frame's packets as sent (the stream's random offset included). */
  readonly timestamp: number;
}

const scratch: Uint8Array[] = [];

/**
 * Assembles the frame carried by `packets` after checking everything a payload list alone cannot
 * show: consecutive sequence numbers (RFC 3550 §5.1, modulo 2^16), one timestamp, a first packet
 * that starts a frame and a last one that ends it. Returns `undefined` otherwise, like
 * {@link Depacketizer.assemble}; never throws.
 */
export function assembleFrame(
  depacketizer: Depacketizer,
  packets: readonly RtpPayloadView[],
): Uint8Array | undefined {
  const count = packets.length;
  const first = packets[0];
  const last = packets[count - 1];
  if (first === undefined || last === undefined) return undefined;
  if (!depacketizer.isFrameStart(first.payload)) return undefined;
  if (!depacketizer.isFrameEnd(last.payload, last.marker)) return undefined;
  scratch.length = count;
  for (let i = 0; i < count; i++) {
    const packet = packets[i]!;
    if (i > 0) {
      const previous = packets[i - 1]!;
      if (((previous.sequenceNumber + 1) & 0xffff) !== packet.sequenceNumber) break;
      if (packet.timestamp !== first.timestamp) break;
    }
    scratch[i] = packet.payload;
    if (i === count - 1) {
      const frame = depacketizer.assemble(scratch);
      scratch.length = 0;
      return frame;
    }
  }
  scratch.length = 0;
  return undefined;
}
