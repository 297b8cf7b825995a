/**
 * The one place where `@x/dtls` meets this package: its `DtlsTransportState` becomes ours,
 * its causes (with their enums: alerts, cipher suites, SRTP profiles) become names.
 */
import {
  AlertDescription,
  AlertLevel,
  CipherSuite,
  type DtlsStateCause,
  DtlsTransportState as DtlsLayerState,
  type Fingerprint,
  SrtpProtectionProfile,
} from '@x/dtls';
import { type DtlsTransportCause, DtlsTransportState } from './transport-state.js';

/** `@x/dtls` `DtlsTransportState` → ours. */
export function mapDtlsState(state: DtlsLayerState): DtlsTransportState {
  switch (state) {
    case DtlsLayerState.New:
      return DtlsTransportState.New;
    case DtlsLayerState.Connecting:
      return DtlsTransportState.Connecting;
    case DtlsLayerState.Connected:
      return DtlsTransportState.Connected;
    case DtlsLayerState.Closed:
      return DtlsTransportState.Closed;
    case DtlsLayerState.Failed:
      return DtlsTransportState.Failed;
    default: {
      const unknown: never = state;
      throw new Error(`unknown DTLS transport state ${String(unknown)}`);
    }
  }
}

/** `sha-256 AB:CD:...` */
export function formatFingerprint(fingerprint: Fingerprint): string {
  return `${fingerprint.algorithm} ${fingerprint.value}`;
}

/** An alert's name in camel case (`handshakeFailure`), or its number when unknown. */
export function alertName(description: AlertDescription): string {
  const name = AlertDescription[description];
  return name === undefined ? `alert ${description}` : name.charAt(0).toLowerCase() + name.slice(1);
}

/** `@x/dtls` `DtlsStateCause` → ours. */
export function mapDtlsCause(cause: DtlsStateCause): DtlsTransportCause {
  switch (cause.kind) {
    case 'started':
    case 'close-notify-received':
    case 'closed-by-user':
      return { kind: cause.kind };
    case 'handshake-complete':
      return {
        kind: 'handshake-complete',
        cipherSuite:
          CipherSuite[cause.cipherSuite] ?? `0x${Number(cause.cipherSuite).toString(16)}`,
        srtpProfile:
          cause.srtpProfile === undefined
            ? undefined
            : (SrtpProtectionProfile[cause.srtpProfile] ?? String(cause.srtpProfile)),
      };
    case 'handshake-timeout':
      return {
        kind: 'handshake-timeout',
        retransmissions: cause.retransmissions,
        elapsedMs: cause.elapsedMs,
      };
    case 'fingerprint-mismatch':
      return {
        kind: 'fingerprint-mismatch',
        expected: cause.expected.map(formatFingerprint),
        actual: formatFingerprint(cause.actual),
      };
    case 'alert-received':
      return {
        kind: 'alert-received',
        alert: alertName(cause.description),
        alertCode: cause.description,
        fatal: cause.level === AlertLevel.Fatal,
      };
    case 'protocol-error':
      return {
        kind: 'protocol-error',
        alert: alertName(cause.alert),
        alertCode: cause.alert,
        reason: cause.reason,
      };
    default: {
      const unknown: never = cause;
      throw new Error(`unknown DTLS cause ${JSON.stringify(unknown)}`);
    }
  }
}
