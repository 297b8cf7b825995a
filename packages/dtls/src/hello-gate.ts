/**
 * @internal The server's front door before any handshake state exists (RFC 6347 §4.2.1): a
 * ClientHello is admitted only once whole and, with the cookie exchange on, carrying a valid
 * cookie; otherwise it is answered with a HelloVerifyRequest, buffered (fragments) or dropped.
 */

import type { ResolvedConfig } from './config.js';
import { ContentType, DTLS_1_0, HandshakeType } from './constants.js';
import { cookieMatches, helloCookie } from './cookie.js';
import {
  encodeHandshake,
  type HandshakeFragment,
  type HandshakeMessage,
  Reassembler,
} from './handshake-codec.js';
import { type ClientHello, decodeClientHello, encodeHelloVerifyRequest } from './messages.js';
import { plainRecord } from './record.js';

/** The largest ClientHello buffered while its fragments arrive. */
export const MAX_CLIENT_HELLO = 8192;

/**
 * The highest ClientHello message_seq admitted. The server numbers its own messages from the
 * ClientHello's (RFC 6347 §4.2.2: after a HelloVerifyRequest both are 1) and a handshake then
 * takes at most a dozen more on each side, all of which must fit in the 16-bit field; a real
 * client sends 0 or 1, so anything near the top is forged or corrupt.
 */
export const MAX_CLIENT_HELLO_SEQ = 0xffff - 32;

/** A ClientHello let through: decoded, and as the transcript's first message. */
export interface AdmittedHello {
  readonly hello: ClientHello;
  readonly message: HandshakeMessage;
}

/** @internal See the module comment. */
export class HelloGate {
  private parts: { seq: number; reassembler: Reassembler } | undefined;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly counters: { handshakeDropped: number },
    private readonly emit: (datagram: Buffer) => void,
  ) {}

  /**
   * Offers the fragments of one epoch-0 record whose sequence number is `recordSeq`; returns
   * the ClientHello to start a handshake with, if they complete an acceptable one.
   */
  admit(fragments: readonly HandshakeFragment[], recordSeq: number): AdmittedHello | undefined {
    const f = this.wholeClientHello(fragments);
    if (!f) return undefined;
    const hello = decodeClientHello(f.data);
    const cookie = this.config.cookieExchange
      ? helloCookie(this.config.cookieSecret, f.data)
      : undefined;
    if (cookie !== undefined && !cookieMatches(cookie)) {
      // RFC 6347 §4.2.1: the HelloVerifyRequest reuses the ClientHello's message_seq and
      // record sequence number, and carries version DTLS 1.0.
      const hvr = encodeHandshake(
        HandshakeType.HelloVerifyRequest,
        f.seq,
        encodeHelloVerifyRequest(DTLS_1_0, cookie.expected),
      );
      this.emit(plainRecord(ContentType.Handshake, 0, recordSeq, hvr.raw, DTLS_1_0));
      return undefined;
    }
    return { hello, message: encodeHandshake(f.type, f.seq, f.data) };
  }

  /**
   * The ClientHello these fragments complete, if any. A ClientHello larger than one record
   * (Chromium's, with a post-quantum key share, is about 1.4 kB) arrives in fragments: RFC 9147
   * §5.1 lets a server buffer them. One message of at most {@link MAX_CLIENT_HELLO} bytes is
   * buffered, so the state a spoofed source can create stays bounded and tiny.
   */
  private wholeClientHello(fragments: readonly HandshakeFragment[]): HandshakeFragment | undefined {
    for (const f of fragments) {
      if (
        f.type !== HandshakeType.ClientHello ||
        f.seq > MAX_CLIENT_HELLO_SEQ ||
        f.length > MAX_CLIENT_HELLO ||
        f.offset + f.data.length > f.length
      ) {
        this.counters.handshakeDropped++;
        continue;
      }
      if (f.offset === 0 && f.data.length === f.length) return f;
      if (this.parts?.seq !== f.seq) {
        const reassembler = new Reassembler(1);
        reassembler.reset(f.seq);
        this.parts = { seq: f.seq, reassembler };
      }
      const parts = this.parts;
      parts.reassembler.add(f);
      const message = parts.reassembler.shift();
      if (message) {
        this.parts = undefined;
        return {
          type: message.type,
          seq: message.seq,
          length: message.body.length,
          offset: 0,
          data: message.body,
        };
      }
    }
    return undefined;
  }
}
