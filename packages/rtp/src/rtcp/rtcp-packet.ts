/**
 * The union of every RTCP packet this package reads and writes, and the dispatch from a
 * header's packet type and count/FMT field to the decoder and encoder of each.
 */

import { type RtcpApp, appSize, decodeApp, encodeApp } from './app.js';
import { byeSize, decodeBye, encodeBye, type RtcpBye } from './bye.js';
import { decodeFir, encodeFir, firSize, type RtcpFir } from './fir.js';
import {
  checkField,
  padded,
  RtcpFeedbackType,
  RtcpPacketType,
  type RtcpParseFailure,
  writeHeader,
} from './header.js';
import { decodeNack, encodeNack, nackSize, type RtcpNack } from './nack.js';
import { decodePli, encodePli, type RtcpPli } from './pli.js';
import {
  decodeReceiverReport,
  encodeReceiverReport,
  receiverReportSize,
  type RtcpReceiverReport,
} from './receiver-report.js';
import { decodeRemb, encodeRemb, isRemb, type RtcpRemb, rembSize } from './remb.js';
import { decodeSdes, encodeSdes, type RtcpSourceDescription, sdesSize } from './sdes.js';
import {
  decodeSenderReport,
  encodeSenderReport,
  type RtcpSenderReport,
  senderReportSize,
} from './sender-report.js';
import { decodeTwcc, encodeTwcc, type RtcpTwcc, twccSize } from './twcc.js';
import { decodeXr, encodeXr, type RtcpExtendedReport, xrSize } from './xr.js';

/**
 * A packet of a type (or feedback FMT) this package does not decode: an RTPFB/PSFB message
 * other than NACK, TWCC, PLI, FIR and REMB, or a packet type outside 200–207. Kept, not an error.
 */
export interface RtcpUnknown {
  readonly kind: 'unknown';
  /** The packet type (second byte of the header). */
  readonly packetType: number;
  /** The 5-bit count / FMT field. */
  readonly count: number;
  /** Everything after the 4-byte header, padding removed (written zero-padded to 32 bits). */
  readonly body: Uint8Array;
}

/**
 * A packet whose header is sound (so the compound could be walked past it) but whose body does
 * not decode as its type says. Kept in the list with the reason, so that the other packets of
 * the compound are still used (as libwebrtc skips such a packet); serializing it writes `bytes`.
 */
export interface RtcpMalformed {
  readonly kind: 'malformed';
  readonly packetType: number;
  readonly count: number;
  readonly reason: RtcpParseFailure;
  /** The whole packet, header and padding included (a view). */
  readonly bytes: Uint8Array;
}

/** Every RTCP packet, discriminated by `kind`. */
export type RtcpPacket =
  | RtcpSenderReport
  | RtcpReceiverReport
  | RtcpSourceDescription
  | RtcpBye
  | RtcpApp
  | RtcpNack
  | RtcpPli
  | RtcpFir
  | RtcpRemb
  | RtcpTwcc
  | RtcpExtendedReport
  | RtcpUnknown
  | RtcpMalformed;

type Decoder = (b: Uint8Array, start: number, end: number) => RtcpPacket | RtcpParseFailure;

/** The decoder for a packet type and count/FMT, or `undefined` when the packet is unknown. */
function decoderFor(b: Uint8Array, start: number, end: number): Decoder | undefined {
  const fmt = b[start]! & 0x1f;
  switch (b[start + 1]) {
    case RtcpPacketType.SR:
      return decodeSenderReport;
    case RtcpPacketType.RR:
      return decodeReceiverReport;
    case RtcpPacketType.SDES:
      return decodeSdes;
    case RtcpPacketType.BYE:
      return decodeBye;
    case RtcpPacketType.APP:
      return decodeApp;
    case RtcpPacketType.XR:
      return decodeXr;
    case RtcpPacketType.RTPFB:
      if (fmt === RtcpFeedbackType.NACK) return decodeNack;
      if (fmt === RtcpFeedbackType.TWCC) return decodeTwcc;
      return undefined;
    case RtcpPacketType.PSFB:
      if (fmt === RtcpFeedbackType.PLI) return decodePli;
      if (fmt === RtcpFeedbackType.FIR) return decodeFir;
      if (fmt === RtcpFeedbackType.AFB && isRemb(b, start, end)) return decodeRemb;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Decodes the packet whose header was checked: `b[start, end)` without padding, `size` bytes
 * with it. Never throws: a body that does not decode gives an {@link RtcpMalformed}.
 */
export function decodePacket(b: Uint8Array, start: number, end: number, size: number): RtcpPacket {
  const decode = decoderFor(b, start, end);
  if (decode === undefined) {
    return {
      kind: 'unknown',
      packetType: b[start + 1]!,
      count: b[start]! & 0x1f,
      body: b.subarray(start + 4, end),
    };
  }
  const p = decode(b, start, end);
  if (typeof p !== 'string') return p;
  return {
    kind: 'malformed',
    packetType: b[start + 1]!,
    count: b[start]! & 0x1f,
    reason: p,
    bytes: b.subarray(start, start + size),
  };
}

/** Size in bytes of `p` once serialized (throws like the encoders for values that cannot be written). */
export function packetSize(p: RtcpPacket): number {
  switch (p.kind) {
    case 'sr':
      return senderReportSize(p);
    case 'rr':
      return receiverReportSize(p);
    case 'sdes':
      return sdesSize(p);
    case 'bye':
      return byeSize(p);
    case 'app':
      return appSize(p);
    case 'nack':
      return nackSize(p);
    case 'pli':
      return 12;
    case 'fir':
      return firSize(p);
    case 'remb':
      return rembSize(p);
    case 'twcc':
      return twccSize(p);
    case 'xr':
      return xrSize(p);
    case 'unknown':
      return 4 + padded(p.body.length);
    case 'malformed':
      return p.bytes.length;
    default:
      return unreachable(p);
  }
}

/** Writes `p` at `o` and returns the offset after it. */
export function encodePacket(p: RtcpPacket, t: Uint8Array, o: number): number {
  switch (p.kind) {
    case 'sr':
      return encodeSenderReport(p, t, o);
    case 'rr':
      return encodeReceiverReport(p, t, o);
    case 'sdes':
      return encodeSdes(p, t, o);
    case 'bye':
      return encodeBye(p, t, o);
    case 'app':
      return encodeApp(p, t, o);
    case 'nack':
      return encodeNack(p, t, o);
    case 'pli':
      return encodePli(p, t, o);
    case 'fir':
      return encodeFir(p, t, o);
    case 'remb':
      return encodeRemb(p, t, o);
    case 'twcc':
      return encodeTwcc(p, t, o);
    case 'xr':
      return encodeXr(p, t, o);
    case 'unknown': {
      checkField('packet type', p.packetType, 255);
      checkField('count', p.count, 31);
      const size = 4 + padded(p.body.length);
      writeHeader(t, o, p.count, p.packetType, size);
      t.set(p.body, o + 4);
      t.fill(0, o + 4 + p.body.length, o + size);
      return o + size;
    }
    case 'malformed':
      t.set(p.bytes, o);
      return o + p.bytes.length;
    default:
      return unreachable(p);
  }
}

function unreachable(p: never): never {
  throw new TypeError(`unknown RTCP packet kind ${(p as { kind: string }).kind}`);
}
