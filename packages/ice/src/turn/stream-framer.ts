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
      // Complete the pending message with only the bytes it lacks: a large chunk is never
      // copied as a whole.
      let p = this.pending;
      let used = 0;
      if (p.length < 4) {
        used = Math.min(4 - p.length, buf.length);
        p = Buffer.concat([p, buf.subarray(0, used)]);
        if (p.length < 4) {
          this.pending = p;
          return;
        }
      }
      const total = this.frameLength(p, 0);
      if (total < 0) {
        this.desync();
        return;
      }
      const take = Math.min(total - p.length, buf.length - used);
      p = Buffer.concat([p, buf.subarray(used, used + take)]);
      buf = buf.subarray(used + take);
      if (p.length < total) {
        this.pending = p;
        return;
      }
      this.pending = undefined;
      // The cookie, now that it is in.
      if (this.frameLength(p, 0) < 0) {
        this.desync();
        return;
      }
      this.onFrame(p);
      if (this.broken) return;
    }
    let o = 0;
    while (buf.length - o >= 4) {
      const total = this.frameLength(buf, o);
      if (total < 0) {
        this.desync();
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

  /** Length of the message at `o` (4 header bytes present), or -1 when it is neither kind. */
  private frameLength(buf: Buffer, o: number): number {
    const top = buf[o]! & 0xc0;
    let total = -1;
    if (top === 0x00) {
      // A STUN header carries the magic cookie (RFC 8489 §5): check it once 8 bytes are in.
      const cookieOk = buf.length - o < 8 || buf.readUInt32BE(o + 4) === MAGIC_COOKIE;
      if (cookieOk) total = 20 + buf.readUInt16BE(o + 2);
    } else if (top === 0x40 && buf.readUInt16BE(o) <= MAX_CHANNEL) {
      total = 4 + ((buf.readUInt16BE(o + 2) + 3) & ~3);
    }
    return total > MAX_FRAME ? -1 : total;
  }

  private desync(): void {
    this.broken = true;
    this.pending = undefined;
    this.onDesync();
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}
