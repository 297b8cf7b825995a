/**
 * Grammar of the attributes the model has fields for. Each parser returns the typed value, or
 * a string saying what is wrong (the caller turns it into an `SdpSyntaxError` with the line).
 */

import type { SdpFingerprint, SdpGroup, SdpSctpMap, SdpSetup } from './model.js';

/** Digest sizes in bytes of the hash functions of RFC 8122 §5 (and RFC 4572's md2/md5). */
export const FINGERPRINT_DIGEST_SIZES: Readonly<Record<string, number>> = {
  'sha-1': 20,
  'sha-224': 28,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
  md5: 16,
  md2: 16,
};

const TOKEN = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/; // RFC 8866 §9 token
const HEX_PAIRS = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*$/;
const DIGITS = /^[0-9]+$/;

/** `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5). */
export function parseFingerprint(value: string): SdpFingerprint | string {
  const space = value.indexOf(' ');
  if (space <= 0) return 'expected "<hash-function> <hex pairs>"';
  const algorithm = value.slice(0, space).toLowerCase();
  const hex = value.slice(space + 1).trim();
  if (!TOKEN.test(algorithm)) return `bad hash function ${JSON.stringify(algorithm)}`;
  if (!HEX_PAIRS.test(hex)) return 'the fingerprint is not colon-separated hex pairs';
  const size = FINGERPRINT_DIGEST_SIZES[algorithm];
  const bytes = (hex.length + 1) / 3;
  if (size !== undefined && size !== bytes) {
    return `a ${algorithm} fingerprint has ${size} bytes, this one ${bytes}`;
  }
  return { algorithm, value: hex.toUpperCase() };
}

/** `a=setup` (RFC 4145 §4): one of its four values, or undefined. */
export function parseSetup(value: string): SdpSetup | undefined {
  switch (value) {
    case 'actpass':
    case 'active':
    case 'passive':
    case 'holdconn':
      return value;
    default:
      return undefined;
  }
}

/** `a=group:<semantics> <mid>*` (RFC 5888 §5). */
export function parseGroup(value: string): SdpGroup | string {
  const parts = value.split(' ').filter((p) => p.length > 0);
  const semantics = parts[0];
  if (semantics === undefined || !TOKEN.test(semantics)) return 'expected "<semantics> <mid>..."';
  const mids = parts.slice(1);
  if (new Set(mids).size !== mids.length) return 'a mid appears twice in the group';
  return { semantics, mids };
}

/** A decimal integer in `min..max`, or an error string. */
export function parseInteger(
  value: string,
  min: number,
  max: number,
  what: string,
): number | string {
  if (!DIGITS.test(value) || value.length > 16) return `${what} must be a decimal integer`;
  const n = Number(value);
  if (n < min || n > max) return `${what} must be in ${min}..${max}`;
  return n;
}

/** `a=sctpmap:<port> <protocol> [<streams>]` (draft-ietf-mmusic-sctp-sdp-05 §4.1). */
export function parseSctpMap(value: string): SdpSctpMap | string {
  const parts = value.split(' ').filter((p) => p.length > 0);
  if (parts.length < 2 || parts.length > 3) return 'expected "<port> <protocol> [<streams>]"';
  const port = parseInteger(parts[0] as string, 1, 65535, 'the sctpmap port');
  if (typeof port === 'string') return port;
  let streams: number | undefined;
  if (parts[2] !== undefined) {
    const n = parseInteger(parts[2], 1, 65535, 'the sctpmap stream count');
    if (typeof n === 'string') return n;
    streams = n;
  }
  return { port, protocol: parts[1] as string, streams };
}

/** `a=ice-options:<token> ...` (RFC 8839 §5.6). */
export function parseIceOptions(value: string): string[] | string {
  // libdatachannel writes `ice2,trickle`: accept commas as separators too.
  const options = value.split(/[ ,]+/).filter((p) => p.length > 0);
  if (options.length === 0 || !options.every((o) => TOKEN.test(o))) {
    return 'expected space-separated ICE option tokens';
  }
  return options;
}
