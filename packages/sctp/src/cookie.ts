/**
 * The state cookie (RFC 9260 §5.1.3): everything needed to build the association, signed
 * with HMAC-SHA256 under a per-association secret, so that no state is kept between sending
 * INIT-ACK and receiving a valid COOKIE-ECHO.
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a cookie carries. */
export interface CookieContent {
  /** When the cookie was made (ms on the association's clock). */
  readonly createdAt: number;
  /** Our verification tag (the Initiate Tag of our INIT-ACK). */
  readonly localTag: number;
  /** The peer's Initiate Tag. */
  readonly peerTag: number;
  readonly localInitialTsn: number;
  readonly peerInitialTsn: number;
  readonly peerRwnd: number;
  readonly peerOutboundStreams: number;
  readonly peerInboundStreams: number;
  /** Bit 0: FORWARD-TSN, bit 1: RE-CONFIG, bit 2: zero checksum, as the peer's INIT said. */
  readonly peerFeatures: number;
}

const BODY = 37;
const MAC = 32;
/** Size of an encoded cookie. */
export const COOKIE_SIZE = BODY + MAC;

/** Makes and checks cookies. */
export class CookieSigner {
  private readonly key: Buffer = randomBytes(32);

  sign(c: CookieContent): Uint8Array {
    const buf = Buffer.alloc(COOKIE_SIZE);
    buf[0] = 1; // version
    buf.writeDoubleBE(c.createdAt, 1);
    buf.writeUInt32BE(c.localTag >>> 0, 9);
    buf.writeUInt32BE(c.peerTag >>> 0, 13);
    buf.writeUInt32BE(c.localInitialTsn >>> 0, 17);
    buf.writeUInt32BE(c.peerInitialTsn >>> 0, 21);
    buf.writeUInt32BE(c.peerRwnd >>> 0, 25);
    buf.writeUInt16BE(c.peerOutboundStreams, 29);
    buf.writeUInt16BE(c.peerInboundStreams, 31);
    buf.writeUInt32BE(c.peerFeatures >>> 0, 33);
    createHmac('sha256', this.key).update(buf.subarray(0, BODY)).digest().copy(buf, BODY);
    return buf;
  }

  /** The content of a cookie this signer made, or `undefined` when forged or malformed. */
  verify(cookie: Uint8Array): CookieContent | undefined {
    if (cookie.length !== COOKIE_SIZE || cookie[0] !== 1) return undefined;
    const b = Buffer.from(cookie.buffer, cookie.byteOffset, cookie.byteLength);
    const mac = createHmac('sha256', this.key).update(b.subarray(0, BODY)).digest();
    if (!timingSafeEqual(mac, b.subarray(BODY))) return undefined;
    return {
      createdAt: b.readDoubleBE(1),
      localTag: b.readUInt32BE(9),
      peerTag: b.readUInt32BE(13),
      localInitialTsn: b.readUInt32BE(17),
      peerInitialTsn: b.readUInt32BE(21),
      peerRwnd: b.readUInt32BE(25),
      peerOutboundStreams: b.readUInt16BE(29),
      peerInboundStreams: b.readUInt16BE(31),
      peerFeatures: b.readUInt32BE(33),
    };
  }
}
