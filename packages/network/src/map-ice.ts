/**
 * The one place where `@x/ice` meets this package: its `ConnectionState` (pion's numbering)
 * becomes our `IceTransportState` (W3C order), its causes and pairs our descriptions.
 */
import {
  type CandidatePairInfo,
  ConnectionState,
  PairState,
  type Candidate,
  type SelectedPairCause as IceSelectedPairCause,
  type StateCause,
  parseCandidate,
  serializeCandidate,
} from '@x/ice';
import { InvalidArgumentError } from './errors.js';
import type { PairTrafficCounters } from './pair-traffic.js';
import {
  type CandidateDescription,
  type CandidatePairDescription,
  type CandidatePairState,
  type CandidatePairStats,
  type IceTransportCause,
  IceTransportState,
  type SelectedPairCause,
} from './transport-state.js';

/** `@x/ice` `ConnectionState` → `IceTransportState`. */
export function mapIceState(state: ConnectionState): IceTransportState {
  switch (state) {
    case ConnectionState.New:
      return IceTransportState.New;
    case ConnectionState.Checking:
      return IceTransportState.Checking;
    case ConnectionState.Connected:
      return IceTransportState.Connected;
    case ConnectionState.Completed:
      return IceTransportState.Completed;
    case ConnectionState.Failed:
      return IceTransportState.Failed;
    case ConnectionState.Disconnected:
      return IceTransportState.Disconnected;
    case ConnectionState.Closed:
      return IceTransportState.Closed;
    default: {
      const unknown: never = state;
      throw new Error(`unknown ICE connection state ${String(unknown)}`);
    }
  }
}

/** A candidate of `@x/ice` as the layers above see it. */
export function describeCandidate(candidate: Candidate): CandidateDescription {
  return {
    candidate: serializeCandidate(candidate),
    address: candidate.address,
    port: candidate.port,
    protocol: candidate.transport,
    type: candidate.type,
    foundation: candidate.foundation,
    priority: candidate.priority,
    component: candidate.component,
    ...(candidate.relatedAddress !== undefined ? { relatedAddress: candidate.relatedAddress } : {}),
    ...(candidate.relatedPort !== undefined ? { relatedPort: candidate.relatedPort } : {}),
    ...(candidate.tcpType !== undefined ? { tcpType: candidate.tcpType } : {}),
    ...(candidate.ufrag !== undefined ? { usernameFragment: candidate.ufrag } : {}),
  };
}

/**
 * Parses a `candidate:` attribute (RFC 8839 §5.1). Throws `InvalidArgumentError` with the
 * reason when it is malformed.
 */
export function parseCandidateAttribute(text: string): CandidateDescription {
  try {
    return describeCandidate(parseCandidate(text));
  } catch (error) {
    throw new InvalidArgumentError(
      `invalid candidate ${JSON.stringify(text)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** A pair of `@x/ice` as the layers above see it. */
export function describePair(pair: CandidatePairInfo): CandidatePairDescription {
  const local = describeCandidate(pair.local);
  const remote = describeCandidate(pair.remote);
  return {
    local,
    remote,
    rttMs: pair.rttMs,
    label: `${endpoint(local)} <-> ${endpoint(remote)} (${local.type}/${remote.type})`,
  };
}

/** `@x/ice` `PairState` → the W3C `RTCStatsIceCandidatePairState`. */
export function mapPairState(state: PairState): CandidatePairState {
  switch (state) {
    case PairState.Frozen:
      return 'frozen';
    case PairState.Waiting:
      return 'waiting';
    case PairState.InProgress:
      return 'in-progress';
    case PairState.Succeeded:
      return 'succeeded';
    case PairState.Failed:
      return 'failed';
    default: {
      const unknown: never = state;
      throw new Error(`unknown candidate pair state ${String(unknown)}`);
    }
  }
}

/** A pair of `@x/ice` with its state and the Manager's traffic counters, for `getStats()`. */
export function describePairStats(
  pair: CandidatePairInfo,
  selected: boolean,
  traffic: PairTrafficCounters,
): CandidatePairStats {
  return {
    ...describePair(pair),
    state: mapPairState(pair.state),
    nominated: pair.nominated,
    selected,
    packetsSent: traffic.packetsSent,
    bytesSent: traffic.bytesSent,
    packetsReceived: traffic.packetsReceived,
    bytesReceived: traffic.bytesReceived,
    lastPacketSentAt: traffic.lastPacketSentAt,
    lastPacketReceivedAt: traffic.lastPacketReceivedAt,
    requestsSent: pair.stun.requestsSent,
    consentRequestsSent: pair.stun.consentRequestsSent,
    requestsReceived: pair.stun.requestsReceived,
    responsesSent: pair.stun.responsesSent,
    responsesReceived: pair.stun.responsesReceived,
    totalRoundTripTimeMs: pair.stun.totalRoundTripTimeMs,
    ...(pair.localUrl !== undefined ? { localUrl: pair.localUrl } : {}),
    ...(pair.localRelayProtocol !== undefined
      ? { localRelayProtocol: pair.localRelayProtocol }
      : {}),
  };
}

function endpoint(c: CandidateDescription): string {
  return c.address.includes(':') ? `[${c.address}]:${c.port}` : `${c.address}:${c.port}`;
}

/** `@x/ice` `StateCause` → `IceTransportCause`. */
export function mapIceCause(cause: StateCause): IceTransportCause {
  switch (cause.kind) {
    case 'checks-started':
    case 'restart':
    case 'closed-by-user':
      return { kind: cause.kind };
    case 'pair-valid':
    case 'nominated':
    case 'checks-completed':
    case 'packets-resumed':
      return { kind: cause.kind, pair: describePair(cause.pair) };
    case 'all-pairs-failed':
      return {
        kind: 'all-pairs-failed',
        pairs: cause.pairs,
        localCandidates: cause.localCandidates,
        loopbackExcluded: cause.loopbackExcluded,
      };
    case 'no-packets':
    case 'consent-expired':
      return { kind: cause.kind, pair: describePair(cause.pair), silentMs: cause.silentMs };
    default: {
      const unknown: never = cause;
      throw new Error(`unknown ICE cause ${JSON.stringify(unknown)}`);
    }
  }
}

/** `@x/ice` `SelectedPairCause` → ours. */
export function mapSelectedPairCause(cause: IceSelectedPairCause): SelectedPairCause {
  switch (cause.kind) {
    case 'valid':
    case 'nominated':
      return { kind: cause.kind };
    case 'previous-pair-silent':
    case 'higher-priority-nominated':
    case 'restart':
      return { kind: cause.kind, previous: describePair(cause.previous) };
    default: {
      const unknown: never = cause;
      throw new Error(`unknown selected-pair cause ${JSON.stringify(unknown)}`);
    }
  }
}
