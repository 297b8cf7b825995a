/**
 * Test helper (excluded from the build): raw RTP packets (RFC 3550 §5.1) built by hand, since
 * the packet class is written elsewhere.
 */

export interface TestingRtpFields {
  readonly sequenceNumber: number;
  readonly timestamp?: number;
  readonly ssrc?: number;
  readonly payloadType?: number;
  readonly marker?: boolean;
  readonly payload?: Uint8Array;
  readonly csrcs?: readonly number[];
  /** A header extension (RFC 3550 §5.3.1): profile and whole 32-bit words of data. */
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
  /** Padding bytes to add (the last counts them, RFC 3550 §5.1). */
  readonly padding?: number;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** A whole RTP packet with the given fields. */
export function testingRtpPacket(f: TestingRtpFields): Uint8Array {
  const csrcs = f.csrcs ?? [];
  const payload = f.payload ?? new Uint8Array(0);
  const ext = f.extension;
  const padding = f.padding ?? 0;
  const header = 12 + csrcs.length * 4 + (ext ? 4 + ext.data.length : 0);
  const b = new Uint8Array(header + payload.length + padding);
  b[0] = 0x80 | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  b[1] = (f.marker ? 0x80 : 0) | ((f.payloadType ?? 96) & 0x7f);
  b[2] = (f.sequenceNumber >> 8) & 0xff;
  b[3] = f.sequenceNumber & 0xff;
  put32(b, 4, f.timestamp ?? 0);
  put32(b, 8, f.ssrc ?? 0x1234_5678);
  let at = 12;
  for (const c of csrcs) {
    put32(b, at, c);
    at += 4;
  }
  if (ext) {
    b[at] = ext.profile >> 8;
    b[at + 1] = ext.profile & 0xff;
    b[at + 2] = (ext.data.length / 4) >> 8;
    b[at + 3] = (ext.data.length / 4) & 0xff;
    b.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  b.set(payload, at);
  if (padding) b[b.length - 1] = padding;
  return b;
}
