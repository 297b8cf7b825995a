/** @internal Packet and key builders shared by this package's tests (not shipped). */
import { randomBytes } from 'node:crypto';
import type { SrtpMasterKey } from './keying.js';
import { type SrtpProfile, srtpProfileParameters } from './profile.js';
import { SrtpSession, type SrtpSessionOptions } from './session.js';

export const PROFILES: readonly SrtpProfile[] = [0x0001, 0x0002, 0x0007, 0x0008];

/** A random master key and salt of the profile's lengths. */
export function masterKey(profile: SrtpProfile): SrtpMasterKey {
  const { keyLength, saltLength } = srtpProfileParameters(profile);
  return { masterKey: randomBytes(keyLength), masterSalt: randomBytes(saltLength) };
}

/** Two sessions that talk to each other: `a` protects what `b` unprotects and back. */
export function pair(
  profile: SrtpProfile,
  options: Partial<SrtpSessionOptions> = {},
): { a: SrtpSession; b: SrtpSession } {
  const ka = masterKey(profile);
  const kb = masterKey(profile);
  return {
    a: new SrtpSession({ ...options, profile, local: ka, remote: kb }),
    b: new SrtpSession({ ...options, profile, local: kb, remote: ka }),
  };
}

/** An RTP packet; `extension` adds a one-byte-form header extension, `csrcs` CSRCs. */
export function rtp(
  seq: number,
  ssrc = 0x1234_5678,
  payload = 160,
  { extension = false, csrcs = 0 } = {},
): Buffer {
  const ext = extension ? Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x22, 1, 2, 3]) : Buffer.alloc(0);
  const h = Buffer.alloc(12 + 4 * csrcs);
  h[0] = 0x80 | (extension ? 0x10 : 0) | csrcs;
  h[1] = 111;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE((seq * 960) >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  for (let i = 0; i < csrcs; i++) h.writeUInt32BE(0xc0 + i, 12 + 4 * i);
  const body = Buffer.alloc(payload);
  for (let i = 0; i < payload; i++) body[i] = (seq + i) & 0xff;
  return Buffer.concat([h, ext, body]);
}

/** A sender report (no report blocks) from `ssrc`. */
export function rtcp(ssrc = 0x1234_5678, n = 0): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  b.writeUInt32BE(n, 8);
  b.writeUInt32BE(0xabcdef, 20);
  return b;
}
