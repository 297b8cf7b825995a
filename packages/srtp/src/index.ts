/**
 * `@x/srtp`: SRTP and SRTCP (RFC 3711, RFC 7714) keyed from DTLS-SRTP (RFC 5764), on
 * node:crypto. `new SrtpSession({ profile, local, remote })` protects and unprotects RTP and
 * RTCP; `srtpKeysFromDtls` turns DTLS exporter material into those keys.
 *
 * @packageDocumentation
 */

export {
  SrtpConfigurationError,
  SrtpError,
  SrtpKeyLifetimeError,
  SrtpPacketError,
} from './errors.js';
export {
  type DtlsSrtpRole,
  type SrtpMasterKey,
  type SrtpSessionKeys,
  srtpKeysFromDtls,
} from './keying.js';
export {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeyingMaterialLength,
  SrtpProfile,
  type SrtpProfileParameters,
  srtpProfileParameters,
} from './profile.js';
export { MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW } from './replay-window.js';
export {
  DEFAULT_MAX_STREAMS,
  MAX_SRTCP_PACKETS,
  MAX_SRTP_PACKETS,
  SrtpSession,
  type SrtpSessionOptions,
} from './session.js';
export type { SrtpDropCounts, SrtpDropReason, SrtpSessionStats } from './stats.js';
