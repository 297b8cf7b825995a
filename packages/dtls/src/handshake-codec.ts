import { HANDSHAKE_HEADER } from './constants.js';
import { ParseError } from './errors.js';

/** @internal Largest handshake message accepted from a peer (certificate chains included). */
export const MAX_HANDSHAKE_MESSAGE = 65_536;

/** @internal A whole handshake message, as it enters the transcript. */
export interface HandshakeMessage {
  readonly type: number;
  readonly seq: number;
  readonly body: Buffer;
  /** Header (with offset 0 and fragment length = length, RFC 6347 §4.2.6) plus body. */
  readonly raw: Buffer;
}

function writeHeader(
  out: Buffer,
  at: number,
  type: number,
  length: number,
  seq: number,
  offset: number,
  fragmentLength: number,
): void {
  out[at] = type;
  out.writeUIntBE(length, at + 1, 3);
  out.writeUInt16BE(seq, at + 4);
  out.writeUIntBE(offset, at + 6, 3);
  out.writeUIntBE(fragmentLength, at + 9, 3);
}

/** @internal The unfragmented form of a message (RFC 6347 §4.2.2), which the transcript hashes. */
export function encodeHandshake(type: number, seq: number, body: Uint8Array): HandshakeMessage {
  const raw = Buffer.allocUnsafe(HANDSHAKE_HEADER + body.length);
  writeHeader(raw, 0, type, body.length, seq, 0, body.length);
  raw.set(body, HANDSHAKE_HEADER);
  return { type, seq, body: raw.subarray(HANDSHAKE_HEADER), raw };
}

/**
 * @internal Splits `message` into fragments of at most `maxFragment` body bytes, each with
 * its own handshake header (RFC 6347 §4.2.3). A message that fits is returned as is.
 */
export function fragmentHandshake(message: HandshakeMessage, maxFragment: number): Buffer[] {
  const length = message.body.length;
  if (length <= maxFragment) return [message.raw];
  const out: Buffer[] = [];
  for (let offset = 0; offset < length; offset += maxFragment) {
    const n = Math.min(maxFragment, length - offset);
    const frag = Buffer.allocUnsafe(HANDSHAKE_HEADER + n);
    writeHeader(frag, 0, message.type, length, message.seq, offset, n);
    message.body.copy(frag, HANDSHAKE_HEADER, offset, offset + n);
    out.push(frag);
  }
  return out;
}

/** @internal One handshake fragment, as read from a record (views into the record). */
export interface HandshakeFragment {
  type: number;
  length: number;
  seq: number;
  offset: number;
  data: Buffer;
}

/**
 * @internal Reads the fragments of a handshake record body. Throws {@link ParseError} on a
 * truncated or inconsistent header.
 */
export function readFragments(body: Buffer): HandshakeFragment[] {
  const out: HandshakeFragment[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < HANDSHAKE_HEADER) throw new ParseError('truncated handshake header');
    const type = body[at]!;
    const length = body.readUIntBE(at + 1, 3);
    const seq = body.readUInt16BE(at + 4);
    const offset = body.readUIntBE(at + 6, 3);
    const fragmentLength = body.readUIntBE(at + 9, 3);
    const start = at + HANDSHAKE_HEADER;
    if (start + fragmentLength > body.length) throw new ParseError('truncated handshake fragment');
    if (offset + fragmentLength > length) throw new ParseError('fragment past message end');
    if (length > MAX_HANDSHAKE_MESSAGE)
      throw new ParseError(`handshake message of ${length} bytes`);
    out.push({ type, length, seq, offset, data: body.subarray(start, start + fragmentLength) });
    at = start + fragmentLength;
  }
  return out;
}

interface Partial {
  type: number;
  body: Buffer;
  /** One flag per byte received; absent while nothing but whole-message fragments came. */
  have: Uint8Array;
  missing: number;
}

/**
 * @internal Reassembles handshake messages from fragments that arrive in any order,
 * duplicated or overlapping (RFC 6347 §4.2.3), and releases whole messages strictly in
 * message_seq order. Fragments of messages already released, or too far ahead, are reported
 * to the caller as old/ignored.
 */
export class Reassembler {
  /** The message_seq of the next message to release. */
  next = 0;
  private readonly partial = new Map<number, Partial>();
  private readonly ready = new Map<number, HandshakeMessage>();

  constructor(private readonly maxAhead = 16) {}

  /**
   * Adds a fragment. Returns 'old' for a fragment of an already-released message (the peer
   * retransmitted: RFC 6347 §4.2.4), 'ignored' when it is too far ahead or inconsistent with
   * earlier fragments, and 'ok' otherwise.
   */
  add(f: HandshakeFragment): 'ok' | 'old' | 'ignored' {
    if (f.seq < this.next) return 'old';
    if (f.seq >= this.next + this.maxAhead) return 'ignored';
    if (this.ready.has(f.seq)) return 'ok';
    let p = this.partial.get(f.seq);
    if (!p) {
      if (f.offset === 0 && f.data.length === f.length) {
        this.complete(f.seq, f.type, Buffer.from(f.data));
        return 'ok';
      }
      p = {
        type: f.type,
        body: Buffer.alloc(f.length),
        have: new Uint8Array(f.length),
        missing: f.length,
      };
      this.partial.set(f.seq, p);
    } else if (p.type !== f.type || p.body.length !== f.length) {
      return 'ignored';
    }
    const have = p.have;
    for (let i = 0; i < f.data.length; i++) {
      const at = f.offset + i;
      if (have[at] === 0) {
        have[at] = 1;
        p.body[at] = f.data[i]!;
        p.missing--;
      }
    }
    if (p.missing === 0) {
      this.partial.delete(f.seq);
      this.complete(f.seq, p.type, p.body);
    }
    return 'ok';
  }

  private complete(seq: number, type: number, body: Buffer): void {
    this.ready.set(seq, encodeHandshake(type, seq, body));
  }

  /** The next whole message in order, or undefined. */
  shift(): HandshakeMessage | undefined {
    const m = this.ready.get(this.next);
    if (!m) return undefined;
    this.ready.delete(this.next);
    this.next++;
    return m;
  }

  /**
   * Un-releases message `seq` (the last one released), which was out of place and dropped,
   * so that the genuine message with that message_seq is still accepted when it arrives.
   */
  rewind(seq: number): void {
    if (seq === this.next - 1) this.next = seq;
  }

  /** Forgets everything buffered and restarts at `next` (after a HelloVerifyRequest). */
  reset(next: number): void {
    this.partial.clear();
    this.ready.clear();
    this.next = next;
  }
}
