/** Counters of an SRTP session. */

/**
 * Why `unprotectRtp` or `unprotectRtcp` dropped a packet:
 * - `authFailed`: the tag did not verify (RFC 3711 §3.3 step 7, RFC 7714 §8.2): a forged or
 *   damaged packet, a wrong key, or a rollover counter the sender and we disagree on.
 * - `replayed`: already received, or older than the replay window (RFC 3711 §3.3.2).
 * - `truncated`: too short to hold a header and the authentication tag (and, for SRTCP, the
 *   index).
 * - `malformedHeader`: not an RTP header (see `rtpHeaderSize` of `@x/rtp`), or an RTCP packet
 *   whose version is not 2.
 * - `tooManyStreams`: a new SSRC while the session already keeps `maxStreams` remote streams.
 * - `keyLifetime`: the remote master key reached its lifetime (RFC 3711 §9.2), or the packet
 *   index would pass 2^48.
 */
export type SrtpDropReason =
  | 'authFailed'
  | 'replayed'
  | 'truncated'
  | 'malformedHeader'
  | 'tooManyStreams'
  | 'keyLifetime';

/** Dropped packets, one counter per {@link SrtpDropReason}. */
export type SrtpDropCounts = Record<SrtpDropReason, number>;

/** A snapshot of the counters of an `SrtpSession` (see `SrtpSession.stats`). */
export interface SrtpSessionStats {
  /** SRTP packets protected with the local master key. */
  rtpProtected: number;
  /** SRTCP packets protected with the local master key. */
  rtcpProtected: number;
  /** SRTP packets that authenticated and were returned. */
  rtpUnprotected: number;
  /** SRTCP packets that authenticated and were returned. */
  rtcpUnprotected: number;
  /** SRTP packets dropped, by reason. */
  rtpDropped: SrtpDropCounts;
  /** SRTCP packets dropped, by reason. */
  rtcpDropped: SrtpDropCounts;
  /** `protectRtp` and `protectRtcp` calls refused with `SrtpKeyLifetimeError`. */
  protectRefused: number;
  /** SSRCs we protect for. */
  localStreams: number;
  /** SSRCs we hold receive state for (bounded by `maxStreams`). */
  remoteStreams: number;
}

/** @internal */
export const noDrops = (): SrtpDropCounts => ({
  authFailed: 0,
  replayed: 0,
  truncated: 0,
  malformedHeader: 0,
  tooManyStreams: 0,
  keyLifetime: 0,
});
