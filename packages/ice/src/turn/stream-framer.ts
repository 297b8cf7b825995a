/**
 * Splitting a TCP or TLS byte stream to a TURN server into messages, RFC 8656 §12.5 and
 * RFC 8489 §6.2.2 (the framing RFC 6062 also uses on its control connection). A message
 * starting with bits 00 is STUN: 20 header bytes plus the header's length field (always a
 * multiple of 4). One starting with 01 is ChannelData: 4 bytes plus the length field, padded
 * to a multiple of 4. Anything else means the stream is out of step and cannot be resynced:
 * the framer reports it and stops.
 */

import { MAGIC_COOKIE } from '../stun/constants.js';
import { MAX_CHANNEL } from './channel-data.js';

/** Largest message accepted on a stream (header + 65 535 bytes, padded). */
const MAX_FRAME = 4 + 65_536;

/** Reassembles messages from stream chunks, without copying when a chunk holds whole messages. */
export class StreamFramer {
  private pending: Buffer | undefined;
  private broken = false;

  constructor(
    /** Called with each complete message (a view, valid until the callback returns). */
    private readonly onFrame: (frame: Buffer) => void,
    /** Called once when the stream carries something that is neither STUN nor ChannelData. */
    private readonly onDesync: () => void,
  ) {}

  /** Feeds bytes read from the stream. */
  push(chunk: Buffer): void {
    if (this.broken) return;
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let o = 0;
    while (buf.length - o >= 4) {
      const top = buf[o]! & 0xc0;
      let total: number;
      if (top === 0x00) {
        // A STUN header carries the magic cookie (RFC 8489 §5): check it once 8 bytes are in.
        const cookieOk = buf.length - o < 8 || buf.readUInt32BE(o + 4) === MAGIC_COOKIE;
        total = cookieOk ? 20 + buf.readUInt16BE(o + 2) : -1;
      } else if (top === 0x40 && buf.readUInt16BE(o) <= MAX_CHANNEL) {
        total = 4 + ((buf.readUInt16BE(o + 2) + 3) & ~3);
      } else total = -1;
      if (total < 0 || total > MAX_FRAME) {
        this.broken = true;
        this.onDesync();
        return;
      }
      if (buf.length - o < total) break;
      this.onFrame(buf.subarray(o, o + total));
      if (this.broken) return;
      o += total;
    }
    // Keep the incomplete tail (a copy: the chunk belongs to the socket layer's handler).
    if (o < buf.length) this.pending = Buffer.from(buf.subarray(o));
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}
