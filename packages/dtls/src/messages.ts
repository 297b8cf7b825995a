import { DTLS_1_2 } from './constants.js';
import { ParseError } from './errors.js';
import { type HelloExtensions, readExtensions, writeExtensions } from './extensions.js';
import { Reader, u16, u16List, vector } from './reader.js';

/** @internal ClientHello (RFC 6347 §4.2.1, RFC 5246 §7.4.1.2). */
export interface ClientHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cookie: Buffer;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: HelloExtensions;
}

/** @internal ServerHello (RFC 5246 §7.4.1.3). */
export interface ServerHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  compressionMethod: number;
  extensions: HelloExtensions;
}

/** @internal ServerKeyExchange for ECDHE (RFC 8422 §5.4). */
export interface ServerKeyExchange {
  group: number;
  publicKey: Buffer;
  /** ServerECDHParams as sent, which the signature covers with both randoms. */
  params: Buffer;
  scheme: number;
  signature: Buffer;
}

/** @internal CertificateRequest (RFC 5246 §7.4.4). */
export interface CertificateRequest {
  certificateTypes: number[];
  signatureAlgorithms: number[];
}

/** @internal A digitally-signed element: scheme then signature (RFC 5246 §4.7). */
export interface Signed {
  scheme: number;
  signature: Buffer;
}

export function encodeClientHello(m: ClientHello): Buffer {
  return Buffer.concat([
    u16(m.version),
    m.random,
    vector(1, m.sessionId),
    vector(1, m.cookie),
    u16List(m.cipherSuites),
    vector(1, Uint8Array.from(m.compressionMethods)),
    writeExtensions(m.extensions),
  ]);
}

export function decodeClientHello(body: Buffer): ClientHello {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec(1);
  const cookie = r.vec(1);
  const suites = r.vec(2);
  if (suites.length % 2 || suites.length === 0) throw new ParseError('bad cipher_suites');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push(suites.readUInt16BE(i));
  const compressionMethods = [...r.vec(1)];
  const extensions = readExtensions(r);
  r.done();
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function encodeServerHello(m: ServerHello): Buffer {
  return Buffer.concat([
    u16(m.version),
    m.random,
    vector(1, m.sessionId),
    u16(m.cipherSuite),
    Buffer.of(m.compressionMethod),
    writeExtensions(m.extensions),
  ]);
}

export function decodeServerHello(body: Buffer): ServerHello {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec(1);
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = readExtensions(r);
  r.done();
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

/** HelloVerifyRequest (RFC 6347 §4.2.1): server_version then cookie<0..2^8-1>. */
export function encodeHelloVerifyRequest(version: number, cookie: Uint8Array): Buffer {
  return Buffer.concat([u16(version), vector(1, cookie)]);
}

export function decodeHelloVerifyRequest(body: Buffer): { version: number; cookie: Buffer } {
  const r = new Reader(body);
  const version = r.u16();
  const cookie = r.vec(1);
  r.done();
  return { version, cookie };
}

/** Certificate (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
export function encodeCertificate(chain: readonly Uint8Array[]): Buffer {
  return vector(3, Buffer.concat(chain.map((c) => vector(3, c))));
}

export function decodeCertificate(body: Buffer): Buffer[] {
  const r = new Reader(body);
  const list = new Reader(r.vec(3));
  r.done();
  const out: Buffer[] = [];
  while (list.remaining > 0) {
    const cert = list.vec(3);
    if (cert.length === 0) throw new ParseError('empty certificate');
    out.push(cert);
  }
  return out;
}

/** ECParameters with named_curve (3), the point, then the signature (RFC 8422 §5.4). */
export function encodeServerKeyExchangeParams(group: number, publicKey: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(3), u16(group), vector(1, publicKey)]);
}

export function encodeSigned(s: Signed): Buffer {
  return Buffer.concat([u16(s.scheme), vector(2, s.signature)]);
}

export function decodeServerKeyExchange(body: Buffer): ServerKeyExchange {
  const r = new Reader(body);
  if (r.u8() !== 3) throw new ParseError('ServerKeyExchange curve_type is not named_curve');
  const group = r.u16();
  const publicKey = r.vec(1);
  const params = body.subarray(0, r.pos);
  const scheme = r.u16();
  const signature = r.vec(2);
  r.done();
  return { group, publicKey, params, scheme, signature };
}

export function encodeCertificateRequest(m: CertificateRequest): Buffer {
  return Buffer.concat([
    vector(1, Uint8Array.from(m.certificateTypes)),
    u16List(m.signatureAlgorithms),
    u16(0), // certificate_authorities: none (any CA, WebRTC certificates are self-signed)
  ]);
}

export function decodeCertificateRequest(body: Buffer): CertificateRequest {
  const r = new Reader(body);
  const certificateTypes = [...r.vec(1)];
  const algs = r.vec(2);
  if (algs.length % 2) throw new ParseError('odd supported_signature_algorithms');
  const signatureAlgorithms: number[] = [];
  for (let i = 0; i < algs.length; i += 2) signatureAlgorithms.push(algs.readUInt16BE(i));
  r.vec(2);
  r.done();
  return { certificateTypes, signatureAlgorithms };
}

/** ClientKeyExchange for ECDHE: the client's point, ECPoint<1..2^8-1> (RFC 8422 §5.7). */
export function encodeClientKeyExchange(publicKey: Uint8Array): Buffer {
  return vector(1, publicKey);
}

export function decodeClientKeyExchange(body: Buffer): Buffer {
  const r = new Reader(body);
  const pub = r.vec(1);
  r.done();
  if (pub.length === 0) throw new ParseError('empty ClientKeyExchange');
  return pub;
}

export function decodeSigned(body: Buffer): Signed {
  const r = new Reader(body);
  const scheme = r.u16();
  const signature = r.vec(2);
  r.done();
  return { scheme, signature };
}

export function decodeFinished(body: Buffer): Buffer {
  if (body.length !== 12) throw new ParseError(`Finished of ${body.length} bytes`);
  return body;
}

/** @internal Our hello version: DTLS 1.2. */
export const HELLO_VERSION = DTLS_1_2;
