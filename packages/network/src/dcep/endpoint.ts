/**
 * The DCEP side of one SCTP association (RFC 8832 §6): which data channels exist on which
 * streams, the OPEN/ACK handshake, and what to do with each incoming SCTP message. It does no
 * I/O: callers send the bytes it returns on the stream it names with PPID 50, ordered and
 * reliable (RFC 8832 §6), and reset the streams it tells them to.
 */

import { debuglog } from 'node:util';
import { MAX_DATA_CHANNEL_STREAM_ID, Ppid } from './constants.js';
import { StreamIdError } from './errors.js';
import {
  type DcepChannelParameters,
  type DcepOpen,
  encodeDcepMessage,
  openFromParameters,
  tryDecodeDcepMessage,
} from './message.js';
import { type DtlsRoleForStreams, StreamIdAllocator } from './stream-ids.js';

const log = debuglog('x:network');

/** The handshake state of one channel on the association. */
export type DcepChannelState = 'opening' | 'open' | 'closing';

/** One channel as the endpoint knows it. */
export interface DcepChannelRecord {
  /** The SCTP stream identifier. */
  readonly id: number;
  /** `opening` until the ACK (or first user message) arrives, `closing` after close(). */
  readonly state: DcepChannelState;
  /** True for a W3C `negotiated` channel: no DCEP exchange. */
  readonly negotiated: boolean;
  /** True when this side opened it. */
  readonly local: boolean;
  /** The parameters carried by (or that would be carried by) DATA_CHANNEL_OPEN. */
  readonly open: DcepOpen;
}

/** Why an incoming message was dropped (counted in {@link DcepEndpoint.dropped}). */
export type DcepDropReason =
  | 'malformed'
  | 'unexpected-ack'
  | 'late-ack'
  | 'rejected-open'
  | 'unknown-stream'
  | 'unknown-ppid'
  | 'deprecated-ppid';

/** What the caller does with an incoming SCTP message, returned by {@link DcepEndpoint.receive}. */
export type DcepInbound =
  /** The peer opened a channel: create it, send `reply` (the ACK) on `id` with PPID 50. */
  | {
      readonly kind: 'channel-open';
      readonly id: number;
      readonly open: DcepOpen;
      readonly reply: Uint8Array;
    }
  /** A channel this side opened is acknowledged (by ACK, or implicitly by user data). */
  | { readonly kind: 'channel-acked'; readonly id: number }
  /**
   * A user message for channel `id`; `payload` is empty for PPID 56/57. When `acked` is true
   * the channel moved from `opening` to `open` first (RFC 8832 §6: the peer only sends user
   * data after accepting the OPEN, and SCTP delivers in order on the stream).
   */
  | {
      readonly kind: 'message';
      readonly id: number;
      readonly binary: boolean;
      readonly payload: Uint8Array;
      readonly acked: boolean;
    }
  /**
   * An OPEN that must be refused (RFC 8832 §6: stream in use, wrong parity, malformed): the
   * caller resets stream `id` and sends no ACK.
   */
  | { readonly kind: 'reject'; readonly id: number; readonly reason: string }
  /** Nothing to do; the message was dropped and counted. */
  | { readonly kind: 'dropped'; readonly id: number; readonly reason: DcepDropReason };

/** Options of {@link DcepEndpoint.open}. */
export interface DcepOpenOptions {
  /** The stream identifier, required for negotiated channels; otherwise allocated. */
  readonly id?: number;
  /** W3C `negotiated`: both sides create the channel with the same id, no DCEP message. */
  readonly negotiated?: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * The data channel establishment protocol for one association. Construct it once the DTLS
 * role is known (it fixes the stream id parity).
 */
export class DcepEndpoint {
  readonly #ids: StreamIdAllocator;
  readonly #channels = new Map<number, DcepChannelRecord>();
  readonly #dropped = new Map<DcepDropReason, number>();

  constructor(role: DtlsRoleForStreams, options: { readonly maxStreams?: number } = {}) {
    this.#ids = new StreamIdAllocator(role, options);
  }

  /** The DTLS role this endpoint picks stream ids for. */
  get role(): DtlsRoleForStreams {
    return this.#ids.role;
  }

  /** Messages dropped so far, by reason. */
  get dropped(): ReadonlyMap<DcepDropReason, number> {
    return this.#dropped;
  }

  /** The channel on stream `id`, if any. */
  channel(id: number): DcepChannelRecord | undefined {
    return this.#channels.get(id);
  }

  /** Every channel, in creation order. */
  channels(): IterableIterator<DcepChannelRecord> {
    return this.#channels.values();
  }

