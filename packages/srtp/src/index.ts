/**
 * `@x/srtp`: SRTP and SRTCP (RFC 3711, RFC 7714) keyed from DTLS-SRTP (RFC 5764), on
 * node:crypto.
 *
 * @packageDocumentation
 */

export {};
