/**
 * `@x/ice`: STUN (RFC 8489), a TURN client (RFC 8656) and the RFC 8445 ICE `Agent` with
 * consent freshness (RFC 7675) and trickle (RFC 8838). `new Agent(config, (state, cause) => …)`
 * reports every `ConnectionState` with its `StateCause`.
 *
 * @packageDocumentation
 */

export {
  Agent,
  type IceCredentials,
  type RelayEndpoint,
  type RemoteOptions,
  type StateNotifier,
} from './agent.js';
export type { AnnouncedAddress } from './announced.js';
export { generateIceCredentials } from './credentials.js';
export {
  type Candidate,
  type CandidateTransport,
  type CandidateType,
  describeCandidate,
  isMdnsName,
  parseCandidate,
  serializeCandidate,
  type TcpType,
} from './candidate.js';
export { type CandidatePairInfo, type PairStunCounters, PairState } from './candidate-pair.js';
export {
  type AgentConfig,
  type CandidateSource,
  type ConsentOptions,
  checkAgentConfig,
  type GatherOptions,
  type NominationWait,
} from './config.js';
export {
  AgentClosedError,
  CandidateParseError,
  IceConfigError,
  IceError,
  StunEncodeError,
} from './errors.js';
export type { PortRange } from './gather.js';
export { type IceServer, type IceServerUrl, parseIceServerUrl } from './ice-server.js';
export {
  UdpMux,
  type UdpMuxDrops,
  type MuxAddressOptions,
  type UdpMuxOptions,
  type UdpMuxRouteCounts,
  type UdpMuxStats,
} from './mux/udp-mux.js';
export {
  candidatePriority,
  localPreference,
  pairPriority,
  TCP_DIRECTION_PREFERENCE,
  TCP_TYPE_PREFERENCE,
  TYPE_PREFERENCE,
  tcpCandidatePriority,
} from './priority.js';
export {
  type AgentStats,
  ConnectionState,
  type SelectedPairCause,
  type StateCause,
} from './state.js';
export * as stun from './stun/index.js';
export {
  TcpMux,
  type TcpMuxDrops,
  type TcpMuxOptions,
  type TcpMuxStats,
} from './tcp/tcp-mux.js';
export {
  parseTurnUrl,
  type RelayHost,
  type RelayTimings,
  type RequestOutcome,
  type TurnAllocateResult,
  type TurnCandidateError,
  TurnClient,
  type TurnClientOptions,
  TurnConfigError,
  type TurnNotifier,
  type TurnRelaySocket,
  type TurnRelayStats,
  type TurnServerUrl,
  TurnState,
  type TurnStateCause,
  UNREACHABLE,
} from './turn/index.js';
