/**
 * A sender's history of recent RTP packets, kept to answer NACKs (RFC 4585 §6.2.1) with
 * retransmissions, plain or RTX (RFC 4588).
 */

import { RtpConfigurationError } from '../errors.js';
import { rtpHeaderSize } from '../packet/header-size.js';

/** Options of a {@link SendHistory}. */
export interface SendHistoryOptions {
  /**
   * Packets kept at most: the last this many sequence numbers sent, up to 32768, rounded up
   * to a power of two of at least 16. Default 1024 (about 1 s of 8 Mbit/s video). The history
   * starts with 16 slots and grows toward this only as `retainMs` needs.
   */
  readonly capacity?: number;
  /**
   * How long a packet is kept at least (ms): the history doubles its slots (up to `capacity`)
   * rather than replace a packet sent less than this long ago. Default 1000, long enough for
   * the NACKs of a few round trips (libwebrtc keeps packets for 1 s, or 3 RTTs when longer).
   * A stream of 50 packets a second then keeps 64 slots, 1 Mbit/s of video 128 or 256.
   */
  readonly retainMs?: number;
  /** The largest packet kept, in bytes; a larger one is not kept (counted). Default 1500. */
  readonly maxPacketSize?: number;
  /** Packets sent longer ago than this (ms) are not returned. Default: no age limit. */
  readonly maxAgeMs?: number;
}

/** A packet of the history, as {@link SendHistory.get} returns it. */
export interface SentPacket {
  /** RFC 3550 §5.1 sequence number (16 bits). */
  readonly sequenceNumber: number;
  /** The whole RTP packet as it was sent, before SRTP (header and payload). */
  readonly packet: Uint8Array;
  /** When it was first sent (ms). */
  readonly firstSentMs: number;
  /** When it was last sent, first sending or retransmission (ms). */
  readonly lastSentMs: number;
  /** Retransmissions so far. */
  readonly retransmissions: number;
}

/** Counters of a {@link SendHistory}. */
export interface SendHistoryStats {
  /** Packets stored. */
  readonly stored: number;
  /** Packets not stored: larger than `maxPacketSize`, or not an RTP packet. */
  readonly rejected: number;
  /** Lookups that found their packet. */
  readonly hits: number;
  /** Lookups that did not (never sent, overwritten, too old). */
  readonly misses: number;
}

const EMPTY = new Uint8Array(0);
/** A slot's buffer is a multiple of this many bytes. */
const STORAGE_STEP = 64;

class Slot implements SentPacket {
  sequenceNumber = -1;
  /** Octets of `storage` the packet fills (0: none). */
  length = 0;
  firstSentMs = 0;
  lastSentMs = 0;
  retransmissions = 0;
  storage: Uint8Array | undefined;

  /**
   * A view made when asked (a NACK is answered), not at every store: a view per packet sent
   * would live as long as the slot (about `retainMs`), long enough for V8 to move it out of
   * the young generation, and so many of them kept the full collector busy.
   */
  get packet(): Uint8Array {
    return this.storage === undefined || this.length === 0
      ? EMPTY
      : this.storage.subarray(0, this.length);
  }
}

/**
 * Copies of the last packets sent on one stream, by sequence number, in a ring: a slot per
 * sequence number modulo the ring's size, each with a buffer allocated on first use and
 * reused afterwards, as large as the largest packet the slot has held (in steps of 64 bytes, at
 * most `maxPacketSize`), so memory is bounded and a lookup allocates nothing. The ring starts
 * small and doubles (up to `capacity`) only when it would otherwise replace a packet younger
 * than `retainMs`, so a stream keeps about `retainMs` of packets: an audio stream a few dozen
 * buffers of a few hundred bytes, not `capacity` buffers of `maxPacketSize`. Each packet keeps
 * the time it was first and last sent, so a NACK responder can retransmit one packet at most
 * once per RTT:
 *
 * ```ts
 * history.store(rtpPacket, now);                         // on every packet sent
 * const p = history.get(seq, now);                       // on a NACK for seq
 * if (p && now - p.lastSentMs >= rtt) {
 *   history.markRetransmitted(seq, now);
 *   send(wrapRtxPacket(p.packet, { ssrc, payloadType, sequenceNumber: rtxSeq++ }));
 * }
 * ```
 */
export class SendHistory {
  private slots: Slot[];
  private mask: number;
  private readonly maxSlots: number;
  private readonly maxPacketSize: number;
  private readonly maxAgeMs: number;
  private readonly retainMs: number;
  private readonly counters = { stored: 0, rejected: 0, hits: 0, misses: 0 };

