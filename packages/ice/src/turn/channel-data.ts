/**
 * ChannelData messages, RFC 8656 §12.4: a 4-byte header (channel number, length) followed by
 * the application data. Channel numbers 0x4000–0x4FFF (§12). Over UDP the datagram may carry
 * padding after `length` bytes; over TCP and TLS the message is padded to a multiple of four
 * bytes (§12.5) so that the next STUN or ChannelData message starts aligned.
 */

/** Lowest channel number, RFC 8656 §12. */
export const MIN_CHANNEL = 0x4000;
/** Highest channel number, RFC 8656 §12. */
export const MAX_CHANNEL = 0x4fff;

/** True when the first byte marks a ChannelData message (first two bits 01, RFC 8656 §12). */
export function isChannelData(buf: Uint8Array): boolean {
  return buf.length >= 4 && (buf[0]! & 0xc0) === 0x40;
}

/**
 * Encodes a ChannelData message into one new buffer (the socket may read it after `send`
 * returns). With `pad` (TCP/TLS), the message is padded with zeros to a multiple of 4.
 */
export function encodeChannelData(channel: number, data: Uint8Array, pad: boolean): Buffer {
  const total = 4 + (pad ? (data.length + 3) & ~3 : data.length);
  const out = Buffer.allocUnsafe(total);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  out.set(data, 4);
  if (total > 4 + data.length) out.fill(0, 4 + data.length);
  return out;
}

/** The channel number of a ChannelData message, or -1 when it is not a well-formed one. */
export function channelDataNumber(buf: Buffer): number {
  if (buf.length < 4) return -1;
  const ch = buf.readUInt16BE(0);
  if (ch < MIN_CHANNEL || ch > MAX_CHANNEL) return -1;
  // §12.6: a length field past the end of the datagram means the message is discarded.
  if (4 + buf.readUInt16BE(2) > buf.length) return -1;
  return ch;
}

/** The application data of a well-formed ChannelData message (a view, no copy). */
export function channelDataPayload(buf: Buffer): Buffer {
  return buf.subarray(4, 4 + buf.readUInt16BE(2));
}
