import {
  AlertDescription,
  AlertLevel,
  CipherSuite,
  type DtlsStateCause,
  DtlsTransportState as DtlsLayerState,
  SrtpProtectionProfile,
} from '@x/dtls';
import { describe, expect, it } from 'vitest';
import { alertName, mapDtlsCause, mapDtlsState } from './map-dtls.js';
import { DtlsTransportState, describeCause } from './transport-state.js';

describe('map-dtls', () => {
  it('maps every DTLS state to the transport state of the same name', () => {
    const values = Object.values(DtlsLayerState).filter((v): v is number => typeof v === 'number');
    expect(values).toHaveLength(5);
    for (const value of values) {
      const name = DtlsLayerState[value] as keyof typeof DtlsTransportState;
      expect(mapDtlsState(value)).toBe(DtlsTransportState[name]);
    }
    expect(() => mapDtlsState(42 as DtlsLayerState)).toThrow(/unknown DTLS transport state 42/);
  });

  it('turns alert, suite and profile enums into names', () => {
    expect(alertName(AlertDescription.BadRecordMac)).toBe('badRecordMac');
    expect(alertName(250 as AlertDescription)).toBe('alert 250');
    const causes: DtlsStateCause[] = [
      { kind: 'started' },
      {
        kind: 'handshake-complete',
        cipherSuite: CipherSuite.EcdheEcdsaAes128GcmSha256,
        srtpProfile: SrtpProtectionProfile.AeadAes128Gcm,
      },
      { kind: 'handshake-timeout', retransmissions: 6, elapsedMs: 31_000 },
      {
        kind: 'fingerprint-mismatch',
        expected: [{ algorithm: 'sha-256', value: 'AA:BB' }],
        actual: { algorithm: 'sha-256', value: 'CC:DD' },
      },
      {
        kind: 'alert-received',
        level: AlertLevel.Fatal,
        description: AlertDescription.HandshakeFailure,
        name: 'HandshakeFailure',
      },
      { kind: 'protocol-error', alert: AlertDescription.DecodeError, reason: 'bad length' },
      { kind: 'close-notify-received' },
      { kind: 'closed-by-user' },
    ];
    const mapped = causes.map(mapDtlsCause);
    expect(mapped).toEqual([
      { kind: 'started' },
      {
        kind: 'handshake-complete',
        cipherSuite: 'EcdheEcdsaAes128GcmSha256',
        srtpProfile: 'AeadAes128Gcm',
      },
      { kind: 'handshake-timeout', retransmissions: 6, elapsedMs: 31_000 },
      { kind: 'fingerprint-mismatch', expected: ['sha-256 AA:BB'], actual: 'sha-256 CC:DD' },
      { kind: 'alert-received', alert: 'handshakeFailure', alertCode: 40, fatal: true },
      { kind: 'protocol-error', alert: 'decodeError', alertCode: 50, reason: 'bad length' },
      { kind: 'close-notify-received' },
      { kind: 'closed-by-user' },
    ]);
    expect(mapped.map(describeCause)).toEqual([
      'DTLS handshake started',
      'DTLS handshake complete (EcdheEcdsaAes128GcmSha256, AeadAes128Gcm)',
      'DTLS handshake timed out after 6 retransmissions (31000 ms)',
      "the peer's certificate (sha-256 CC:DD) matches no signaled fingerprint",
      'the peer sent a fatal handshakeFailure alert',
      'protocol error: bad length (sent decodeError)',
      'the peer closed DTLS (close_notify)',
      'closed by the user',
    ]);
    expect(() => mapDtlsCause({ kind: 'nope' } as unknown as DtlsStateCause)).toThrow(
      /unknown DTLS cause/,
    );
  });
});
