import {
  type CandidatePairInfo,
  ConnectionState,
  PairState,
  parseCandidate,
  type StateCause,
} from '@x/ice';
import { describe, expect, it } from 'vitest';
import {
  describePair,
  describePairStats,
  mapIceCause,
  mapIceState,
  mapPairState,
  mapSelectedPairCause,
} from './map-ice.js';
import { describeCause, IceTransportState } from './transport-state.js';

const numericValues = (e: object): number[] =>
  Object.values(e).filter((v): v is number => typeof v === 'number');

const pair: CandidatePairInfo = {
  local: parseCandidate('candidate:1 1 udp 2130706431 192.168.1.2 50000 typ host'),
  remote: parseCandidate(
    'candidate:2 1 udp 1694498815 203.0.113.5 61000 typ srflx raddr 10.0.0.2 rport 5000',
  ),
  priority: 9115038255631187967n,
  state: PairState.Succeeded,
  nominated: true,
  lastReceivedAt: 12,
  rttMs: 3.5,
  stun: {
    requestsSent: 1,
    consentRequestsSent: 4,
    requestsReceived: 2,
    responsesSent: 2,
    responsesReceived: 5,
    totalRoundTripTimeMs: 17.5,
  },
};

describe('map-ice', () => {
  it('maps every pair state to the W3C RTCStatsIceCandidatePairState', () => {
    const values = numericValues(PairState);
    expect(values).toHaveLength(5);
    expect(values.map((v) => mapPairState(v))).toEqual([
      'frozen',
      'waiting',
      'in-progress',
      'succeeded',
      'failed',
    ]);
  });

  it('describes a pair with its counters for getStats()', () => {
    const traffic = {
      packetsSent: 3,
      bytesSent: 300,
      packetsReceived: 2,
      bytesReceived: 200,
      lastPacketSentAt: 10,
      lastPacketReceivedAt: 11,
    };
    const stats = describePairStats(pair, true, traffic);
    expect(stats).toEqual({
      ...describePair(pair),
      state: 'succeeded',
      nominated: true,
      selected: true,
      ...traffic,
      ...pair.stun,
    });
    const relayed = describePairStats(
      { ...pair, localUrl: 'turn:192.0.2.1:3478?transport=udp' },
      false,
      traffic,
    );
    expect(relayed.localUrl).toBe('turn:192.0.2.1:3478?transport=udp');
  });

  it('maps every ICE connection state to the transport state of the same name, whatever the numbers', () => {
    const values = numericValues(ConnectionState);
    expect(values).toHaveLength(7);
    for (const value of values) {
      const name = ConnectionState[value] as keyof typeof IceTransportState;
      expect(mapIceState(value)).toBe(IceTransportState[name]);
    }
    // pion's numbering differs from the W3C order: the mapping is not the identity.
    expect(ConnectionState.Disconnected).toBe(6);
    expect(mapIceState(ConnectionState.Disconnected)).toBe(5);
    expect(ConnectionState.Failed).toBe(5);
    expect(mapIceState(ConnectionState.Failed)).toBe(6);
  });

  it('throws on a value outside the enum (the exhaustive never branch)', () => {
    expect(() => mapIceState(99 as ConnectionState)).toThrow(/unknown ICE connection state 99/);
  });

  it('describes a pair without ICE types (no enum, no bigint)', () => {
    const d = describePair(pair);
    expect(d).toEqual({
      local: {
        candidate: 'candidate:1 1 udp 2130706431 192.168.1.2 50000 typ host',
        address: '192.168.1.2',
        port: 50000,
        protocol: 'udp',
        type: 'host',
        foundation: '1',
        priority: 2130706431,
        component: 1,
      },
      remote: expect.objectContaining({ address: '203.0.113.5', type: 'srflx' }),
      rttMs: 3.5,
      label: '192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx)',
    });
    expect(() => JSON.stringify(d)).not.toThrow();
  });

  it('maps every cause kind and gives each a sentence', () => {
    const causes: StateCause[] = [
      { kind: 'checks-started' },
      { kind: 'pair-valid', pair },
      { kind: 'nominated', pair },
      { kind: 'checks-completed', pair },
      { kind: 'all-pairs-failed', pairs: 4, localCandidates: 2, loopbackExcluded: 1 },
      { kind: 'no-packets', pair, silentMs: 2500 },
      { kind: 'packets-resumed', pair },
      { kind: 'consent-expired', pair, silentMs: 12000 },
      { kind: 'restart' },
      { kind: 'closed-by-user' },
    ];
    const mapped = causes.map(mapIceCause);
    expect(mapped.map((c) => c.kind)).toEqual(causes.map((c) => c.kind));
    expect(mapped[5]).toEqual({ kind: 'no-packets', pair: describePair(pair), silentMs: 2500 });
    const allFailed = (localCandidates: number, loopbackExcluded: number, pairs = 1) =>
      describeCause({ kind: 'all-pairs-failed', pairs, localCandidates, loopbackExcluded });
    expect(allFailed(1, 0)).toBe('the only candidate pair failed');
    expect(mapped[4]).toEqual(causes[4]);
    // Nothing gathered: the cause says why, and what to set on a loopback-only host.
    expect(allFailed(0, 1, 0)).toBe(
      'no local candidate was gathered: 1 loopback address was excluded (set gather: { includeLoopback: true } on a loopback-only host)',
    );
    expect(allFailed(0, 2, 0)).toMatch(
      /^no local candidate was gathered: 2 loopback addresses were excluded/,
    );
    expect(allFailed(0, 0, 0)).toBe(
      'no local candidate was gathered (no usable interface address, or every one filtered out)',
    );
    expect(mapped.map(describeCause)).toEqual([
      'connectivity checks started',
      '192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx) works (valid, not nominated yet)',
      'nominated 192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx)',
      'checks done, end-of-candidates both ways, using 192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx)',
      'all 4 candidate pairs failed',
      'nothing heard on 192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx) for 2500 ms',
      'packets again on 192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx)',
      'consent expired on 192.168.1.2:50000 <-> 203.0.113.5:61000 (host/srflx) after 12000 ms without a response (RFC 7675)',
      'ICE restart',
      'closed by the user',
    ]);
    expect(() => mapIceCause({ kind: 'bogus' } as unknown as StateCause)).toThrow(
      /unknown ICE cause/,
    );
  });

  it('maps every selected-pair cause', () => {
    expect(mapSelectedPairCause({ kind: 'nominated' })).toEqual({ kind: 'nominated' });
    expect(mapSelectedPairCause({ kind: 'valid' })).toEqual({ kind: 'valid' });
    expect(describeCause({ kind: 'valid' })).toBe('first working pair, before nomination');
    for (const kind of ['previous-pair-silent', 'higher-priority-nominated', 'restart'] as const) {
      expect(mapSelectedPairCause({ kind, previous: pair })).toEqual({
        kind,
        previous: describePair(pair),
      });
    }
  });
});
