import type { Fingerprint } from './certificate.js';
import type { CipherSuite } from './cipher-suite.js';
import type { AlertDescription, AlertLevel, SrtpProtectionProfile } from './constants.js';

/**
 * State of a {@link DtlsTransport}: this package's own enum (ARCHITECTURE.md, the state
 * contract), mapped by the layer above in its own `map-*.ts`.
 */
export enum DtlsTransportState {
  /** Constructed, `start()` not called yet. */
  New = 1,
  /** The handshake is running. */
  Connecting,
  /** The handshake completed: application data and the exporter are available. */
  Connected,
  /** Closed by `close()` or by the peer's close_notify. */
  Closed,
  /** The handshake failed or a fatal alert was sent or received. */
  Failed,
}

/** Why the state changed: one variant per cause, so a user can answer "why did it fail?". */
export type DtlsStateCause =
  /** `start()` was called. */
  | { readonly kind: 'started' }
  /** The handshake completed with these parameters. */
  | {
      readonly kind: 'handshake-complete';
      readonly cipherSuite: CipherSuite;
      readonly srtpProfile: SrtpProtectionProfile | undefined;
    }
  /** A flight was retransmitted `retransmissions` times without an answer (RFC 6347 §4.2.4). */
  | {
      readonly kind: 'handshake-timeout';
      readonly retransmissions: number;
      readonly elapsedMs: number;
    }
  /** The peer's certificate matches none of the signaled fingerprints (RFC 8122 §5, RFC 8827 §6.5). */
  | {
      readonly kind: 'fingerprint-mismatch';
      readonly expected: readonly Fingerprint[];
      readonly actual: Fingerprint;
    }
  /** The peer sent a fatal alert (RFC 5246 §7.2). */
  | {
      readonly kind: 'alert-received';
      readonly level: AlertLevel;
      readonly description: AlertDescription;
      /** The description's name, e.g. `'HandshakeFailure'`. */
      readonly name: string;
    }
  /** The peer broke the protocol; we sent the fatal alert `alert`. */
  | { readonly kind: 'protocol-error'; readonly alert: AlertDescription; readonly reason: string }
  /** The peer sent close_notify (RFC 5246 §7.2.1). */
  | { readonly kind: 'close-notify-received' }
  /** `close()` was called. */
  | { readonly kind: 'closed-by-user' };

/** One state change, as delivered to the constructor's callback. */
export interface DtlsStateChange {
  readonly state: DtlsTransportState;
  readonly previous: DtlsTransportState;
  readonly cause: DtlsStateCause;
}

/** The callback given to the {@link DtlsTransport} constructor. */
export type DtlsStateHandler = (change: DtlsStateChange) => void;
