// Every kind of every layer's cause becomes an RTCStateCause with its layer, its fields and
// its sentence. The samples are keyed by kind: a kind added to @x/network (or here) without a
// sample fails to compile, and so does the `switch` below without a case for it.
import type {
  CandidatePairDescription,
  DtlsTransportCause,
  IceTransportCause,
  SctpTransportCause,
} from '@x/network';
import { describe, expect, it } from 'vitest';
import {
  CLOSED_BY_USER,
  CREATED,
  dataChannelStateCause,
  dtlsStateCause,
  iceStateCause,
  type RTCDataChannelStateCause,
  type RTCStateCause,
  sctpStateCause,
} from './causes.js';

const candidate = (address: string, port: number, type: 'host' | 'srflx') => ({
  candidate: `candidate:1 1 udp 1 ${address} ${port} typ ${type}`,
  address,
  port,
  protocol: 'udp' as const,
  type,
  foundation: '1',
  priority: 1,
  component: 1,
});
const pair: CandidatePairDescription = {
  local: candidate('192.168.1.2', 50_000, 'host'),
  remote: candidate('203.0.113.5', 61_000, 'srflx'),
  rttMs: 3.5,
  label: '192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx)',
};

/** One sample of each kind, with the sentence it must give. */
const ice: { [K in IceTransportCause['kind']]: [Extract<IceTransportCause, { kind: K }>, string] } =
  {
    'checks-started': [{ kind: 'checks-started' }, 'connectivity checks started'],
    'pair-valid': [{ kind: 'pair-valid', pair }, `${pair.label} works (valid, not nominated yet)`],
    nominated: [{ kind: 'nominated', pair }, `nominated ${pair.label}`],
    'checks-completed': [
      { kind: 'checks-completed', pair },
      `checks done, end-of-candidates both ways, using ${pair.label}`,
    ],
    'all-pairs-failed': [
      { kind: 'all-pairs-failed', pairs: 4, localCandidates: 2, loopbackExcluded: 0 },
      'all 4 candidate pairs failed',
    ],
    'no-packets': [
      { kind: 'no-packets', pair, silentMs: 2500.4 },
      `nothing heard on ${pair.label} for 2500 ms`,
    ],
    'packets-resumed': [{ kind: 'packets-resumed', pair }, `packets again on ${pair.label}`],
    'consent-expired': [
      { kind: 'consent-expired', pair, silentMs: 12_000 },
      `consent expired on ${pair.label} after 12000 ms without a response (RFC 7675)`,
    ],
    restart: [{ kind: 'restart' }, 'ICE restart'],
    'closed-by-user': [{ kind: 'closed-by-user' }, 'closed by the user'],
  };

const dtls: {
  [K in DtlsTransportCause['kind']]: [Extract<DtlsTransportCause, { kind: K }>, string];
} = {
  started: [{ kind: 'started' }, 'DTLS handshake started'],
  'handshake-complete': [
    {
      kind: 'handshake-complete',
      cipherSuite: 'EcdheEcdsaAes128GcmSha256',
      srtpProfile: 'AeadAes128Gcm',
    },
    'DTLS handshake complete (EcdheEcdsaAes128GcmSha256, AeadAes128Gcm)',
  ],
  'handshake-timeout': [
    { kind: 'handshake-timeout', retransmissions: 6, elapsedMs: 30_999.6 },
    'DTLS handshake timed out after 6 retransmissions (31000 ms)',
  ],
  'fingerprint-mismatch': [
    { kind: 'fingerprint-mismatch', expected: ['sha-256 AA:BB'], actual: 'sha-256 CC:DD' },
    "the peer's certificate (sha-256 CC:DD) matches no signaled fingerprint",
  ],
  'alert-received': [
    { kind: 'alert-received', alert: 'badCertificate', alertCode: 42, fatal: true },
    'the peer sent a fatal badCertificate alert',
  ],
  'protocol-error': [
    { kind: 'protocol-error', alert: 'decodeError', alertCode: 50, reason: 'short record' },
    'protocol error: short record (sent decodeError)',
  ],
  'close-notify-received': [
    { kind: 'close-notify-received' },
    'the peer closed DTLS (close_notify)',
  ],
  'closed-by-user': [{ kind: 'closed-by-user' }, 'closed by the user'],
};

const sctp: {
  [K in SctpTransportCause['kind']]: [Extract<SctpTransportCause, { kind: K }>, string];
} = {
  'connect-called': [{ kind: 'connect-called' }, 'SCTP association started'],
  established: [{ kind: 'established' }, 'SCTP association established'],
  'shutdown-called': [{ kind: 'shutdown-called' }, 'SCTP shutdown started'],
  'shutdown-received': [{ kind: 'shutdown-received' }, 'the peer shut SCTP down'],
  'shutdown-complete': [{ kind: 'shutdown-complete' }, 'SCTP shutdown complete'],
  'aborted-by-peer': [
    { kind: 'aborted-by-peer', causes: [12, 1] },
    'the peer aborted SCTP (causes 12, 1)',
  ],
  'aborted-locally': [
    { kind: 'aborted-locally', reason: 'DTLS failed' },
    'SCTP aborted: DTLS failed',
  ],
  'too-many-retransmissions': [
    { kind: 'too-many-retransmissions', timer: 't3-rtx', attempts: 10 },
    'SCTP gave up after 10 t3-rtx retransmissions',
  ],
  'closed-by-user': [{ kind: 'closed-by-user' }, 'closed by the user'],
};

