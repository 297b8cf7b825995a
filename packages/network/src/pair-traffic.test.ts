import { type CandidatePairInfo, PairState, parseCandidate } from '@x/ice';
import { describe, expect, it } from 'vitest';
import { PairTraffic, pairKey } from './pair-traffic.js';

const pairOf = (localPort: number, remotePort: number): CandidatePairInfo => ({
  local: parseCandidate(`candidate:1 1 udp 2130706431 192.0.2.1 ${localPort} typ host`),
  remote: parseCandidate(`candidate:2 1 udp 2130706431 192.0.2.2 ${remotePort} typ host`),
  priority: 1n,
  state: PairState.Succeeded,
  nominated: true,
  lastReceivedAt: 0,
  rttMs: undefined,
  stun: {
    requestsSent: 0,
    consentRequestsSent: 0,
    requestsReceived: 0,
    responsesSent: 0,
    responsesReceived: 0,
    totalRoundTripTimeMs: 0,
  },
});

describe('PairTraffic', () => {
  it('counts sends on the selected pair, receipts on their pair, and totals over both', () => {
    const traffic = new PairTraffic();
    const first = pairOf(1000, 2000);
    const second = pairOf(1001, 2001);
    traffic.sent(50, 1); // before any selection: the transport's total only
    traffic.select(first);
    traffic.sent(100, 2);
    traffic.received(first, 70, 3);
    traffic.received(second, 30, 4); // a packet on another valid pair
    traffic.select(second);
    traffic.sent(10, 5);
    // A snapshot of the same path (another object) finds the same counters.
    expect(traffic.of(pairOf(1000, 2000))).toEqual({
      packetsSent: 1,
      bytesSent: 100,
      packetsReceived: 1,
      bytesReceived: 70,
      lastPacketSentAt: 2,
      lastPacketReceivedAt: 3,
    });
    expect(traffic.of(second)).toMatchObject({ packetsSent: 1, bytesSent: 10, bytesReceived: 30 });
    expect(traffic.total).toEqual({
      packetsSent: 3,
      bytesSent: 160,
      packetsReceived: 2,
      bytesReceived: 100,
      lastPacketSentAt: 5,
      lastPacketReceivedAt: 4,
    });
    expect(traffic.of(pairOf(9, 9)).lastPacketSentAt).toBe(Number.NEGATIVE_INFINITY);
    expect(pairKey(first)).not.toBe(pairKey(second));
  });
});
