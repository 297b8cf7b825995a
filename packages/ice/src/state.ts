/**
 * The agent's connection state and the causes of its changes.
 */
import type { CandidatePairInfo } from './candidate-pair.js';

/**
 * ICE connection state of an {@link Agent}. The numbering is pion's and is kept on purpose;
 * it is NOT the W3C `RTCIceConnectionState` order: a layer above maps it in its `map-*.ts`.
 */
export enum ConnectionState {
  /** Gathering or waiting for remote candidates; no check yet. */
  New = 1,
  /** Checks are running and no pair is selected (or, after a restart, none is alive). */
  Checking,
  /**
   * A pair works: the first valid pair carries data (RFC 8445 §12.1) while the controlling agent
   * may still look for a better one to nominate (W3C: "found a usable connection, but is still
   * checking other candidate pairs"), or a nominated pair is selected. Checks may still be
   * running and candidates arriving.
   */
  Connected,
  /** Nomination is over, no check is running, and end-of-candidates was seen both ways. */
  Completed,
  /** Every pair failed after end-of-candidates, or consent expired (RFC 7675). */
  Failed,
  /** The selected pair has heard nothing for `disconnectedAfterMs`. */
  Disconnected,
  /** `close()` was called. */
  Closed,
}

/** Called for every state change, after it is committed, once, in order. */
export type StateNotifier = (state: ConnectionState, cause: StateCause) => void;

/** Why the state changed: every notification carries one. */
export type StateCause =
  /** The first checks started (remote candidates and credentials are known). */
  | { readonly kind: 'checks-started' }
  /**
   * A check succeeded before any pair was selected: `pair` is valid and carries data until one
   * is nominated (RFC 8445 §12.1: "An ICE agent MAY send data on any valid pair before selected
   * pairs have been produced").
   */
  | { readonly kind: 'pair-valid'; readonly pair: CandidatePairInfo }
  /** A pair was nominated and selected (RFC 8445 §8.1.1). */
  | { readonly kind: 'nominated'; readonly pair: CandidatePairInfo }
  /** Checks are done, nomination is over, end-of-candidates seen both ways. */
  | { readonly kind: 'checks-completed'; readonly pair: CandidatePairInfo }
  /**
   * Every pair failed and no more candidates can come. `localCandidates` 0 means nothing was
   * gathered; `loopbackExcluded` then counts the loopback addresses left out because
   * `gather.includeLoopback` is false (the reason on a loopback-only host).
   */
  | {
      readonly kind: 'all-pairs-failed';
      readonly pairs: number;
      readonly localCandidates: number;
      readonly loopbackExcluded: number;
    }
  /** The selected pair heard nothing for `silentMs` (data or consent responses). */
  | { readonly kind: 'no-packets'; readonly pair: CandidatePairInfo; readonly silentMs: number }
  /** A packet arrived again on the selected pair. */
  | { readonly kind: 'packets-resumed'; readonly pair: CandidatePairInfo }
  /** No consent response for `silentMs` (RFC 7675 §5.1): sending stopped. */
  | {
      readonly kind: 'consent-expired';
      readonly pair: CandidatePairInfo;
      readonly silentMs: number;
    }
  /** `restart()` (or new remote credentials) began an ICE restart (RFC 8445 §9). */
  | { readonly kind: 'restart' }
  /** `close()` was called. */
  | { readonly kind: 'closed-by-user' };

/** Why the selected pair changed. */
export type SelectedPairCause =
  /**
   * No pair is selected yet and this one is valid: it carries data until a pair is nominated
   * (RFC 8445 §12.1). Nominating the same pair later is no change of pair.
   */
  | { readonly kind: 'valid' }
  /** First nomination (or first after a restart). */
  | { readonly kind: 'nominated' }
  /** The previous pair went silent and another valid pair answered (switch without failing). */
  | { readonly kind: 'previous-pair-silent'; readonly previous: CandidatePairInfo }
  /** The peer nominated a pair with a higher priority (controlled side). */
  | { readonly kind: 'higher-priority-nominated'; readonly previous: CandidatePairInfo }
  /** An ICE restart produced a new pair, replacing the pre-restart one. */
  | { readonly kind: 'restart'; readonly previous: CandidatePairInfo };

/** Counters of an agent. Bad input is dropped and counted here, never thrown. */
export interface AgentStats {
  /** Datagrams received on the agent's sockets. */
  datagramsReceived: number;
  /** STUN-looking datagrams that did not decode. */
  malformedStun: number;
  /** STUN messages with a FINGERPRINT that does not match. */
  badFingerprint: number;
  /** Requests or responses whose MESSAGE-INTEGRITY is missing or wrong. */
  badIntegrity: number;
  /** Requests whose USERNAME is not ours. */
  badUsername: number;
  /** Responses matching no outstanding transaction. */
  unknownTransaction: number;
  /** Responses from another address than the request went to (RFC 8445 §7.2.5.2.1). */
  unexpectedSource: number;
  /** Non-STUN datagrams from an address that is no known candidate. */
  unknownSource: number;
  /** Requests answered with 420 (unknown comprehension-required attributes). */
  unknownAttributes: number;
  /** Role conflicts detected (RFC 8445 §7.3.1.1). */
  roleConflicts: number;
  /**
   * Authenticated checks from a new source address that were answered but not learned as a
   * peer-reflexive candidate, because `maxPairs` of those are known already (RFC 8445
   * §6.1.2.5, §19.5.1).
   */
  peerReflexiveDropped: number;
  /**
   * Candidate pairs discarded, or not formed, to stay within `maxPairs` (RFC 8445 §6.1.2.5):
   * the lowest-priority pairs that were waiting, frozen or failed.
   */
  pairsDiscarded: number;
  /** Connectivity checks sent (first transmissions). */
  checksSent: number;
  /** Checks received. */
  checksReceived: number;
  /** Consent requests sent (RFC 7675). */
  consentRequestsSent: number;
  /** Application datagrams sent and received on pairs. */
  dataSent: number;
  dataReceived: number;
  /** `send()` calls refused (no selected pair, or consent lost). */
  sendRefused: number;
  /** Notifier or callback calls that threw. */
  handlerErrors: number;
}

export function emptyStats(): AgentStats {
  return {
    datagramsReceived: 0,
    malformedStun: 0,
    badFingerprint: 0,
    badIntegrity: 0,
    badUsername: 0,
    unknownTransaction: 0,
    unexpectedSource: 0,
    unknownSource: 0,
    unknownAttributes: 0,
    roleConflicts: 0,
    peerReflexiveDropped: 0,
    pairsDiscarded: 0,
    checksSent: 0,
    checksReceived: 0,
    consentRequestsSent: 0,
    dataSent: 0,
    dataReceived: 0,
    sendRefused: 0,
    handlerErrors: 0,
  };
}
