/**
 * INIT and INIT-ACK parameters: the extensions a peer supports (RFC 5061 §4.2.7 supported
 * extensions, RFC 3758 §3.1 FORWARD-TSN, RFC 9653 §5.1 zero checksum), unknown parameters by
 * their two high bits (RFC 9260 §3.2.1), and error causes read from ABORT (§3.3.10).
 */

import { ChunkType } from './chunk.js';
import { CauseCode, EDMID_DTLS, ParamType, type Tlv } from './param.js';
import type { ErrorCause } from './state.js';

/** The peer supports FORWARD-TSN (RFC 3758). */
export const FEATURE_FORWARD_TSN = 1;
/** The peer supports RE-CONFIG (RFC 6525). */
export const FEATURE_RECONFIG = 2;
/** The peer accepts zero checksums with the DTLS method (RFC 9653). */
export const FEATURE_ZERO_CHECKSUM = 4;

const textDecoder = new TextDecoder();

/**
 * Reads the peer's features from INIT/INIT-ACK parameters, and collects the unrecognized
 * parameters to report (RFC 9260 §3.2.1: action 01 and 11) into `unrecognized`.
 */
export function readPeerFeatures(params: readonly Tlv[], unrecognized: Tlv[]): number {
  let f = 0;
  for (const p of params) {
    switch (p.type) {
      case ParamType.SupportedExtensions:
        for (const t of p.value) {
          if (t === ChunkType.ForwardTsn) f |= FEATURE_FORWARD_TSN;
          if (t === ChunkType.Reconfig) f |= FEATURE_RECONFIG;
        }
        break;
      case ParamType.ForwardTsnSupported:
        f |= FEATURE_FORWARD_TSN;
        break;
      case ParamType.ZeroChecksumAcceptable: {
        const v = p.value;
        if (v.length === 4 && v[0] === 0 && v[1] === 0 && v[2] === 0 && v[3] === EDMID_DTLS) {
          f |= FEATURE_ZERO_CHECKSUM;
        }
        break;
      }
      case ParamType.StateCookie:
      case ParamType.Ipv4Address:
      case ParamType.Ipv6Address:
      case ParamType.SupportedAddressTypes:
      case ParamType.CookiePreservative:
      case ParamType.UnrecognizedParameter:
        break;
      default: {
        const action = p.type >>> 14;
        if (action === 1 || action === 3) {
          unrecognized.push({ type: ParamType.UnrecognizedParameter, value: encodeTlv(p) });
        }
        if (action < 2) return f; // 00 and 01: stop processing parameters
      }
    }
  }
  return f;
}

/** One TLV as bytes (padded), the value of an Unrecognized Parameter. */
export function encodeTlv(t: Tlv): Uint8Array {
  const out = new Uint8Array((4 + t.value.length + 3) & ~3);
  out[0] = t.type >>> 8;
  out[1] = t.type & 0xff;
  out[2] = (4 + t.value.length) >>> 8;
  out[3] = (4 + t.value.length) & 0xff;
  out.set(t.value, 4);
  return out;
}

/** An error cause as reported in state causes; text for user-initiated abort and violations. */
export function describeCause(t: Tlv): ErrorCause {
  if (t.type === CauseCode.UserInitiatedAbort || t.type === CauseCode.ProtocolViolation) {
    return { code: t.type, reason: textDecoder.decode(t.value) };
  }
  return { code: t.type };
}
