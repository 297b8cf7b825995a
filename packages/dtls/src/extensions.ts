import { ExtensionType } from './constants.js';
import { ParseError } from './errors.js';
import { Reader, u16List, vector } from './reader.js';

/** @internal The hello extensions this package reads and writes; the rest are ignored. */
export interface HelloExtensions {
  /** supported_groups (RFC 8422 §5.1.1). */
  supportedGroups?: number[];
  /** ec_point_formats (RFC 8422 §5.1.2). */
  pointFormats?: number[];
  /** signature_algorithms (RFC 5246 §7.4.1.4.1). */
  signatureAlgorithms?: number[];
  /** use_srtp (RFC 5764 §4.1.1): protection profiles and the MKI. */
  srtp?: { profiles: number[]; mki: Buffer };
  /** extended_master_secret (RFC 7627 §5.1). */
  extendedMasterSecret?: boolean;
  /** renegotiation_info (RFC 5746 §3.2): renegotiated_connection, empty on a first handshake. */
  renegotiationInfo?: Buffer;
  /** record_size_limit (RFC 8449 §4): the largest record plaintext its sender accepts. */
  recordSizeLimit?: number;
}

/** RFC 8449 §4: a record_size_limit below this is a fatal illegal_parameter. */
export const MIN_RECORD_SIZE_LIMIT = 64;

function u16s(r: Reader): number[] {
  const list = r.vec(2);
  if (list.length % 2) throw new ParseError('odd length in a list of 16-bit values');
  const out: number[] = [];
  for (let i = 0; i < list.length; i += 2) out.push(list.readUInt16BE(i));
  return out;
}

/** @internal Reads an extensions block (2-byte length then entries); absent block = none. */
export function readExtensions(r: Reader): HelloExtensions {
  const ext: HelloExtensions = {};
  if (r.remaining === 0) return ext;
  const block = r.vec(2);
  const br = new Reader(block);
  const seen = new Set<number>();
  while (br.remaining > 0) {
    const type = br.u16();
    const data = br.vec(2);
    // RFC 5246 §7.4.1.4: there MUST NOT be more than one extension of the same type.
    if (seen.has(type)) throw new ParseError(`duplicate extension ${type}`);
    seen.add(type);
    const er = new Reader(data);
    switch (type) {
      case ExtensionType.SupportedGroups:
        ext.supportedGroups = u16s(er);
        er.done();
        break;
      case ExtensionType.EcPointFormats:
        ext.pointFormats = [...er.vec(1)];
        er.done();
        break;
      case ExtensionType.SignatureAlgorithms:
        ext.signatureAlgorithms = u16s(er);
        er.done();
        break;
      case ExtensionType.UseSrtp: {
        const profiles = u16s(er);
        const mki = Buffer.from(er.vec(1));
        er.done();
        ext.srtp = { profiles, mki };
        break;
      }
      case ExtensionType.ExtendedMasterSecret:
        er.done();
        ext.extendedMasterSecret = true;
        break;
      case ExtensionType.RenegotiationInfo:
        ext.renegotiationInfo = Buffer.from(er.vec(1));
        er.done();
        break;
      case ExtensionType.RecordSizeLimit:
        ext.recordSizeLimit = er.u16();
        er.done();
        break;
      default:
        break;
    }
  }
  return ext;
}

function entry(type: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(data.length, 2);
  out.set(data, 4);
  return out;
}

/** @internal Writes an extensions block; an empty set writes nothing (RFC 5246 §7.4.1.2). */
export function writeExtensions(ext: HelloExtensions): Buffer {
  const parts: Buffer[] = [];
  if (ext.renegotiationInfo)
    parts.push(entry(ExtensionType.RenegotiationInfo, vector(1, ext.renegotiationInfo)));
  if (ext.extendedMasterSecret)
    parts.push(entry(ExtensionType.ExtendedMasterSecret, Buffer.alloc(0)));
  if (ext.supportedGroups)
    parts.push(entry(ExtensionType.SupportedGroups, u16List(ext.supportedGroups)));
  if (ext.pointFormats)
    parts.push(entry(ExtensionType.EcPointFormats, vector(1, Uint8Array.from(ext.pointFormats))));
  if (ext.signatureAlgorithms)
    parts.push(entry(ExtensionType.SignatureAlgorithms, u16List(ext.signatureAlgorithms)));
  if (ext.srtp)
    parts.push(
      entry(
        ExtensionType.UseSrtp,
        Buffer.concat([u16List(ext.srtp.profiles), vector(1, ext.srtp.mki)]),
      ),
    );
  if (ext.recordSizeLimit !== undefined) {
    const value = Buffer.allocUnsafe(2);
    value.writeUInt16BE(ext.recordSizeLimit, 0);
    parts.push(entry(ExtensionType.RecordSizeLimit, value));
  }
  if (parts.length === 0) return Buffer.alloc(0);
  return vector(2, Buffer.concat(parts));
}
