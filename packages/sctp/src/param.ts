/**
 * SCTP parameters (TLVs inside INIT, INIT-ACK, HEARTBEAT and RE-CONFIG chunks) and error
 * causes (TLVs inside ABORT and ERROR): RFC 9260 §3.3.2.1, §3.3.10, RFC 3758 §3.1,
 * RFC 5061 §4.2.7 (supported extensions), RFC 6525 §4, RFC 9653 §5.1.
 */

/** Parameter types. */
export const ParamType = {
  HeartbeatInfo: 1,
  Ipv4Address: 5,
  Ipv6Address: 6,
  StateCookie: 7,
  UnrecognizedParameter: 8,
  CookiePreservative: 9,
  SupportedAddressTypes: 12,
  OutgoingResetRequest: 13,
  IncomingResetRequest: 14,
  SsnTsnResetRequest: 15,
  ReconfigResponse: 16,
  AddOutgoingStreams: 17,
  AddIncomingStreams: 18,
  ZeroChecksumAcceptable: 0x8001,
  SupportedExtensions: 0x8008,
  ForwardTsnSupported: 0xc000,
} as const;

/** Error cause codes (RFC 9260 §3.3.10, RFC 6525 §3.1 not included: those are results). */
export const CauseCode = {
  InvalidStreamIdentifier: 1,
  MissingMandatoryParameter: 2,
  StaleCookie: 3,
  OutOfResource: 4,
  UnresolvableAddress: 5,
  UnrecognizedChunkType: 6,
  InvalidMandatoryParameter: 7,
  UnrecognizedParameters: 8,
  NoUserData: 9,
  CookieWhileShuttingDown: 10,
  RestartWithNewAddresses: 11,
  UserInitiatedAbort: 12,
  ProtocolViolation: 13,
} as const;

/** Results of a RE-CONFIG response (RFC 6525 §4.4). */
export const ReconfigResult = {
  SuccessNothingToDo: 0,
  SuccessPerformed: 1,
  Denied: 2,
  ErrorWrongSsn: 3,
  ErrorRequestAlreadyInProgress: 4,
  ErrorBadSequenceNumber: 5,
  InProgress: 6,
} as const;

/** Error Detection Method Identifier of RFC 9653 §5.1 for "DTLS below SCTP" (RFC 8261). */
export const EDMID_DTLS = 1;

/** A raw TLV: a parameter or an error cause, `value` a view into the packet. */
export interface Tlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * Splits `buf[start, end)` into TLVs (4-byte header, value padded to 4 bytes). Returns
 * `undefined` when a length is malformed (shorter than the header or running past `end`).
 */
export function decodeTlvs(buf: Uint8Array, start: number, end: number): Tlv[] | undefined {
  const out: Tlv[] = [];
  let off = start;
  while (off + 4 <= end) {
    const type = (buf[off]! << 8) | buf[off + 1]!;
    const len = (buf[off + 2]! << 8) | buf[off + 3]!;
    if (len < 4 || off + len > end) return undefined;
    out.push({ type, value: buf.subarray(off + 4, off + len) });
    off += (len + 3) & ~3;
  }
  // Trailing bytes that are not a whole TLV header: only padding is allowed.
  if (off < end && end - off >= 4) return undefined;
  return out;
}

/** Encoded size of TLVs, each padded to 4 bytes. */
export function tlvsSize(tlvs: readonly Tlv[]): number {
  let n = 0;
  for (const t of tlvs) n += (4 + t.value.length + 3) & ~3;
  return n;
}

/**
 * Length of TLVs inside a chunk's length field: RFC 9260 §3.2 counts the padding of every
 * parameter except the last one.
 */
export function tlvsLength(tlvs: readonly Tlv[]): number {
  const last = tlvs.at(-1);
  if (last === undefined) return 0;
  return tlvsSize(tlvs) - (((4 + last.value.length + 3) & ~3) - (4 + last.value.length));
}

/** Writes TLVs at `off`; returns the offset after the last (padded) one. */
export function encodeTlvs(tlvs: readonly Tlv[], buf: Uint8Array, off: number): number {
  for (const t of tlvs) {
    const len = 4 + t.value.length;
    buf[off] = t.type >>> 8;
    buf[off + 1] = t.type & 0xff;
    buf[off + 2] = len >>> 8;
    buf[off + 3] = len & 0xff;
    buf.set(t.value, off + 4);
    const padded = (len + 3) & ~3;
    for (let i = len; i < padded; i++) buf[off + i] = 0;
    off += padded;
  }
  return off;
}

/** A TLV whose value is the big-endian 32-bit numbers and 16-bit numbers given. */
export function u32Tlv(type: number, ...values: number[]): Tlv {
  const value = new Uint8Array(values.length * 4);
  const view = new DataView(value.buffer);
  values.forEach((v, i) => {
    view.setUint32(i * 4, v >>> 0);
  });
  return { type, value };
}

/** RFC 6525 §4.1: Outgoing SSN Reset Request parameter. */
export interface OutgoingResetRequest {
  readonly requestSeq: number;
  readonly responseSeq: number;
  readonly lastTsn: number;
  readonly streams: readonly number[];
}

/** RFC 6525 §4.4: Re-configuration Response parameter. */
export interface ReconfigResponse {
  readonly responseSeq: number;
  readonly result: number;
}

/** Encodes an Outgoing SSN Reset Request parameter. */
export function encodeOutgoingResetRequest(r: OutgoingResetRequest): Tlv {
  const value = new Uint8Array(12 + r.streams.length * 2);
  const v = new DataView(value.buffer);
  v.setUint32(0, r.requestSeq >>> 0);
  v.setUint32(4, r.responseSeq >>> 0);
  v.setUint32(8, r.lastTsn >>> 0);
  r.streams.forEach((s, i) => {
    v.setUint16(12 + i * 2, s);
  });
  return { type: ParamType.OutgoingResetRequest, value };
}

/** Decodes an Outgoing SSN Reset Request value; `undefined` when malformed. */
export function decodeOutgoingResetRequest(value: Uint8Array): OutgoingResetRequest | undefined {
  if (value.length < 12 || (value.length - 12) % 2 !== 0) return undefined;
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const streams: number[] = [];
  for (let o = 12; o < value.length; o += 2) streams.push(v.getUint16(o));
  return {
    requestSeq: v.getUint32(0),
    responseSeq: v.getUint32(4),
    lastTsn: v.getUint32(8),
    streams,
  };
}

/** Encodes a Re-configuration Response parameter. */
export function encodeReconfigResponse(r: ReconfigResponse): Tlv {
  return u32Tlv(ParamType.ReconfigResponse, r.responseSeq, r.result);
}

/** Decodes a Re-configuration Response value; `undefined` when malformed. */
export function decodeReconfigResponse(value: Uint8Array): ReconfigResponse | undefined {
  if (value.length !== 8 && value.length !== 16) return undefined;
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return { responseSeq: v.getUint32(0), result: v.getUint32(4) };
}

/** The request sequence number that starts every RE-CONFIG request parameter (13, 14, 15, 17, 18). */
export function requestSeqOf(value: Uint8Array): number | undefined {
  if (value.length < 4) return undefined;
  return ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0;
}
