/**
 * SCTP chunks (RFC 9260 §3.3, RFC 3758 §3.2 FORWARD-TSN, RFC 6525 §3.1 RE-CONFIG): typed
 * values, a decoder that never throws (malformed input gives `undefined`) and an encoder.
 * Byte fields are views into the packet they came from, never copies.
 */

import { decodeTlvs, encodeTlvs, type Tlv, tlvsLength } from './param.js';

/** Chunk types. */
export const ChunkType = {
  Data: 0,
  Init: 1,
  InitAck: 2,
  Sack: 3,
  Heartbeat: 4,
  HeartbeatAck: 5,
  Abort: 6,
  Shutdown: 7,
  ShutdownAck: 8,
  Error: 9,
  CookieEcho: 10,
  CookieAck: 11,
  ShutdownComplete: 14,
  Reconfig: 130,
  ForwardTsn: 192,
  /** PAD (RFC 4820): fills a PMTU probe; discarded by its receiver. */
  Pad: 132,
} as const;

/** DATA chunk flags (RFC 9260 §3.3.1, RFC 7053 §3 for I). */
export const DataFlags = { End: 1, Begin: 2, Unordered: 4, Immediate: 8 } as const;

/** DATA (RFC 9260 §3.3.1). */
export interface DataChunk {
  readonly type: 0;
  /** Bits U, B, E, I: see {@link DataFlags}. */
  readonly flags: number;
  readonly tsn: number;
  readonly streamId: number;
  readonly ssn: number;
  readonly ppid: number;
  readonly payload: Uint8Array;
}

/** INIT and INIT-ACK (RFC 9260 §3.3.2, §3.3.3). */
export interface InitChunk {
  readonly type: 1 | 2;
  readonly initiateTag: number;
  readonly aRwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly initialTsn: number;
  readonly params: readonly Tlv[];
}

/** A gap ack block, offsets from the cumulative TSN ack (RFC 9260 §3.3.4). */
export interface GapBlock {
  readonly start: number;
  readonly end: number;
}

/** SACK (RFC 9260 §3.3.4). */
export interface SackChunk {
  readonly type: 3;
  readonly cumulativeTsnAck: number;
  readonly aRwnd: number;
  readonly gapBlocks: readonly GapBlock[];
  readonly duplicateTsns: readonly number[];
}

/** HEARTBEAT and HEARTBEAT-ACK (RFC 9260 §3.3.5, §3.3.6): the Heartbeat Info is echoed. */
export interface HeartbeatChunk {
  readonly type: 4 | 5;
  readonly info: Uint8Array;
}

/** ABORT and ERROR (RFC 9260 §3.3.7, §3.3.10). */
export interface CausesChunk {
  readonly type: 6 | 9;
  /** ABORT's T bit: the verification tag is reflected. Always false on ERROR. */
  readonly reflected: boolean;
  readonly causes: readonly Tlv[];
}

/** SHUTDOWN (RFC 9260 §3.3.8). */
export interface ShutdownChunk {
  readonly type: 7;
  readonly cumulativeTsnAck: number;
}

/** Chunks without a value: SHUTDOWN-ACK, COOKIE-ACK, SHUTDOWN-COMPLETE (T bit). */
export interface EmptyChunk {
  readonly type: 8 | 11 | 14;
  readonly reflected: boolean;
}

/** COOKIE-ECHO (RFC 9260 §3.3.11). */
export interface CookieEchoChunk {
  readonly type: 10;
  readonly cookie: Uint8Array;
}

/** RE-CONFIG (RFC 6525 §3.1): one or two parameters. */
export interface ReconfigChunk {
  readonly type: 130;
  readonly params: readonly Tlv[];
}

/** A stream and the last SSN to skip (RFC 3758 §3.2). */
export interface ForwardTsnStream {
  readonly streamId: number;
  readonly ssn: number;
}

/** FORWARD-TSN (RFC 3758 §3.2). */
export interface ForwardTsnChunk {
  readonly type: 192;
  readonly newCumulativeTsn: number;
  readonly streams: readonly ForwardTsnStream[];
}

