/**
 * `@x/dtls`: DTLS 1.2 (RFC 6347) client and server for the WebRTC profile, over any datagram
 * transport. `new DtlsTransport(options, (change) => …)` reports every `DtlsTransportState`
 * as `{ state, previous, cause }`.
 *
 * @packageDocumentation
 */

export {
  DtlsCertificate,
  type Fingerprint,
  type FingerprintAlgorithm,
  fingerprintOf,
  type GenerateCertificateOptions,
  type GenerateRsaCertificateOptions,
  generateCertificate,
  generateRsaCertificate,
} from './certificate.js';
export { CipherSuite, DEFAULT_CIPHER_SUITES } from './cipher-suite.js';
export {
  type DtlsTransportOptions,
  MAX_INITIAL_RETRANSMIT_MS,
  MAX_RETRANSMIT_MS,
  MIN_INITIAL_RETRANSMIT_MS,
} from './config.js';
export {
  AlertDescription,
  AlertLevel,
  NamedGroup,
  SignatureScheme,
  SrtpProtectionProfile,
} from './constants.js';
export { DtlsTransport } from './dtls-transport.js';
export type { DtlsTransportStats } from './stats.js';
export { CertificateError, DtlsConfigurationError, DtlsError, DtlsStateError } from './errors.js';
export {
  type DtlsStateCause,
  type DtlsStateChange,
  type DtlsStateHandler,
  DtlsTransportState,
} from './transport-state.js';
