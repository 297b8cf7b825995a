/**
 * W3C `getStats()` (webrtc-pc §8, webrtc-stats): the report of a data-channel peer connection.
 */
import type { CandidatePairDescription } from '@x/network';
import type { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCDtlsTransport, RTCIceTransport } from './rtc-transports.js';

/** What a report is made of. */
export interface StatsSource {
  readonly iceTransport: RTCIceTransport;
  readonly dtlsTransport: RTCDtlsTransport;
  readonly selectedPair: CandidatePairDescription | undefined;
  readonly channels: Iterable<RTCDataChannel>;
}

/** The stats report: one entry per transport, pair, candidate, channel and the connection. */
export function collectStats(from: StatsSource): Map<string, Record<string, unknown>> {
  const stats = new Map<string, Record<string, unknown>>();
  const now = performance.timeOrigin + performance.now();
  stats.set('T01', {
    id: 'T01',
    type: 'transport',
    timestamp: now,
    iceState: from.iceTransport.state,
    dtlsState: from.dtlsTransport.state,
    iceRole: from.iceTransport.role,
    selectedCandidatePairId: from.selectedPair ? 'CP01' : undefined,
  });
  const pair = from.selectedPair;
  if (pair) {
    stats.set('CP01', {
      id: 'CP01',
      type: 'candidate-pair',
      timestamp: now,
      transportId: 'T01',
      state: 'succeeded',
      nominated: true,
      currentRoundTripTime: pair.rttMs !== undefined ? pair.rttMs / 1000 : undefined,
      localCandidateId: 'CL01',
      remoteCandidateId: 'CR01',
    });
    for (const [id, side, c] of [
      ['CL01', 'local-candidate', pair.local],
      ['CR01', 'remote-candidate', pair.remote],
    ] as const) {
      stats.set(id, {
        id,
        type: side,
        timestamp: now,
        transportId: 'T01',
        address: c.address,
        port: c.port,
        protocol: c.protocol,
        candidateType: c.type,
        priority: c.priority,
        foundation: c.foundation,
      });
    }
  }
  let i = 0;
  for (const channel of from.channels) {
    const id = `D${++i}`;
    stats.set(id, {
      id,
      type: 'data-channel',
      timestamp: now,
      label: channel.label,
      protocol: channel.protocol,
      dataChannelIdentifier: channel.id,
      state: channel.readyState,
    });
  }
  stats.set('P', {
    id: 'P',
    type: 'peer-connection',
    timestamp: now,
    dataChannelsOpened: [...from.channels].filter((c) => c.readyState === 'open').length,
  });
  return stats;
}