/** A chunk of a type this package does not know, kept raw. */
export interface UnknownChunk {
  readonly type: number;
  readonly unknown: true;
  readonly flags: number;
  readonly value: Uint8Array;
}

/** Any chunk of a known type. */
export type KnownChunk =
  | DataChunk
  | InitChunk
  | SackChunk
  | HeartbeatChunk
  | CausesChunk
  | ShutdownChunk
  | EmptyChunk
  | CookieEchoChunk
  | ReconfigChunk
  | ForwardTsnChunk;

/** Any chunk. */
export type Chunk = KnownChunk | UnknownChunk;

const u32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

/**
 * Decodes one chunk whose header starts at `off` in `buf` and whose (unpadded) length is
 * `len` (already checked to fit). Returns `undefined` when the value is malformed.
 */
export function decodeChunkAt(buf: Uint8Array, off: number, len: number): Chunk | undefined {
  const type = buf[off]!;
  const flags = buf[off + 1]!;
  const end = off + len;
  const v = off + 4;
  switch (type) {
    case ChunkType.Data:
      // RFC 9260 §6.2: a DATA chunk without user data is a protocol violation; dropped here.
      if (len < 17) return undefined;
      return {
        type: 0,
        flags,
        tsn: u32(buf, v),
        streamId: u16(buf, v + 4),
        ssn: u16(buf, v + 6),
        ppid: u32(buf, v + 8),
        payload: buf.subarray(v + 12, end),
      };
    case ChunkType.Init:
    case ChunkType.InitAck: {
      if (len < 20) return undefined;
      const params = decodeTlvs(buf, v + 16, end);
      if (params === undefined) return undefined;
      return {
        type,
        initiateTag: u32(buf, v),
        aRwnd: u32(buf, v + 4),
        outboundStreams: u16(buf, v + 8),
        inboundStreams: u16(buf, v + 10),
        initialTsn: u32(buf, v + 12),
        params,
      };
    }
    case ChunkType.Sack: {
      if (len < 16) return undefined;
      const nGap = u16(buf, v + 8);
      const nDup = u16(buf, v + 10);
      if (len !== 16 + nGap * 4 + nDup * 4) return undefined;
      const gapBlocks: GapBlock[] = new Array(nGap);
      let o = v + 12;
      for (let i = 0; i < nGap; i++, o += 4) {
        gapBlocks[i] = { start: u16(buf, o), end: u16(buf, o + 2) };
      }
      const duplicateTsns: number[] = new Array(nDup);
      for (let i = 0; i < nDup; i++, o += 4) duplicateTsns[i] = u32(buf, o);
      return {
        type: 3,
        cumulativeTsnAck: u32(buf, v),
        aRwnd: u32(buf, v + 4),
        gapBlocks,
        duplicateTsns,
      };
    }
    case ChunkType.Heartbeat:
    case ChunkType.HeartbeatAck: {
      const params = decodeTlvs(buf, v, end);
      const info = params?.[0];
      if (info === undefined || info.type !== 1) return undefined;
      return { type, info: info.value };
    }
    case ChunkType.Abort:
    case ChunkType.Error: {
      const causes = decodeTlvs(buf, v, end);
      if (causes === undefined) return undefined;
      return { type, reflected: type === 6 && (flags & 1) !== 0, causes };
    }
    case ChunkType.Shutdown:
      if (len !== 8) return undefined;
      return { type: 7, cumulativeTsnAck: u32(buf, v) };
    case ChunkType.ShutdownAck:
    case ChunkType.CookieAck:
    case ChunkType.ShutdownComplete:
      if (len !== 4) return undefined;
      return { type, reflected: type === 14 && (flags & 1) !== 0 };
    case ChunkType.CookieEcho:
      if (len <= 4) return undefined;
      return { type: 10, cookie: buf.subarray(v, end) };
    case ChunkType.Reconfig: {
      const params = decodeTlvs(buf, v, end);
      if (params === undefined || params.length === 0 || params.length > 2) return undefined;
      return { type: 130, params };
    }
    case ChunkType.ForwardTsn: {
      if (len < 8 || (len - 8) % 4 !== 0) return undefined;
      const streams: ForwardTsnStream[] = [];
      for (let o = v + 4; o < end; o += 4) {
        streams.push({ streamId: u16(buf, o), ssn: u16(buf, o + 2) });
      }
      return { type: 192, newCumulativeTsn: u32(buf, v), streams };
    }
    default:
      return { type, unknown: true, flags, value: buf.subarray(v, end) };
  }
}