  /** Throws {@link RtpConfigurationError} when an option is out of range. */
  constructor(options: SendHistoryOptions = {}) {
    const capacity = options.capacity ?? 1024;
    const maxPacketSize = options.maxPacketSize ?? 1500;
    const maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
    const retainMs = options.retainMs ?? 1000;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 32768) {
      throw new RtpConfigurationError(
        `SendHistory: capacity ${capacity} is out of range; give an integer from 1 to 32768`,
      );
    }
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < 12 || maxPacketSize > 65535) {
      throw new RtpConfigurationError(
        `SendHistory: maxPacketSize ${maxPacketSize} is out of range; give 12 to 65535 bytes`,
      );
    }
    if (Number.isNaN(maxAgeMs) || maxAgeMs <= 0) {
      throw new RtpConfigurationError(`SendHistory: maxAgeMs ${maxAgeMs} is not a positive number`);
    }
    if (Number.isNaN(retainMs) || retainMs < 0) {
      throw new RtpConfigurationError(`SendHistory: retainMs ${retainMs} is not 0 or more`);
    }
    // A power of two divides 65536: a sequence number keeps its slot across the wrap.
    let size = 16;
    while (size < capacity) size *= 2;
    this.maxSlots = size;
    this.slots = Array.from({ length: 16 }, () => new Slot());
    this.mask = 15;
    this.maxPacketSize = maxPacketSize;
    this.maxAgeMs = maxAgeMs;
    // Keeping a packet longer than it can be returned would only hold memory.
    this.retainMs = Math.min(retainMs, maxAgeMs);
  }

  /** The most slots the history grows to (the capacity asked for, rounded up to a power of two). */
  get capacity(): number {
    return this.maxSlots;
  }

  /** The slots it has now (16 at first, doubled as `retainMs` needed, at most `capacity`). */
  get slotCount(): number {
    return this.slots.length;
  }

  /** Bytes of the packet buffers the history holds (what its memory grows with). */
  get bufferBytes(): number {
    let n = 0;
    for (const slot of this.slots) n += slot.storage?.length ?? 0;
    return n;
  }

  /**
   * Keeps a copy of `packet`, a whole RTP packet (header and payload, before SRTP), sent at
   * `sentMs`; its sequence number is read from the header. It replaces the packet sent
   * `capacity` sequence numbers earlier. Returns false (and keeps nothing) when the packet is
   * larger than `maxPacketSize` or not an RTP packet.
   */
  store(packet: Uint8Array, sentMs: number): boolean {
    if (packet.length > this.maxPacketSize || rtpHeaderSize(packet) === undefined) {
      this.counters.rejected++;
      return false;
    }
    const seq = (packet[2]! << 8) | packet[3]!;
    let slot = this.slots[seq & this.mask]!;
    while (
      slot.sequenceNumber >= 0 &&
      slot.sequenceNumber !== seq &&
      sentMs - slot.firstSentMs < this.retainMs &&
      this.slots.length < this.maxSlots
    ) {
      this.grow();
      slot = this.slots[seq & this.mask]!;
    }
    if (slot.storage === undefined || slot.storage.length < packet.length) {
      const size = Math.ceil(packet.length / STORAGE_STEP) * STORAGE_STEP;
      slot.storage = new Uint8Array(Math.min(size, this.maxPacketSize));
    }
    slot.storage.set(packet);
    slot.length = packet.length;
    slot.sequenceNumber = seq;
    slot.firstSentMs = sentMs;
    slot.lastSentMs = sentMs;
    slot.retransmissions = 0;
    this.counters.stored++;
    return true;
  }

  /**
   * The packet of `sequenceNumber` if it is still kept and not older than `maxAgeMs` at
   * `nowMs`. The object and its bytes belong to the history: they change when the slot is
   * reused by a later packet, so use them before the next `store`.
   */
  get(sequenceNumber: number, nowMs: number): SentPacket | undefined {
    const slot = this.find(sequenceNumber, nowMs);
    if (slot === undefined) this.counters.misses++;
    else this.counters.hits++;
    return slot;
  }

  /**
   * Records that the packet of `sequenceNumber` was sent again at `nowMs` (its `lastSentMs`
   * and `retransmissions`). Returns false when it is not kept.
   */
  markRetransmitted(sequenceNumber: number, nowMs: number): boolean {
    const slot = this.find(sequenceNumber, nowMs);
    if (slot === undefined) return false;
    slot.lastSentMs = nowMs;
    slot.retransmissions++;
    return true;
  }

  /** Forgets every packet (the buffers stay allocated for reuse). */
  clear(): void {
    for (const slot of this.slots) {
      slot.sequenceNumber = -1;
      slot.length = 0;
    }
  }

  /** Counters since the history was made (a copy). */
  get stats(): SendHistoryStats {
    return { ...this.counters };
  }

  /**
   * Doubles the slots. Each packet moves to its slot in the larger ring (sequence number
   * modulo the new size): two packets in one old slot cannot exist, so none collide.
   */
  private grow(): void {
    const size = this.slots.length * 2;
    const slots: (Slot | undefined)[] = new Array(size);
    const mask = size - 1;
    for (const slot of this.slots)
      if (slot.sequenceNumber >= 0) slots[slot.sequenceNumber & mask] = slot;
    for (let i = 0; i < size; i++) slots[i] ??= new Slot();
    this.slots = slots as Slot[];
    this.mask = mask;
  }

  private find(sequenceNumber: number, nowMs: number): Slot | undefined {
    const seq = sequenceNumber & 0xffff;
    const slot = this.slots[seq & this.mask]!;
    if (slot.sequenceNumber !== seq || nowMs - slot.firstSentMs > this.maxAgeMs) return undefined;
    return slot;
  }
}
