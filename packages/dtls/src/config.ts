import { randomBytes } from 'node:crypto';
import type { Clock } from '@x/transport';
import { systemClock } from '@x/transport';
import type { DtlsCertificate, Fingerprint } from './certificate.js';
import {
  type CipherSuite,
  certificateAuth,
  DEFAULT_CIPHER_SUITES,
  suiteParams,
  suiteRunnable,
} from './cipher-suite.js';
import type { SrtpProtectionProfile } from './constants.js';
import { DtlsConfigurationError } from './errors.js';
import { MAX_PLAINTEXT } from './record.js';

/** Options of a {@link DtlsTransport}. */
export interface DtlsTransportOptions {
  /** `'client'` sends the ClientHello; `'server'` answers (RFC 8842 §5: `a=setup` decides). */
  readonly role: 'client' | 'server';
  /** Our certificate and key (see `generateCertificate()`, `generateRsaCertificate()`): ECDSA P-256 or RSA. */
  readonly certificate: DtlsCertificate;
  /** Sends one datagram to the peer. Called synchronously; a throw is caught and logged. */
  readonly send: (datagram: Buffer) => void;
  /**
   * The fingerprints that signaling gave for the peer's certificate (RFC 8122 §5). The peer's
   * certificate must match one of them, or the handshake fails with `fingerprint-mismatch`.
   * Omit only outside WebRTC, where any certificate is then accepted.
   */
  readonly remoteFingerprints?: readonly Fingerprint[];
  /** Application data received, one record at a time (the buffer is the caller's to keep). */
  readonly onData?: (data: Buffer) => void;
  /** Called when a state handler threw (the error is also logged under `NODE_DEBUG=x:dtls`). */
  readonly onHandlerError?: (error: unknown) => void;
  /** Time source for retransmission timers. Default: the system clock. */
  readonly clock?: Clock;
  /** Largest datagram we send, in bytes; flights are fragmented to fit. Default 1200, at least 256. */
  readonly mtu?: number;
  /**
   * Round-trip time of the path, when known (e.g. ICE's measured RTT), in ms. The initial
   * retransmission timeout is `2 × rttHintMs` clamped to 50–3000 ms, as libwebrtc does.
   * Default 50 ms, giving an initial timeout of 100 ms.
   */
  readonly rttHintMs?: number;
  /** Overrides the initial retransmission timeout (ms, clamped to 50–3000). */
  readonly initialRetransmitMs?: number;
  /**
   * Retransmissions of one flight before the handshake fails (RFC 6347 §4.2.4). The timeout
   * doubles at each (capped at 60 s), so with the defaults (100 ms, 6) the attempts leave at
   * 0, 0.1, 0.3, 0.7, 1.5, 3.1 and 6.3 s and the handshake fails at 12.7 s. Default 6.
   */
  readonly maxRetransmits?: number;
  /** Cipher suites in preference order. Default: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305. */
  readonly cipherSuites?: readonly CipherSuite[];
  /** SRTP profiles to offer/accept in `use_srtp` (RFC 5764), in preference order. Default none. */
  readonly srtpProfiles?: readonly SrtpProtectionProfile[];
  /** Server: ask for and require a client certificate (WebRTC authenticates both ends). Default true. */
  readonly requireClientCertificate?: boolean;
  /** Refuse peers without the extended master secret (RFC 7627). Default true. */
  readonly requireExtendedMasterSecret?: boolean;
  /**
   * The largest record plaintext we accept, sent to the peer in `record_size_limit`
   * (RFC 8449), 64–16384. Default 16384 (DTLS 1.2's maximum). The peer's own limit is
   * {@link DtlsTransport.peerRecordSizeLimit}.
   */
  readonly recordSizeLimit?: number;
  /**
   * Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest (RFC 6347
   * §4.2.1), so that no state is kept for a spoofed source. Default true. Set it to false only
   * where the layer below has already verified the peer's address: in WebRTC, DTLS runs on an
   * ICE pair whose connectivity checks authenticated both ends (RFC 8445 §7.2.5), so the
   * exchange only costs a round trip; RFC 6347 §4.2.1 lets a server skip it where
   * amplification is not a problem.
   */
  readonly cookieExchange?: boolean;
}

/** @internal Options with every default applied. */
export interface ResolvedConfig {
  readonly role: 'client' | 'server';
  readonly certificate: DtlsCertificate;
  readonly remoteFingerprints: readonly Fingerprint[] | undefined;
  readonly clock: Clock;
  readonly mtu: number;
  /** Mutable: {@link DtlsTransport.setRttHint} updates it for the next flights. */
  initialRetransmitMs: number;
  readonly maxRetransmits: number;
  readonly cipherSuites: readonly CipherSuite[];
  readonly srtpProfiles: readonly SrtpProtectionProfile[];
  readonly requireClientCertificate: boolean;
  readonly requireExtendedMasterSecret: boolean;
  readonly recordSizeLimit: number;
  readonly cookieExchange: boolean;
  /** HMAC key of HelloVerifyRequest cookies (server). */
  readonly cookieSecret: Buffer;
}

