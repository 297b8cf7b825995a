/**
 * Stream identifier allocation for data channels (RFC 8832 §6): the DTLS client opens channels
 * on even stream identifiers, the DTLS server on odd ones, so that both peers can open channels
 * at the same time without collision. Negotiated channels (W3C `negotiated: true`) and channels
 * the peer opens take the identifier they are given, of either parity.
 */

import { MAX_DATA_CHANNEL_STREAM_ID } from './constants.js';
import { StreamIdError } from './errors.js';

/** The DTLS role of this endpoint, which fixes the parity of the identifiers it picks. */
export type DtlsRoleForStreams = 'client' | 'server';

/** Options of {@link StreamIdAllocator}. */
export interface StreamIdAllocatorOptions {
  /**
   * How many streams the association has in each direction (the smaller of the two sides'
   * outbound and inbound stream counts, RFC 4960 §5.1.1): identifiers are below it.
   * Default 65535, i.e. identifiers 0..65534 (65535 is reserved).
   */
  readonly maxStreams?: number;
}

/** The parity of the identifiers a DTLS role may pick (RFC 8832 §6): 0 even, 1 odd. */
export function streamIdParity(role: DtlsRoleForStreams): 0 | 1 {
  return role === 'client' ? 0 : 1;
}

/**
 * Tracks which stream identifiers are in use on one SCTP association and hands out free ones of
 * this endpoint's parity, lowest first. An identifier comes back into use only when
 * {@link StreamIdAllocator.release} is called, which the caller does once the stream has been reset in both
 * directions (RFC 8831 §6.7).
 */
export class StreamIdAllocator {
  readonly role: DtlsRoleForStreams;
  /** Identifiers are below this bound. */
  readonly maxStreams: number;
  /** The identifiers in use (a set, not a table of all 65535: a connection has few channels). */
  readonly #used = new Set<number>();
  /** No free identifier of this side's parity lies below this one (a scan hint). */
  #next: number;

  constructor(role: DtlsRoleForStreams, options: StreamIdAllocatorOptions = {}) {
    const maxStreams = options.maxStreams ?? MAX_DATA_CHANNEL_STREAM_ID + 1;
    if (!Number.isInteger(maxStreams) || maxStreams < 1 || maxStreams > 65535) {
      throw new StreamIdError(`maxStreams ${maxStreams} is not in 1..65535`, undefined);
    }
    this.role = role;
    this.maxStreams = maxStreams;
    this.#next = streamIdParity(role);
  }

  /** How many identifiers are in use. */
  get size(): number {
    return this.#used.size;
  }

  /** True when `id` is of the parity this endpoint picks from (RFC 8832 §6). */
  isLocalParity(id: number): boolean {
    return (id & 1) === streamIdParity(this.role);
  }

  /** True when `id` is a valid identifier for this association (integer, below maxStreams). */
  isValid(id: number): boolean {
    return (
      Number.isInteger(id) && id >= 0 && id < this.maxStreams && id <= MAX_DATA_CHANNEL_STREAM_ID
    );
  }

  /** True when `id` is taken. */
  isUsed(id: number): boolean {
    return this.isValid(id) && this.#used.has(id);
  }

  /**
   * Takes the lowest free identifier of this endpoint's parity, or returns `undefined` when
   * none is left (W3C `createDataChannel` then throws OperationError).
   */
  allocate(): number | undefined {
    const limit = Math.min(this.maxStreams, MAX_DATA_CHANNEL_STREAM_ID + 1);
    for (let id = this.#next; id < limit; id += 2) {
      if (!this.#used.has(id)) {
        this.#used.add(id);
        this.#next = id + 2;
        return id;
      }
    }
    this.#next = limit + ((limit & 1) === streamIdParity(this.role) ? 0 : 1);
    return undefined;
  }

  /**
   * Marks a given identifier as used: a negotiated channel's `id`, or the stream of an OPEN
   * from the peer. Returns false (and changes nothing) when it is taken; throws
   * {@link StreamIdError} when it is not a valid identifier.
   */
  reserve(id: number): boolean {
    if (!this.isValid(id)) {
      throw new StreamIdError(
        `stream id ${id} is not an integer in 0..${Math.min(this.maxStreams - 1, MAX_DATA_CHANNEL_STREAM_ID)}`,
        id,
      );
    }
    if (this.#used.has(id)) return false;
    this.#used.add(id);
    return true;
  }

  /** Frees an identifier after its stream was reset both ways; false when it was not in use. */
  release(id: number): boolean {
    if (!this.isValid(id) || !this.#used.delete(id)) return false;
    if (this.isLocalParity(id) && id < this.#next) this.#next = id;
    return true;
  }
}
