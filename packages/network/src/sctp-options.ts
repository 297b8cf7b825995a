/**
 * The SCTP association a WebRTC peer runs over DTLS (RFC 8261, RFC 8831): the options the
 * Manager gives it, from what the descriptions negotiated and the pair ICE selected.
 */

import type { AssociationHandlers, AssociationOptions } from '@x/sctp';
import type { Clock } from '@x/transport';
import type { RemoteParameters } from './manager-types.js';
import { BASE_SCTP_MTU, sctpMtuLimit } from './path-mtu.js';
import type { CandidatePairDescription } from './transport-state.js';

/** What the association's options follow from. */
export interface WebRtcSctpInput {
  readonly clock: Clock;
  readonly remote: RemoteParameters;
  /** Our max-message-size (what we receive). */
  readonly localMaxMessageSize: number;
  /** The pair ICE selected, if any yet. */
  readonly selected: CandidatePairDescription | undefined;
  /** The peer's DTLS `record_size_limit` (RFC 8449), if it sent one. */
  readonly peerRecordSizeLimit: number | undefined;
  readonly handlers: AssociationHandlers;
}

/** The options of the association of a WebRTC peer connection. */
export function webRtcAssociationOptions(input: WebRtcSctpInput): AssociationOptions {
  const { remote, selected } = input;
  return {
    clock: input.clock,
    localPort: remote.localSctpPort ?? 5000,
    remotePort: remote.sctpPort ?? 5000,
    maxMessageSize: input.localMaxMessageSize,
    remoteMaxMessageSize: remote.maxMessageSize ?? 65_536,
    // RFC 9653: DTLS already authenticates every packet, so the CRC32c (12 % of the CPU of
    // a bulk transfer between two of ours) can be skipped, but only with a peer known to
    // take the parameter: Chromium 156 offers none, and pion/sctp before its fix of
    // February 2024 (pion/sctp#298; Debian's pion/webrtc 3.1) drops an INIT that has one.
    zeroChecksum: remote.sctpZeroChecksum === true,
    // The round trip of the selected pair's connectivity checks: the advertised window is
    // sized for it (a short path gets 320 KiB, not the 1 MiB buffer: see receiveWindowRate).
    ...(selected?.rttMs !== undefined ? { pathRttMs: selected.rttMs } : {}),
    ...(remote.sctpReceiveWindowRate !== undefined
      ? { receiveWindowRate: remote.sctpReceiveWindowRate }
      : {}),
    // RFC 8899: start at 1200 bytes and look for more where the selected pair allows it.
    mtu: BASE_SCTP_MTU,
    // Association.Max.Retrans stays RFC 9260's 10 (§8.1): webrtc-pc keeps DTLS, SCTP and
    // the channels up while ICE is `failed` (a restart may resume them), and this is what
    // ends them when no restart comes, with an sctp-failure error on each channel, so
    // nothing is sent into a dead path for ever. libwebrtc turns the limit off
    // (dcsctp_transport.cc: max_retransmissions = nullopt): Chromium's channels stay open.
    maxRetransmissions: 10,
    maxMtu: sctpMtuLimit(selected, input.peerRecordSizeLimit),
    handlers: input.handlers,
  };
}
