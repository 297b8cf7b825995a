/**
 * RFC 4571 §2 framing, as ICE-TCP uses it (RFC 6544 §3): every STUN message, DTLS record
 * and SRTP packet on the TCP stream is preceded by its length, 16 bits in network byte order,
 * so a frame carries at most 65 535 bytes.
 */

/** The largest payload a frame can carry (the 16-bit length field). */
export const MAX_FRAME_PAYLOAD = 0xffff;

/** `data` with its 2-byte length in front. The caller checks the size. */
export function encodeFrame(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + data.byteLength);
  out.writeUInt16BE(data.byteLength, 0);
  out.set(data, 2);
  return out;
}

/**
 * Cuts a byte stream into frames. A frame that lies whole inside a chunk is handed on as a
 * view of it (no copy); only a frame split across chunks is gathered into a buffer of its own,
 * so what is held is at most one frame (2 + 65 535 bytes) whatever the peer sends.
 */
export class FrameReader {
  /** The bytes of a frame begun in an earlier chunk (its length field included). */
  private partial: Buffer | undefined;
  private partialLength = 0;
  /** Empty frames seen (a zero length field): skipped. */
  emptyFrames = 0;

  /** Bytes of an unfinished frame held (0 between frames). */
  get pendingBytes(): number {
    return this.partialLength;
  }

  /**
   * Feeds a chunk; `onFrame` gets each complete frame, valid only during the call, and
   * returns false to stop reading (the rest of the chunk is dropped).
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => boolean): void {
    let offset = 0;
    if (this.partial !== undefined) {
      const done = this.fillPartial(chunk);
      offset = done.used;
      if (done.frame === undefined) return;
      if (done.frame.length === 2) this.emptyFrames++;
      else if (!onFrame(done.frame.subarray(2))) return;
    }
    // Whole frames inside the chunk: views.
    while (offset < chunk.length) {
      if (chunk.length - offset < 2) {
        this.startPartial(chunk.subarray(offset), 2);
        return;
      }
      const size = chunk.readUInt16BE(offset);
      const end = offset + 2 + size;
      if (end > chunk.length) {
        this.startPartial(chunk.subarray(offset), 2 + size);
        return;
      }
      const frame = chunk.subarray(offset + 2, end);
      offset = end;
      if (size === 0) {
        this.emptyFrames++;
        continue;
      }
      if (!onFrame(frame)) return;
    }
  }

  /**
   * A frame split across chunks: its first bytes, and its total size with the length field
   * (2 while the length field itself is incomplete).
   */
  private startPartial(bytes: Buffer, total: number): void {
    this.partial = Buffer.allocUnsafe(total);
    bytes.copy(this.partial, 0);
    this.partialLength = bytes.length;
  }

  /**
   * Completes the pending frame from `chunk`: how many bytes of the chunk it used, and the
   * frame (length field included) once complete.
   */
  private fillPartial(chunk: Buffer): { used: number; frame: Buffer | undefined } {
    let used = 0;
    let partial = this.partial!;
    if (this.partialLength < 2) {
      used = Math.min(2 - this.partialLength, chunk.length);
      chunk.copy(partial, this.partialLength, 0, used);
      this.partialLength += used;
      if (this.partialLength < 2) return { used, frame: undefined };
      const grown = Buffer.allocUnsafe(2 + partial.readUInt16BE(0));
      partial.copy(grown, 0, 0, 2);
      partial = grown;
      this.partial = grown;
    }
    const take = Math.min(partial.length - this.partialLength, chunk.length - used);
    chunk.copy(partial, this.partialLength, used, used + take);
    this.partialLength += take;
    used += take;
    if (this.partialLength < partial.length) return { used, frame: undefined };
    this.partial = undefined;
    this.partialLength = 0;
    return { used, frame: partial };
  }
}