/** Lower bound of the initial retransmission timeout, in ms (libwebrtc's clamp). */
export const MIN_INITIAL_RETRANSMIT_MS = 50;
/** Upper bound of the initial retransmission timeout, in ms (libwebrtc's clamp). */
export const MAX_INITIAL_RETRANSMIT_MS = 3000;
/** Cap of the doubled timeout (RFC 6347 §4.2.4.1: at least the 60 s of RFC 6298). */
export const MAX_RETRANSMIT_MS = 60_000;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** @internal A requested initial timeout, clamped to 50–3000 ms; throws on a non-number. */
export function initialTimeout(ms: number): number {
  const t = clamp(ms, MIN_INITIAL_RETRANSMIT_MS, MAX_INITIAL_RETRANSMIT_MS);
  if (!Number.isFinite(t))
    throw new DtlsConfigurationError(`a round-trip time must be a number, got ${ms}`);
  return t;
}

/** @internal Validates options and applies defaults. */
export function resolveConfig(o: DtlsTransportOptions): ResolvedConfig {
  if (o.role !== 'client' && o.role !== 'server')
    throw new DtlsConfigurationError(`role must be 'client' or 'server', got ${String(o.role)}`);
  if (typeof o.send !== 'function') throw new DtlsConfigurationError('send must be a function');
  const mtu = o.mtu ?? 1200;
  if (!(mtu >= 256 && mtu <= 65_507))
    throw new DtlsConfigurationError(`mtu must be 256–65507, got ${mtu}`);
  const initial = initialTimeout(o.initialRetransmitMs ?? 2 * (o.rttHintMs ?? 50));
  const maxRetransmits = o.maxRetransmits ?? 6;
  if (!(Number.isInteger(maxRetransmits) && maxRetransmits >= 0))
    throw new DtlsConfigurationError(
      `maxRetransmits must be an integer >= 0, got ${maxRetransmits}`,
    );
  const recordSizeLimit = o.recordSizeLimit ?? MAX_PLAINTEXT;
  if (
    !(
      Number.isInteger(recordSizeLimit) &&
      recordSizeLimit >= 64 &&
      recordSizeLimit <= MAX_PLAINTEXT
    )
  )
    throw new DtlsConfigurationError(
      `recordSizeLimit must be an integer in 64–${MAX_PLAINTEXT}, got ${recordSizeLimit}`,
    );
  const listed = o.cipherSuites ?? DEFAULT_CIPHER_SUITES;
  if (listed.length === 0 || listed.some((s) => !suiteParams(s)))
    throw new DtlsConfigurationError('cipherSuites must list at least one supported suite');
  // Suites whose AEAD this runtime lacks (ChaCha20-Poly1305 under Bun) are neither offered nor
  // chosen, so that the handshake settles on one that works instead of failing after it.
  const cipherSuites = listed.filter((s) => suiteRunnable(suiteParams(s)!));
  if (cipherSuites.length === 0)
    throw new DtlsConfigurationError(
      `this runtime's node:crypto has none of the ciphers of cipherSuites (${listed.map((s) => suiteParams(s)!.cipher).join(', ')}); add an AES-GCM suite`,
    );
  const auth = certificateAuth(o.certificate.privateKey);
  if (auth === undefined)
    throw new DtlsConfigurationError('the certificate must have an ECDSA or an RSA key');
  // A server signs with its certificate's key: it needs a suite of that kind to offer.
  if (o.role === 'server' && !cipherSuites.some((s) => suiteParams(s)!.auth === auth))
    throw new DtlsConfigurationError(
      `cipherSuites has no ${auth.toUpperCase()} suite for the certificate`,
    );
  return {
    role: o.role,
    certificate: o.certificate,
    remoteFingerprints: o.remoteFingerprints,
    clock: o.clock ?? systemClock,
    mtu,
    initialRetransmitMs: initial,
    maxRetransmits,
    cipherSuites,
    srtpProfiles: o.srtpProfiles ?? [],
    requireClientCertificate: o.requireClientCertificate ?? true,
    requireExtendedMasterSecret: o.requireExtendedMasterSecret ?? true,
    recordSizeLimit,
    cookieExchange: o.cookieExchange ?? true,
    cookieSecret: randomBytes(32),
  };
}
