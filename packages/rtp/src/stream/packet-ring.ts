/**
 * The jitter buffer's storage: one slot per sequence number in a window of `capacity`
 * consecutive extended sequence numbers, in parallel typed arrays allocated once, so that a
 * packet costs no allocation and a flood of packets cannot grow memory.
 */

import type { MissingPacket } from './jitter-buffer-options.js';

/** What a slot knows of its sequence number. */
export const SlotState = {
  /** Nothing known (or the slot holds another sequence number). */
  Empty: 0,
  /** Not received yet, expected (a later packet arrived): what a NACK would ask for. */
  Missing: 1,
  /** Received and waiting in the buffer. */
  Present: 2,
  /** Received, then delivered in a frame or dropped: a copy arriving now is a duplicate. */
  Consumed: 3,
  /** Never received and given up on: a copy arriving now is late. */
  Abandoned: 4,
} as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

/** Bits of a present packet's flags. */
export const PacketFlag = { Start: 1, End: 2, Keyframe: 4 } as const;

export class PacketRing {
  private readonly seq: Float64Array;
  private readonly states: Uint8Array;
  private readonly timestamps: Float64Array;
  private readonly times: Float64Array;
  private readonly flagBits: Uint8Array;
  private readonly payloads: (Uint8Array | undefined)[];

  constructor(readonly capacity: number) {
    this.seq = new Float64Array(capacity);
    this.states = new Uint8Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.flagBits = new Uint8Array(capacity);
    this.payloads = new Array<Uint8Array | undefined>(capacity).fill(undefined);
  }

  private slot(ext: number): number {
    const i = ext % this.capacity;
    return i < 0 ? i + this.capacity : i;
  }

  /** The state of extended sequence number `ext` (`Empty` when its slot holds another). */
  state(ext: number): SlotState {
    const i = this.slot(ext);
    return this.seq[i] === ext ? (this.states[i] as SlotState) : SlotState.Empty;
  }

  setPresent(
    ext: number,
    timestamp: number,
    arrivalMs: number,
    flags: number,
    payload: Uint8Array,
  ) {
    const i = this.slot(ext);
    this.seq[i] = ext;
    this.states[i] = SlotState.Present;
    this.timestamps[i] = timestamp;
    this.times[i] = arrivalMs;
    this.flagBits[i] = flags;
    this.payloads[i] = payload;
  }

  setMissing(ext: number, detectedMs: number): void {
    const i = this.slot(ext);
    this.seq[i] = ext;
    this.states[i] = SlotState.Missing;
    this.times[i] = detectedMs;
    this.payloads[i] = undefined;
  }

  /** Marks `ext` delivered or dropped (when present) or given up on (otherwise). */
  release(ext: number): void {
    const i = this.slot(ext);
    const present = this.seq[i] === ext && this.states[i] === SlotState.Present;
    this.seq[i] = ext;
    this.states[i] = present ? SlotState.Consumed : SlotState.Abandoned;
    this.payloads[i] = undefined;
  }

  /**
   * The payloads of the present packets `start..end`, in order, with their first and last
   * arrival times; the slots are released.
   */
  take(start: number, end: number) {
    const payloads: Uint8Array[] = [];
    let firstArrivalMs = Number.POSITIVE_INFINITY;
    let lastArrivalMs = Number.NEGATIVE_INFINITY;
    for (let x = start; x <= end; x++) {
      const i = this.slot(x);
      payloads.push(this.payloads[i]!);
      const t = this.times[i]!;
      if (t < firstArrivalMs) firstArrivalMs = t;
      if (t > lastArrivalMs) lastArrivalMs = t;
      this.release(x);
    }
    return { payloads, firstArrivalMs, lastArrivalMs };
  }

  /** Extended timestamp of a present packet. */
  timestamp(ext: number): number {
    return this.timestamps[this.slot(ext)]!;
  }

  /** Arrival time of a present packet, or the time a missing one was found missing. */
  time(ext: number): number {
    return this.times[this.slot(ext)]!;
  }

  /**
   * Appends the sequence numbers from `from` to `to` that are missing to `out`, oldest first,
   * each with how long it has been missing at `nowMs`.
   */
  appendMissing(from: number, to: number, nowMs: number, out: MissingPacket[]): void {
    for (let ext = from; ext <= to; ext++) {
      if (this.state(ext) === SlotState.Missing)
        out.push(missingPacket(ext, this.time(ext), nowMs));
    }
  }

  flags(ext: number): number {
    return this.flagBits[this.slot(ext)]!;
  }

  payload(ext: number): Uint8Array {
    return this.payloads[this.slot(ext)]!;
  }

  /**
   * The last of the present packets from `s` (present) that share its timestamp, stopping at
   * one that ends the frame, at a gap, or at `highest`. A packet that "starts a frame" with
   * the same timestamp does not stop it: H.264 sends SPS, PPS and the IDR slice of one access
   * unit as separate packets, each the start of the access unit (RFC 6184 §5.1).
   */
  runEnd(s: number, highest: number): number {
    const ts = this.timestamp(s);
    let e = s;
    while (
      (this.flags(e) & PacketFlag.End) === 0 &&
      e < highest &&
      this.state(e + 1) === SlotState.Present &&
      this.timestamp(e + 1) === ts
    ) {
      e++;
    }
    return e;
  }

  /** True when a packet of `start..end` (present) starts a keyframe. */
  hasKeyframe(start: number, end: number): boolean {
    for (let x = start; x <= end; x++) if ((this.flags(x) & PacketFlag.Keyframe) !== 0) return true;
    return false;
  }

  /**
   * The first present frame start (a keyframe's, with `keyframe`) in `from..highest` whose
   * timestamp is not `notTimestamp`.
   */
  findStart(from: number, highest: number, notTimestamp: number, keyframe: boolean) {
    const want = keyframe ? PacketFlag.Start | PacketFlag.Keyframe : PacketFlag.Start;
    for (let x = from; x <= highest; x++) {
      if (
        this.state(x) === SlotState.Present &&
        (this.flags(x) & want) === want &&
        this.timestamp(x) !== notTimestamp
      ) {
        return x;
      }
    }
    return undefined;
  }

  clear(): void {
    this.states.fill(SlotState.Empty);
    this.payloads.fill(undefined);
  }
}

/** Extended sequence number `ext`, missing since `sinceMs`, as a NACK generator reads it. */
export function missingPacket(ext: number, sinceMs: number, nowMs: number): MissingPacket {
  return { sequenceNumber: ext & 0xffff, extendedSequenceNumber: ext, ageMs: nowMs - sinceMs };
}
