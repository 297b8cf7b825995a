/**
 * How large an SCTP packet the selected pair may carry, for the association's PMTU search
 * (RFC 8899, RFC 8261 §5). Every path starts at WebRTC's 1200 bytes (RFC 8831 §5). Two things
 * must hold to look for more:
 * - the peer said, with DTLS `record_size_limit` (RFC 8449), how large a record it reads. A
 *   peer that did not say may read less than DTLS allows, and a probe past that may do worse
 *   than go unanswered: libwebrtc reads a DTLS datagram into a 2048-byte buffer and fails its
 *   whole DTLS transport on a larger one (measured with Chromium 156: an SCTP probe of 2100
 *   bytes makes it go `failed`, 2000 bytes pass). So no probe ever reaches such a peer;
 * - every hop of the pair is on loopback: both candidates' addresses, over UDP, and for a
 *   relayed (or reflexive) candidate also its related address, the other end of the hop to
 *   the TURN server (a coturn on 127.0.0.1). Other paths are not probed, since their MTU is
 *   unknown and IP could fragment a large probe on the way instead of losing it.
 * Then the search may reach the smaller of the peer's limit and a full DTLS record (2^14 bytes
 * of plaintext, RFC 6347 §4.1); through a TURN server, a datagram of at most 16 KiB (coturn
 * drops larger ones: measured, ChannelData of 16 384 bytes passes and of 16 404 does not), so that
 * the search does not spend its probes on a size that cannot pass.
 */

import type { CandidateDescription, CandidatePairDescription } from './transport-state.js';

/** The SCTP packet size every WebRTC path starts with (RFC 8831 §5). */
export const BASE_SCTP_MTU = 1200;

/** The largest SCTP packet in one DTLS record: 2^14 bytes of plaintext (RFC 6347 §4.1). */
export const MAX_SCTP_MTU_OVER_DTLS = 16_384;

/**
 * The largest SCTP packet whose DTLS datagram, in a ChannelData message (4-byte header,
 * RFC 8656 §12.4), fits the 16 KiB that coturn relays: less the record header (13), the
 * explicit nonce (8) and the tag (16) of AES-GCM, the largest overhead of the suites offered
 * (RFC 6347 §4.1, RFC 5288).
 */
export const MAX_SCTP_MTU_RELAYED = (16_384 - 4 - 13 - 8 - 16) & ~3;

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
  if (!onLoopback(pair.local) || !onLoopback(pair.remote)) return BASE_SCTP_MTU;
  const relayed = pair.local.type === 'relay' || pair.remote.type === 'relay';
  const path = relayed ? MAX_SCTP_MTU_RELAYED : MAX_SCTP_MTU_OVER_DTLS;
  return Math.max(BASE_SCTP_MTU, Math.min(path, peerRecordSizeLimit));
}

/** True when every hop of `c`'s side of the path is on loopback, over UDP. */
function onLoopback(c: CandidateDescription): boolean {
  return (
    c.protocol === 'udp' &&
    isLoopback(c.address) &&
    (c.relatedAddress === undefined || isLoopback(c.relatedAddress))
  );
}
