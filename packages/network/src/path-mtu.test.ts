import { describe, expect, it } from 'vitest';
import {
  BASE_SCTP_MTU,
  MAX_SCTP_MTU_OVER_DTLS,
  MAX_SCTP_MTU_RELAYED,
  sctpMtuLimit,
} from './path-mtu.js';
import type { CandidateDescription, CandidatePairDescription } from './transport-state.js';

const candidate = (
  address: string,
  type: CandidateDescription['type'] = 'host',
  protocol: CandidateDescription['protocol'] = 'udp',
): CandidateDescription => ({
  candidate: '',
  address,
  port: 5000,
  protocol,
  type,
  foundation: '1',
  priority: 1,
  component: 1,
});
const relay = (address: string, relatedAddress: string): CandidateDescription => ({
  ...candidate(address, 'relay'),
  relatedAddress,
  relatedPort: 4000,
});
const pair = (
  local: CandidateDescription,
  remote: CandidateDescription,
): CandidatePairDescription => ({
  local,
  remote,
  rttMs: undefined,
  label: '',
});

describe('sctpMtuLimit', () => {
  it('lets a direct UDP pair between loopback addresses reach a full DTLS record', () => {
    expect(sctpMtuLimit(pair(candidate('127.0.0.1'), candidate('127.0.0.1')), 16_384)).toBe(
      MAX_SCTP_MTU_OVER_DTLS,
    );
    expect(sctpMtuLimit(pair(candidate('::1'), candidate('::1', 'prflx')), 16_384)).toBe(
      MAX_SCTP_MTU_OVER_DTLS,
    );
    expect(sctpMtuLimit(pair(candidate('127.0.0.1'), candidate('127.1.2.3')), 16_384)).toBe(
      MAX_SCTP_MTU_OVER_DTLS,
    );
  });

  it('never probes a peer that did not send record_size_limit, and keeps to the one it sent', () => {
    const loop = pair(candidate('127.0.0.1'), candidate('127.0.0.1'));
    expect(sctpMtuLimit(loop, undefined)).toBe(BASE_SCTP_MTU);
    expect(sctpMtuLimit(loop, 4000)).toBe(4000);
    expect(sctpMtuLimit(loop, 600)).toBe(BASE_SCTP_MTU);
  });

  it('lets a relayed pair through a TURN server on loopback reach a 16 KiB datagram', () => {
    const relayed = pair(relay('127.0.0.1', '127.0.0.1'), relay('127.0.0.1', '127.0.0.1'));
    expect(sctpMtuLimit(relayed, 16_384)).toBe(MAX_SCTP_MTU_RELAYED);
    expect(4 + MAX_SCTP_MTU_RELAYED + 13 + 8 + 16).toBeLessThanOrEqual(16_384);
    expect(sctpMtuLimit(relayed, 4000)).toBe(4000);
  });

  it('keeps every other path at the base', () => {
    const cases: CandidatePairDescription[] = [
      pair(candidate('192.168.1.2'), candidate('127.0.0.1')),
      pair(candidate('127.0.0.1'), candidate('10.0.0.1')),
      pair(relay('127.0.0.1', '192.168.1.2'), candidate('127.0.0.1')),
      pair(candidate('127.0.0.1'), relay('127.0.0.1', '10.0.0.7')),
      pair(candidate('127.0.0.1', 'host', 'tcp'), candidate('127.0.0.1', 'host', 'tcp')),
      pair(candidate('::ffff:127.0.0.1'), candidate('fe80::1')),
    ];
    for (const c of cases) expect(sctpMtuLimit(c, 16_384)).toBe(BASE_SCTP_MTU);
    expect(sctpMtuLimit(undefined, 16_384)).toBe(BASE_SCTP_MTU);
  });
});