/** Size of a chunk once encoded, padding included. */
export function chunkSize(c: Chunk): number {
  return (chunkLength(c) + 3) & ~3;
}

/** Length field of a chunk (header + value, padding excluded). */
export function chunkLength(c: Chunk): number {
  if ('unknown' in c) return 4 + c.value.length;
  switch (c.type) {
    case 0:
      return 16 + c.payload.length;
    case 1:
    case 2:
      return 20 + tlvsLength(c.params);
    case 3:
      return 16 + 4 * c.gapBlocks.length + 4 * c.duplicateTsns.length;
    case 4:
    case 5:
      return 8 + c.info.length; // one parameter: its padding is not counted
    case 6:
    case 9:
      return 4 + tlvsLength(c.causes);
    case 7:
      return 8;
    case 8:
    case 11:
    case 14:
      return 4;
    case 10:
      return 4 + c.cookie.length;
    case 130:
      return 4 + tlvsLength(c.params);
    case 192:
      return 8 + 4 * c.streams.length;
  }
}

const w32 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
};
const w16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
};

/** Writes `c` at `off` (padding zeroed); returns the offset after it. */
export function encodeChunk(c: Chunk, buf: Uint8Array, off: number): number {
  const len = chunkLength(c);
  let flags = 0;
  const v = off + 4;
  if ('unknown' in c) {
    flags = c.flags;
    buf.set(c.value, v);
  } else {
    switch (c.type) {
      case 0:
        flags = c.flags;
        w32(buf, v, c.tsn);
        w16(buf, v + 4, c.streamId);
        w16(buf, v + 6, c.ssn);
        w32(buf, v + 8, c.ppid);
        buf.set(c.payload, v + 12);
        break;
      case 1:
      case 2:
        w32(buf, v, c.initiateTag);
        w32(buf, v + 4, c.aRwnd);
        w16(buf, v + 8, c.outboundStreams);
        w16(buf, v + 10, c.inboundStreams);
        w32(buf, v + 12, c.initialTsn);
        encodeTlvs(c.params, buf, v + 16);
        break;
      case 3: {
        w32(buf, v, c.cumulativeTsnAck);
        w32(buf, v + 4, c.aRwnd);
        w16(buf, v + 8, c.gapBlocks.length);
        w16(buf, v + 10, c.duplicateTsns.length);
        let o = v + 12;
        for (const g of c.gapBlocks) {
          w16(buf, o, g.start);
          w16(buf, o + 2, g.end);
          o += 4;
        }
        for (const d of c.duplicateTsns) {
          w32(buf, o, d);
          o += 4;
        }
        break;
      }
      case 4:
      case 5:
        encodeTlvs([{ type: 1, value: c.info }], buf, v);
        break;
      case 6:
      case 9:
        flags = c.reflected ? 1 : 0;
        encodeTlvs(c.causes, buf, v);
        break;
      case 7:
        w32(buf, v, c.cumulativeTsnAck);
        break;
      case 8:
      case 11:
      case 14:
        flags = c.reflected ? 1 : 0;
        break;
      case 10:
        buf.set(c.cookie, v);
        break;
      case 130:
        encodeTlvs(c.params, buf, v);
        break;
      case 192: {
        w32(buf, v, c.newCumulativeTsn);
        let o = v + 4;
        for (const s of c.streams) {
          w16(buf, o, s.streamId);
          w16(buf, o + 2, s.ssn);
          o += 4;
        }
        break;
      }
    }
  }
  buf[off] = c.type;
  buf[off + 1] = flags;
  w16(buf, off + 2, len);
  const padded = (len + 3) & ~3;
  for (let i = len; i < padded; i++) buf[off + i] = 0;
  return off + padded;
}
