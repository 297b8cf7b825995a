/**
 * How large an SCTP packet the selected pair may carry, for the association's PMTU search
 * (RFC 8899, RFC 8261 §5). Every path starts at WebRTC's 1200 bytes (RFC 8831 §5). Two things
 * must hold to look for more:
 * - the peer said, with DTLS `record_size_limit` (RFC 8449), how large a record it reads. A
 *   peer that did not say may read less than DTLS allows, and a probe past that may do worse
 *   than go unanswered: libwebrtc reads a DTLS datagram into a 2048-byte buffer and fails its
 *   whole DTLS transport on a larger one (measured with Chromium 156: an SCTP probe of 2100
 *   bytes makes it go `failed`, 2000 bytes pass). So no probe ever reaches such a peer;
 * - the pair is between two loopback addresses, over UDP and without a relay: other paths are
 *   not probed, since their MTU is unknown and IP could fragment a large probe on the way
 *   instead of losing it.
 * Then the search may reach the smaller of the peer's limit and a full DTLS record (2^14 bytes
 * of plaintext, RFC 6347 §4.1).
 */

import type { CandidatePairDescription } from './transport-state.js';

/** The SCTP packet size every WebRTC path starts with (RFC 8831 §5). */
export const BASE_SCTP_MTU = 1200;

/** The largest SCTP packet in one DTLS record: 2^14 bytes of plaintext (RFC 6347 §4.1). */
export const MAX_SCTP_MTU_OVER_DTLS = 16_384;

const isLoopback = (address: string): boolean =>
  address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);

/**
 * The largest SCTP packet the search may try on `pair` with a peer whose DTLS
 * `record_size_limit` is `peerRecordSizeLimit` (undefined: the peer did not send one).
 */
export function sctpMtuLimit(
  pair: CandidatePairDescription | undefined,
  peerRecordSizeLimit: number | undefined,
): number {
  if (pair === undefined || peerRecordSizeLimit === undefined) return BASE_SCTP_MTU;
  const { local, remote } = pair;
  const direct =
    local.protocol === 'udp' &&
    remote.protocol === 'udp' &&
    local.type !== 'relay' &&
    remote.type !== 'relay';
  return direct && isLoopback(local.address) && isLoopback(remote.address)
    ? Math.max(BASE_SCTP_MTU, Math.min(MAX_SCTP_MTU_OVER_DTLS, peerRecordSizeLimit))
    : BASE_SCTP_MTU;
}