const dataChannel: {
  [K in RTCDataChannelStateCause['kind']]: [Parameters<typeof dataChannelStateCause>[0], string];
} = {
  'closed-by-user': [{ kind: 'closed-by-user' }, 'the channel was closed by close()'],
  'closed-by-peer': [
    { kind: 'closed-by-peer' },
    'the peer closed the channel (it reset its stream, RFC 8831 §6.7)',
  ],
  'open-failed': [
    { kind: 'open-failed', reason: 'stream id 70 is not below the 64 SCTP streams negotiated' },
    'the channel could not be opened: stream id 70 is not below the 64 SCTP streams negotiated',
  ],
};

/** What a program does with a cause: one case per kind, whatever the layer. */
function fieldsOf(cause: RTCStateCause): string {
  switch (cause.kind) {
    case 'pair-valid':
    case 'nominated':
    case 'checks-completed':
    case 'packets-resumed':
      return cause.pair.remote.address;
    case 'no-packets':
    case 'consent-expired':
      return `${cause.pair.remote.address} ${cause.silentMs}`;
    case 'all-pairs-failed':
      return `${cause.pairs} ${cause.localCandidates} ${cause.loopbackExcluded}`;
    case 'handshake-complete':
      return `${cause.cipherSuite} ${cause.srtpProfile}`;
    case 'handshake-timeout':
      return `${cause.retransmissions} ${cause.elapsedMs}`;
    case 'fingerprint-mismatch':
      return `${cause.expected.join()} ${cause.actual}`;
    case 'alert-received':
      return `${cause.alert} ${cause.alertCode} ${cause.fatal}`;
    case 'protocol-error':
      return `${cause.alert} ${cause.alertCode} ${cause.reason}`;
    case 'aborted-by-peer':
      return cause.causes.join();
    case 'aborted-locally':
    case 'open-failed':
      return cause.reason;
    case 'too-many-retransmissions':
      return `${cause.timer} ${cause.attempts}`;
    case 'checks-started':
    case 'restart':
    case 'closed-by-user':
    case 'started':
    case 'close-notify-received':
    case 'connect-called':
    case 'established':
    case 'shutdown-called':
    case 'shutdown-received':
    case 'shutdown-complete':
    case 'created':
    case 'closed-by-peer':
      return '';
    default: {
      const unknown: never = cause;
      throw new Error(`unknown cause ${JSON.stringify(unknown)}`);
    }
  }
}

/** Checks one made cause against its source and its sentence. */
function check(
  made: RTCStateCause,
  layer: RTCStateCause['layer'],
  source: { kind: string },
  message: string,
): void {
  expect(made).toEqual({ layer, ...source, message });
  expect(made.message).toBe(message);
  // Logging code written for the string causes reads the same sentence.
  expect(String(made)).toBe(message);
  expect(`${made}`).toBe(message);
  expect(`why: ${made}`).toBe(`why: ${message}`);
  // As data: JSON keeps every field (and the sentence), and the cause cannot be changed.
  expect(JSON.parse(JSON.stringify(made))).toEqual({ layer, ...source, message });
  expect(Object.isFrozen(made)).toBe(true);
  expect(() => {
    (made as { kind: string }).kind = 'other';
  }).toThrow(TypeError);
  expect(fieldsOf(made)).toBe(fieldsOf({ ...made } as RTCStateCause));
}

describe('RTCStateCause', () => {
  it('carries every ICE cause of @x/network with layer "ice" and its sentence', () => {
    expect(Object.keys(ice)).toHaveLength(10);
    for (const [source, message] of Object.values(ice))
      check(iceStateCause(source), 'ice', source, message);
    const expired = iceStateCause(ice['consent-expired'][0]);
    expect(expired.kind === 'consent-expired' && expired.pair).toBe(pair);
    expect(fieldsOf(expired)).toBe('203.0.113.5 12000');
  });

  it('carries every DTLS cause with layer "dtls": the alert, the fingerprints, the suite', () => {
    expect(Object.keys(dtls)).toHaveLength(8);
    for (const [source, message] of Object.values(dtls))
      check(dtlsStateCause(source), 'dtls', source, message);
    expect(fieldsOf(dtlsStateCause(dtls['alert-received'][0]))).toBe('badCertificate 42 true');
    expect(fieldsOf(dtlsStateCause(dtls['fingerprint-mismatch'][0]))).toBe(
      'sha-256 AA:BB sha-256 CC:DD',
    );
  });

  it('carries every SCTP cause with layer "sctp": the cause codes of an ABORT', () => {
    expect(Object.keys(sctp)).toHaveLength(9);
    for (const [source, message] of Object.values(sctp))
      check(sctpStateCause(source), 'sctp', source, message);
    expect(fieldsOf(sctpStateCause(sctp['aborted-by-peer'][0]))).toBe('12,1');
  });

  it('has the causes of the W3C objects: created, closed by the user, a channel closed by either side', () => {
    check(CREATED, 'peer-connection', { kind: 'created' }, 'nothing has happened yet');
    check(CLOSED_BY_USER, 'peer-connection', { kind: 'closed-by-user' }, 'closed by the user');
    expect(Object.keys(dataChannel)).toHaveLength(3);
    for (const [source, message] of Object.values(dataChannel))
      check(dataChannelStateCause(source), 'data-channel', source, message);
    expect(() =>
      dataChannelStateCause({ kind: 'lost' } as unknown as { kind: 'closed-by-user' }),
    ).toThrow(/unknown data channel cause \{"kind":"lost"\}/);
  });

  it('keeps the fields of each kind apart from the members every cause has', () => {
    // No kind of any layer has a field named like the members added to it.
    const all = [
      ...Object.values(ice).map(([c]) => c),
      ...Object.values(dtls).map(([c]) => c),
      ...Object.values(sctp).map(([c]) => c),
    ];
    for (const cause of all) {
      expect(Object.keys(cause)).not.toContain('layer');
      expect(Object.keys(cause)).not.toContain('message');
    }
  });
});
