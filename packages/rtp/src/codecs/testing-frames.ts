/**
 * Test helpers (not part of the build): a seeded PRNG, hex, fixture files, and encoded frames
 * that look real enough for each codec's checks (headers right, the rest random).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../testing-random.js';
import { assembleFrame, type Depacketizer, type Payloader } from './depacketizer.js';

/** The seeded generator of `../testing-random.ts`, with integer and byte helpers. */
export function prng(seed: number): { next(): number; int(n: number): number; byte(): number } {
  const next = seededRandom(seed);
  return { next, int: (n) => Math.floor(next() * n), byte: () => Math.floor(next() * 256) };
}

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function randomBytes(rng: ReturnType<typeof prng>, size: number, nonZero = false): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = nonZero ? 1 + rng.int(255) : rng.byte();
  return out;
}

/** A VP8 frame of `size` bytes (at least 10 for a keyframe, 3 otherwise). */
export function vp8Frame(rng: ReturnType<typeof prng>, size: number, key: boolean): Uint8Array {
  const frame = randomBytes(rng, size);
  const header = key ? 10 : 3;
  const first = Math.min(size - header, 0x7ffff) >>> 1;
  frame[0] = ((first & 7) << 5) | 0x10 | (key ? 0 : 1);
  frame[1] = (first >> 3) & 0xff;
  frame[2] = (first >> 11) & 0xff;
  if (key) frame.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  return frame;
}

/** A VP9 frame of `size` bytes (at least 9 for a keyframe, 1 otherwise), profile 0. */
export function vp9Frame(
  rng: ReturnType<typeof prng>,
  size: number,
  key: boolean,
  width = 640,
  height = 360,
): Uint8Array {
  const frame = randomBytes(rng, size);
  if (!key) {
    frame[0] = 0x86; // frame_marker 2, profile 0, show_existing 0, inter, show_frame
    return frame;
  }
  // 10 0 0 0 0 1 0, sync code, color_space 1, color_range 0, width-1, height-1, 4 bits left.
  let bits = '10' + '0' + '0' + '0' + '0' + '1' + '0';
  bits += '010010011000001101000010' + '001' + '0';
  bits += (width - 1).toString(2).padStart(16, '0') + (height - 1).toString(2).padStart(16, '0');
  bits = bits.padEnd(72, '0');
  for (let i = 0; i < 9; i++) frame[i] = Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return frame;
}

/** An H.264 access unit in Annex B (4-byte start codes) of about `size` bytes. */
export function h264AccessUnit(
  rng: ReturnType<typeof prng>,
  size: number,
  key: boolean,
  slices = 1,
): Uint8Array {
  const parts: Uint8Array[] = [];
  const start = hex('00000001');
  if (key) {
    parts.push(start, hex('6742c01f1a32350140 7a403c2211a8'));
    parts.push(start, hex('681a34e3c8'));
  }
  const body = Math.max(size - (key ? 35 : 0), slices * 2);
  for (let s = 0; s < slices; s++) {
    const nal = randomBytes(rng, Math.max(2, Math.floor(body / slices)), true);
    nal[0] = key ? 0x65 : 0x41;
    nal[1] = s === 0 ? nal[1]! | 0x80 : nal[1]! & 0x7f;
    parts.push(start, nal);
  }
  return Buffer.concat(parts);
}

/** An AV1 temporal unit of about `size` bytes: TD, sequence header on a keyframe, frame OBU. */
export function av1TemporalUnit(
  rng: ReturnType<typeof prng>,
  size: number,
  key: boolean,
): Uint8Array {
  const parts: Uint8Array[] = [hex('1200')];
  if (key) parts.push(hex('0a0b0000000337fffc0fff9804'));
  const bodySize = Math.max(1, size);
  const body = randomBytes(rng, bodySize);
  body[0] = key ? 0x10 : 0x30;
  const sizeField: number[] = [];
  for (let v = bodySize; ; ) {
    sizeField.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v = Math.floor(v / 128);
    if (v === 0) break;
  }
  parts.push(Uint8Array.from([0x32, ...sizeField]), body);
  return Buffer.concat(parts);
}

/** A case of a fixture file: input payloads and the expected frame (`undefined`: none). */
export interface FixtureCase {
  readonly name: string;
  readonly payloads: Uint8Array[];
  readonly frame: Uint8Array | undefined;
  readonly mtu: number | undefined;
}

/**
 * Reads `fixtures/<file>`: blocks that begin with `case NAME` (payloads → frame) or
 * `packetize NAME mtu N` (frame → payloads), lines `payload HEX` and `frame HEX|none`.
 */
export function readFixture(file: string): FixtureCase[] {
  const url = new URL(`./fixtures/${file}`, import.meta.url);
  const cases: FixtureCase[] = [];
  let current:
    | {
        name: string;
        payloads: Uint8Array[];
        frame: Uint8Array | undefined;
        mtu: number | undefined;
      }
    | undefined;
  for (const raw of readFileSync(fileURLToPath(url), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [word, ...rest] = line.split(/\s+/);
    if (word === 'case' || word === 'packetize') {
      current = {
        name: rest[0]!,
        payloads: [],
        frame: undefined,
        mtu: word === 'packetize' ? Number(rest[2]) : undefined,
      };
      cases.push(current);
    } else if (word === 'payload') {
      current!.payloads.push(hex(rest.join('')));
    } else if (word === 'frame') {
      current!.frame = rest[0] === 'none' ? undefined : hex(rest.join(''));
    } else {
      throw new Error(`bad fixture line: ${line}`);
    }
  }
  return cases;
}

/** Frame sizes the round-trip tests use, 1 byte to 200 KB. */
export const SIZES = [
  1, 2, 3, 9, 10, 11, 64, 127, 128, 500, 1199, 1200, 1201, 4096, 65_537, 200_000,
];

/** Payload size limits the round-trip tests use. */
export const MTUS = [16, 50, 300, 1200];

/** RTP packets for `payloads` numbered from `firstSequence`, the marker on the last. */
export function toPackets(
  payloads: readonly Uint8Array[],
  firstSequence = 65_530,
  timestamp = 90_000,
): { sequenceNumber: number; timestamp: number; marker: boolean; payload: Uint8Array }[] {
  return payloads.map((payload, i) => ({
    sequenceNumber: (firstSequence + i) & 0xffff,
    timestamp,
    marker: i === payloads.length - 1,
    payload,
  }));
}

/**
 * Packetizes `frame`, checks every payload fits `mtu`, and assembles the packets again with
 * {@link assembleFrame} semantics (sequence numbers, marker on the last).
 */
export function roundTrip(
  payloader: Payloader,
  depacketizer: Depacketizer,
  frame: Uint8Array,
  mtu: number,
): { payloads: Uint8Array[]; frame: Uint8Array | undefined } {
  const payloads = payloader.packetize(frame, mtu);
  for (const payload of payloads) {
    if (payload.length > mtu) throw new Error(`payload of ${payload.length} > ${mtu}`);
  }
  return { payloads, frame: assembleFrame(depacketizer, toPackets(payloads)) };
}

/** Byte equality, fast on large frames (vitest's deep equality walks them element by element). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}
