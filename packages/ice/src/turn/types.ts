/**
 * The public types of {@link TurnClient}: its states, options and allocation result.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Clock, Net, SocketAddress } from '@x/transport';
import type { RetransmitOptions } from '../stun/transaction.js';
import type { TurnClient } from './client.js';
import type { TurnCandidateError } from './errors.js';
import type { RelayTimings, TurnRelaySocket } from './relay-socket.js';
import type { TurnServerUrl } from './url.js';

/** States of a {@link TurnClient}. Numbered for this package only. */
export enum TurnState {
  New = 1,
  Allocating,
  Allocated,
  Failed,
  Closed,
}

/** Why the state changed. */
export type TurnStateCause =
  | { readonly kind: 'allocate-started' }
  | {
      readonly kind: 'allocated';
      readonly relayedAddress: SocketAddress;
      readonly lifetimeSec: number;
    }
  | { readonly kind: 'error'; readonly error: TurnCandidateError }
  | { readonly kind: 'closed-by-user' };

/** Receives state changes (after they are committed, in order; a throw is caught). */
export type TurnNotifier = (state: TurnState, cause: TurnStateCause) => void;

/** Options of {@link TurnClient}. */
export interface TurnClientOptions extends RelayTimings {
  /** `turn:host[:port][?transport=udp|tcp]` or `turns:host[:port]` (RFC 7065). */
  readonly url: string | TurnServerUrl;
  readonly username: string;
  readonly credential: string;
  /** Sockets. Default: the real network. */
  readonly net?: Net;
  /** Timers. Default: the system clock. */
  readonly clock?: Clock;
  /** Local address to bind (UDP) or connect from (TCP/TLS). Default: any. */
  readonly localAddress?: string;
  /** Extra TLS options for `turns:` (`ca` to trust a private certificate, ...). */
  readonly tls?: ConnectionOptions;
  /** Resolves a host name to an IP. Default: `dns.lookup`, IPv4 first. */
  readonly resolve?: (host: string) => Promise<string>;
  /**
   * Family of the relayed address: 'IPv6' sends REQUESTED-ADDRESS-FAMILY (RFC 8656 §7.1,
   * §18.7); a server without IPv6 relays answers 440, reported as a candidate error.
   * Default 'IPv4' (the attribute is left out).
   */
  readonly relayFamily?: 'IPv4' | 'IPv6';
  /** Requested allocation lifetime in seconds (LIFETIME, §7.1). Default: the server's. */
  readonly lifetimeSec?: number;
  /** Retransmissions over UDP (RFC 8489 §6.2.1). Default RTO 500 ms, 7 sends, Rm 16. */
  readonly retransmit?: RetransmitOptions;
  /**
   * Over UDP, a Binding indication goes to the server when nothing else was sent for this
   * long, so that a NAT on the way keeps its mapping (RFC 4787 REQ-5 allows it to expire
   * after 2 min). Default 15 000 ms; 0 turns it off.
   */
  readonly keepaliveMs?: number;
  /** SOFTWARE attribute value. Default: none. */
  readonly software?: string;
  /** Peer datagrams arriving through the relay (`data` valid until the handler returns). */
  readonly onMessage: (data: Buffer, from: SocketAddress) => void;
  /** Failures after the allocation succeeded: refresh failed, 403 on a permission, ... */
  readonly onError?: (error: TurnCandidateError) => void;
}

/** What {@link TurnClient.allocate} gives. */
export type TurnAllocateResult =
  | {
      readonly ok: true;
      /** The relay: a socket whose `localAddress` is the relayed transport address. */
      readonly socket: TurnRelaySocket;
      /** XOR-RELAYED-ADDRESS: the relay candidate's address. */
      readonly relayedAddress: SocketAddress;
      /** XOR-MAPPED-ADDRESS: the client's server-reflexive address, when the server gave it. */
      readonly mappedAddress: SocketAddress | undefined;
      /** The local end of the link to the server (the relay candidate's base/related address). */
      readonly localAddress: SocketAddress;
      readonly lifetimeSec: number;
    }
  | { readonly ok: false; readonly error: TurnCandidateError };
