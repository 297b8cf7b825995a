import { createHmac, timingSafeEqual } from 'node:crypto';
import { Reader } from './reader.js';

/** @internal Bytes of a HelloVerifyRequest cookie. */
export const COOKIE_LENGTH = 20;

/**
 * @internal The cookie for a ClientHello body (RFC 6347 §4.2.1): an HMAC, under a secret of
 * the server, of every ClientHello field except the cookie itself, so the server keeps no
 * state until a ClientHello comes back with it. Returns the expected cookie and the one the
 * ClientHello carries.
 */
export function helloCookie(secret: Buffer, body: Buffer): { expected: Buffer; received: Buffer } {
  const r = new Reader(body);
  r.u16();
  r.bytes(32);
  r.vec(1);
  const cookieStart = r.pos;
  const received = r.vec(1);
  const expected = createHmac('sha256', secret)
    .update(body.subarray(0, cookieStart))
    .update(body.subarray(r.pos))
    .digest()
    .subarray(0, COOKIE_LENGTH);
  return { expected, received };
}

/** @internal Constant-time cookie check. */
export function cookieMatches(c: { expected: Buffer; received: Buffer }): boolean {
  return c.received.length === c.expected.length && timingSafeEqual(c.received, c.expected);
}
