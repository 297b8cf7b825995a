/**
 * How large an SCTP packet the selected pair may carry, for the association's PMTU search
 * (RFC 8899, RFC 8261 §5). Every path starts at WebRTC's 1200 bytes (RFC 8831 §5); only a pair
 * between two loopback addresses, over UDP and without a relay, is known to carry more: there
 * the search may reach a full DTLS record (2^14 bytes of plaintext, RFC 6347 §4.1), and a peer
 * that cannot read that much simply leaves the probes unanswered, which keeps the PMTU where it
 * is. Other paths are not probed: their MTU is unknown and a probe larger than it could be
 * fragmented by IP on the way instead of being lost.
 */

import type { CandidatePairDescription } from './transport-state.js';

/** The SCTP packet size every WebRTC path starts with (RFC 8831 §5). */
export const BASE_SCTP_MTU = 1200;

/** The largest SCTP packet in one DTLS record: 2^14 bytes of plaintext (RFC 6347 §4.1). */
export const MAX_SCTP_MTU_OVER_DTLS = 16_384;

const isLoopback = (address: string): boolean =>
  address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);

/** The largest SCTP packet the search may try on `pair`. */
export function sctpMtuLimit(pair: CandidatePairDescription | undefined): number {
  if (pair === undefined) return BASE_SCTP_MTU;
  const { local, remote } = pair;
  const direct =
    local.protocol === 'udp' &&
    remote.protocol === 'udp' &&
    local.type !== 'relay' &&
    remote.type !== 'relay';
  return direct && isLoopback(local.address) && isLoopback(remote.address)
    ? MAX_SCTP_MTU_OVER_DTLS
    : BASE_SCTP_MTU;
}