  /**
   * Opens a channel from this side. For an in-band channel returns the DATA_CHANNEL_OPEN bytes
   * to send on stream `id` with PPID 50 (state `opening`); a negotiated channel is `open` at
   * once and `send` is undefined. Throws {@link StreamIdError} when no id is free or the given
   * id is taken or invalid (W3C: OperationError), and `DcepEncodeError` for bad parameters
   * (W3C: TypeError).
   */
  open(
    parameters: DcepChannelParameters,
    options: DcepOpenOptions = {},
  ): { readonly id: number; readonly send: Uint8Array | undefined } {
    const open = openFromParameters(parameters);
    const negotiated = options.negotiated === true;
    const send = negotiated ? undefined : encodeDcepMessage(open);
    let id = options.id;
    if (negotiated && id === undefined) {
      throw new StreamIdError('a negotiated channel needs an id', undefined);
    }
    if (id === undefined) {
      id = this.#ids.allocate();
      if (id === undefined) throw new StreamIdError('no free stream id of this side', undefined);
    } else if (!this.#ids.reserve(id)) {
      throw new StreamIdError(`stream id ${id} is already in use`, id);
    }
    this.#channels.set(id, {
      id,
      state: negotiated ? 'open' : 'opening',
      negotiated,
      local: true,
      open,
    });
    return { id, send };
  }

  /**
   * Handles one incoming SCTP message on stream `id` with payload protocol id `ppid`.
   * Never throws: bad input comes back as `dropped` (counted) or `reject`.
   */
  receive(id: number, ppid: number, payload: Uint8Array): DcepInbound {
    if (!Number.isInteger(id) || id < 0 || id > MAX_DATA_CHANNEL_STREAM_ID) {
      return this.#drop(id, 'unknown-stream');
    }
    if (ppid === Ppid.Dcep) return this.#receiveDcep(id, payload);
    const channel = this.#channels.get(id);
    if (channel === undefined) return this.#drop(id, 'unknown-stream');
    let binary: boolean;
    let data = payload;
    switch (ppid) {
      case Ppid.String:
        binary = false;
        break;
      case Ppid.Binary:
        binary = true;
        break;
      // RFC 8831 §6.6: an empty message is sent as one byte with PPID 56/57, to be ignored.
      case Ppid.StringEmpty:
        binary = false;
        data = EMPTY;
        break;
      case Ppid.BinaryEmpty:
        binary = true;
        data = EMPTY;
        break;
      // RFC 8831 §8: the partial PPIDs are deprecated; senders use SCTP's own fragmentation.
      case Ppid.StringPartial:
      case Ppid.BinaryPartial:
        return this.#drop(id, 'deprecated-ppid');
      default:
        return this.#drop(id, 'unknown-ppid');
    }
    let acked = false;
    if (channel.state === 'opening') {
      // RFC 8832 §6: the peer sends user data only after accepting our OPEN. On an unordered
      // channel that data can overtake the (ordered) ACK, so it acknowledges the channel.
      this.#channels.set(id, { ...channel, state: 'open' });
      acked = true;
    }
    return { kind: 'message', id, binary, payload: data, acked };
  }

  /**
   * Marks a channel as closing (the caller resets its outgoing stream, RFC 8831 §6.7).
   * Returns false when there is no such channel or it is already closing.
   */
  close(id: number): boolean {
    const channel = this.#channels.get(id);
    if (channel === undefined || channel.state === 'closing') return false;
    this.#channels.set(id, { ...channel, state: 'closing' });
    return true;
  }

  /**
   * The stream `id` has been reset in both directions (RFC 8831 §6.7): the channel is gone
   * and its id free for reuse. Returns the record that was removed, if any.
   */
  streamReset(id: number): DcepChannelRecord | undefined {
    const channel = this.#channels.get(id);
    if (channel !== undefined) this.#channels.delete(id);
    this.#ids.release(id);
    return channel;
  }

  #receiveDcep(id: number, payload: Uint8Array): DcepInbound {
    const decoded = tryDecodeDcepMessage(payload);
    const existing = this.#channels.get(id);
    if (!decoded.ok) {
      log('dcep: malformed message on stream %d: %s', id, decoded.error.message);
      // RFC 8832 §6: a malformed OPEN on an unused stream is refused by resetting the stream.
      if (existing === undefined && payload[0] === 0x03) {
        this.#count('rejected-open');
        return { kind: 'reject', id, reason: decoded.error.message };
      }
      return this.#drop(id, 'malformed');
    }
    const message = decoded.message;
    if (message.type === 'ack') {
      if (existing === undefined || !existing.local || existing.negotiated) {
        return this.#drop(id, 'unexpected-ack');
      }
      // Already acknowledged by user data that overtook the ACK, or closing meanwhile.
      if (existing.state !== 'opening') return this.#drop(id, 'late-ack');
      this.#channels.set(id, { ...existing, state: 'open' });
      return { kind: 'channel-acked', id };
    }
    // RFC 8832 §6: accept an OPEN only on an unused stream whose id has the peer's parity.
    if (existing !== undefined || this.#ids.isUsed(id)) {
      this.#count('rejected-open');
      return { kind: 'reject', id, reason: `stream ${id} is already in use` };
    }
    if (this.#ids.isLocalParity(id)) {
      this.#count('rejected-open');
      return { kind: 'reject', id, reason: `stream ${id} has this side's parity, not the peer's` };
    }
    if (!this.#ids.isValid(id) || !this.#ids.reserve(id)) {
      this.#count('rejected-open');
      return { kind: 'reject', id, reason: `stream ${id} is beyond the association's streams` };
    }
    this.#channels.set(id, { id, state: 'open', negotiated: false, local: false, open: message });
    return { kind: 'channel-open', id, open: message, reply: encodeDcepMessage({ type: 'ack' }) };
  }

  #count(reason: DcepDropReason): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1);
  }

  #drop(id: number, reason: DcepDropReason): DcepInbound {
    this.#count(reason);
    log('dcep: dropped a message on stream %d: %s', id, reason);
    return { kind: 'dropped', id, reason };
  }
}
