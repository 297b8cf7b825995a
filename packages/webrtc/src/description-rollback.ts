/**
 * The transceivers' part of a rollback (webrtc-pc "set the session description" with
 * rollback; JSEP §4.1.10.2): what an offer, ours or the peer's, is about to change is kept
 * before it is applied, and restored if the offer is rolled back.
 */
import type { MediaStream } from './media-stream.js';
import type { RTCRtpTransceiverDirection } from './rtp-parameters.js';
import type { TransceiverState } from './rtp-state.js';
import { noTrackChanges, type RemoteStreams, type RemoteTrackChanges } from './remote-tracks.js';
import type { TransceiverEntry } from './transceiver-entry.js';

const receives = (d: string | null): boolean => d === 'sendrecv' || d === 'recvonly';

/** @internal What a rollback restores (JSEP §4.1.10.2). */
export interface Snapshot {
  readonly count: number;
  readonly slots: Map<
    TransceiverState,
    {
      mid: string | null;
      mLineIndex: number | undefined;
      firedDirection: RTCRtpTransceiverDirection | null;
      receptive: boolean;
      streams: MediaStream[];
    }
  >;
}

/** @internal Before an offer (ours or the peer's) is applied: what a rollback restores. */
export function takeSnapshot(entries: readonly TransceiverEntry[]): Snapshot {
  return {
    count: entries.length,
    slots: new Map(
      entries.map((e) => [
        e.state,
        {
          mid: e.state.mid,
          mLineIndex: e.state.mLineIndex,
          firedDirection: e.state.firedDirection,
          receptive: e.state.receptive,
          streams: [...e.state.receiver.streams],
        },
      ]),
    ),
  };
}

/**
 * @internal A rollback to `snap` (webrtc-pc "set the session description" with rollback): mids
 * and directions as before the offer, transceivers the remote offer made (without a track
 * added since) removed from `entries`, remote tracks it added removed again.
 */
export function rollBack(
  snap: Snapshot,
  entries: TransceiverEntry[],
  remote: RemoteStreams,
): RemoteTrackChanges {
  const changes = noTrackChanges();
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const before = snap.slots.get(e.state);
    if (before === undefined) {
      if (e.state.createdByRemote && e.state.sender.track === null) {
        remote.setRemoteStreams(e.state.receiver, [], changes);
        entries.splice(i, 1);
        continue;
      }
      e.state.mid = null;
      e.state.mLineIndex = undefined;
      e.state.firedDirection = null;
      remote.setRemoteStreams(e.state.receiver, [], changes);
      continue;
    }
    e.state.mid = before.mid;
    e.state.mLineIndex = before.mLineIndex;
    if (receives(e.state.firedDirection) && !receives(before.firedDirection)) {
      if (!e.state.receiver.track.muted)
        changes.mute.push([e.state.receiver.track, { kind: 'rollback' }]);
    }
    e.state.firedDirection = before.firedDirection;
    e.state.receptive = before.receptive;
    remote.setRemoteStreams(
      e.state.receiver,
      before.streams.map((s) => s.id),
      changes,
    );
  }
  return changes;
}
