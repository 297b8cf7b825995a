/**
 * The remote tracks' part of "set the session description" (webrtc-pc §4.4.1.5): "process
 * remote tracks" and "set the associated remote streams" while a description is applied,
 * collected as changes that run once the signaling state is set (after
 * `signalingstatechange`): mutes, removals from and additions to streams, `track` events.
 */
import { type MediaStream, remoteStreams } from './media-stream.js';
import { type MediaStreamTrack, trackControl } from './media-stream-track.js';
import type { TrackStateCause } from './track-events.js';
import type { ReceiverState } from './rtp-state.js';
import type { SdpDirection } from './sdp/model.js';
import type { TransceiverEntry } from './transceiver-entry.js';

const receives = (d: string | null): boolean => d === 'sendrecv' || d === 'recvonly';

/**
 * @internal What applying a remote description does to tracks, run after
 * `signalingstatechange`.
 */
export interface RemoteTrackChanges {
  readonly mute: [MediaStreamTrack, TrackStateCause][];
  readonly remove: [MediaStream, MediaStreamTrack][];
  readonly add: [MediaStream, MediaStreamTrack][];
  readonly tracks: { entry: TransceiverEntry; streams: MediaStream[] }[];
}

/** @internal No change yet: what applying a description starts from. */
export function noTrackChanges(): RemoteTrackChanges {
  return { mute: [], remove: [], add: [], tracks: [] };
}

/** @internal The remote streams of one connection, and the steps that associate them. */
export class RemoteStreams {
  /** Remote streams by id, for the connection's life (webrtc-pc: the same id, the same stream). */
  private readonly streams = new Map<string, MediaStream>();

  /**
   * webrtc-pc "process remote tracks": set the associated remote streams, then "process the
   * addition of a remote track" when we now receive and did not before (or a stream was
   * added), or "process the removal of a remote track" when we no longer receive.
   */
  processRemoteTracks(
    entry: TransceiverEntry,
    direction: SdpDirection,
    msids: readonly string[],
    changes: RemoteTrackChanges,
  ): void {
    const t = entry.state;
    const added = this.setRemoteStreams(t.receiver, msids, changes);
    if ((receives(direction) && !receives(t.firedDirection)) || added) {
      changes.tracks.push({ entry, streams: [...t.receiver.streams] });
    }
    if (!receives(direction)) t.receptive = false;
    if (!receives(direction) && receives(t.firedDirection)) {
      if (!t.receiver.track.muted)
        changes.mute.push([
          t.receiver.track,
          { kind: 'description', description: 'remote', direction },
        ]);
      this.setRemoteStreams(t.receiver, [], changes);
    }
    t.firedDirection = direction;
  }

  /** webrtc-pc "set the associated remote streams"; true when a stream was added. */
  setRemoteStreams(
    receiver: ReceiverState,
    ids: readonly string[],
    changes: RemoteTrackChanges,
  ): boolean {
    const next: MediaStream[] = [];
    for (const id of new Set(ids)) {
      if (id === '-') continue;
      let stream = this.streams.get(id);
      if (stream === undefined) {
        stream = remoteStreams().create(id);
        this.streams.set(id, stream);
      }
      next.push(stream);
    }
    for (const s of receiver.streams)
      if (!next.includes(s)) changes.remove.push([s, receiver.track]);
    let added = false;
    for (const s of next)
      if (!receiver.streams.includes(s)) {
        changes.add.push([s, receiver.track]);
        added = true;
      }
    receiver.streams = next;
    return added;
  }
}

/**
 * @internal Runs the track changes of a description, after `signalingstatechange` (webrtc-pc
 * order).
 */
export function runTrackChanges(
  changes: RemoteTrackChanges,
  fire: (entry: TransceiverEntry, streams: MediaStream[]) => void,
  closed: () => boolean,
): void {
  // Each step's events may run a listener that closes the connection: nothing follows then.
  for (const [track, cause] of changes.mute)
    if (!closed()) trackControl().setMuted(track, true, cause);
  for (const [stream, track] of changes.remove)
    if (!closed()) remoteStreams().remove(stream, track);
  for (const [stream, track] of changes.add) if (!closed()) remoteStreams().add(stream, track);
  for (const { entry, streams } of changes.tracks) if (!closed()) fire(entry, streams);
}
