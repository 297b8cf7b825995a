/**
 * What `RTCPeerConnection.getStats()` assembles (webrtc-pc §8.2): the report of the whole
 * connection, with the RTP streams of every transceiver, or the report of the one sender or
 * receiver of a track. `rtc-stats.ts` makes each entry.
 */
import type { Manager } from '@x/network';
import type { Clock } from '@x/transport';
import type { ConnectionStates } from './connection-states.js';
import type { DataChannels } from './data-channels.js';
import type { MediaSession } from './media-session.js';
import type { MediaStreamTrack } from './media-stream-track.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCRtpSender } from './rtc-rtp-sender.js';
import { collectStats, type RTCStats, rtpStats } from './rtc-stats.js';
import type { RTCDtlsTransport, RTCIceTransport } from './rtc-transports.js';
import type { ReceiverState, SenderState } from './rtp-state.js';
import type { Transceivers } from './transceivers.js';

/** @internal The parts of a peer connection its report is read from. */
export interface PeerStatsSource {
  readonly iceTransport: RTCIceTransport;
  readonly dtlsTransport: RTCDtlsTransport;
  readonly manager: Manager;
  readonly states: ConnectionStates;
  readonly channels: DataChannels;
  readonly clock: Clock;
  readonly media: MediaSession;
  readonly transceivers: Transceivers;
}

/** @internal The entries of one RTP sender or receiver, timestamped now. */
export function rtpStatsOf(
  dtlsTransport: RTCDtlsTransport,
  of: SenderState | ReceiverState,
): Map<string, RTCStats> {
  return rtpStats(dtlsTransport, of, performance.timeOrigin + performance.now());
}

/**
 * @internal `getStats(track)`: the entries of the one sender or receiver of that track
 * (InvalidAccessError if none or several have it).
 */
export function trackStats(
  selector: MediaStreamTrack,
  senders: readonly RTCRtpSender[],
  receivers: readonly RTCRtpReceiver[],
): Promise<Map<string, RTCStats>> {
  const one = [
    ...senders.filter((s) => s.track === selector),
    ...receivers.filter((r) => r.track === selector),
  ];
  if (one.length !== 1)
    throw new DOMException(
      'getStats(selector): the track must belong to exactly one sender or receiver',
      'InvalidAccessError',
    );
  return one[0]!.getStats() as Promise<Map<string, RTCStats>>;
}

/** @internal `getStats()` without a selector: the whole connection. */
export function peerConnectionStats(from: PeerStatsSource): Map<string, RTCStats> {
  const { manager, states, channels } = from;
  const report = collectStats({
    iceTransport: from.iceTransport,
    dtlsTransport: from.dtlsTransport,
    ice: manager.getIceStats(),
    sctp: manager.getSctpStats(),
    dtlsRole: manager.dtlsRole,
    cipherSuite: states.cipherSuite,
    srtpProfile: states.srtpProfile,
    localCertificate: manager.localCertificate.der,
    remoteCertificate: manager.remoteCertificate,
    localUfrag: manager.localParameters.ufrag,
    selectedPairChanges: states.selectedPairChanges,
    channels: channels.all,
    dataChannelsOpened: channels.dataChannelsOpened,
    dataChannelsClosed: channels.dataChannelsClosed,
    clockNow: from.clock.now(),
    availableOutgoingBitrate: from.media.availableOutgoingBitrate,
  });
  for (const e of from.transceivers.entries) {
    for (const [id, entry] of rtpStatsOf(from.dtlsTransport, e.state.sender)) report.set(id, entry);
    for (const [id, entry] of rtpStatsOf(from.dtlsTransport, e.state.receiver))
      report.set(id, entry);
  }
  return report;
}
