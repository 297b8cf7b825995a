/**
 * The TURN client's public surface (RFC 8656), for `src/index.ts` to re-export by name.
 */
export { TurnClient } from './client.js';
export {
  type TurnAllocateResult,
  type TurnClientOptions,
  type TurnNotifier,
  TurnState,
  type TurnStateCause,
} from './types.js';
export { type TurnCandidateError, TurnConfigError, UNREACHABLE } from './errors.js';
export type {
  RelayHost,
  RelayTimings,
  RequestOutcome,
  TurnRelaySocket,
  TurnRelayStats,
} from './relay-socket.js';
export { parseTurnUrl, type TurnServerUrl } from './url.js';
