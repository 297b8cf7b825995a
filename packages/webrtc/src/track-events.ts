/**
 * The events of a `MediaStreamTrack` that say more than a browser's (extensions for Node): a
 * local track's `keyframerequest`, and the `cause` of a track's `mute`, `unmute`, `ended`,
 * `silence` and `silenceend`, typed like the causes of the connection states.
 */

/** Extension: the `keyframerequest` event of a local track: the peer asked a sender of it for a keyframe. */
export class KeyframeRequestEvent extends Event {
  /** How it asked: a PLI (RFC 4585 §6.3.1) or a FIR (RFC 5104 §4.3.1). */
  readonly request: 'pli' | 'fir';
  /** The simulcast encoding asked for (its rid), or null for a sender without simulcast. */
  readonly rid: string | null;
  /** @internal */
  constructor(request: 'pli' | 'fir', rid: string | null = null) {
    super('keyframerequest');
    this.request = request;
    this.rid = rid;
  }
}

/**
 * Extension: why a track's `muted` or `readyState` last changed (its `stateCause`, and the
 * `cause` of its `mute`, `unmute` and `ended` events), typed like the causes of the
 * connection states.
 *
 * - `created`: the track's first state (a remote track starts muted: no RTP yet).
 * - `rtp-received`: unmuted by the first RTP packet of `ssrc` (webrtc-pc §5.3), or the first
 *   after a description had muted it.
 * - `description`: muted because a `local` or `remote` description made its media section
 *   stop sending to us; `direction` is what that description gives our transceiver
 *   (`sendonly` or `inactive`: the peer stopped sending, or our answer stopped receiving).
 * - `rollback`: muted by a rollback of the description that had unmuted it.
 * - `rtcp-bye`: ended by the peer's RTCP BYE for `ssrc` (RFC 3550 §6.6).
 * - `transceiver-stopped`: ended because its transceiver stopped: `by` `'local'` for
 *   `transceiver.stop()` or our answer rejecting its section, `'remote'` for the peer's
 *   description rejecting it.
 * - `connection-closed`: ended by `pc.close()` (no `ended` event fires then, as webrtc-pc says).
 * - `stopped`: ended by `track.stop()` (no `ended` event either).
 * - `no-rtp`: the cause of a `silence` event (an extension, not a state change of the
 *   W3C track): no RTP from `ssrc` for `silentMs` (the receiver's `silenceTimeout`). Its
 *   `silenceend` event has `rtp-received`.
 */
export type TrackStateCause =
  | { readonly kind: 'created' }
  | { readonly kind: 'rtp-received'; readonly ssrc: number }
  | {
      readonly kind: 'description';
      readonly description: 'local' | 'remote';
      readonly direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
    }
  | { readonly kind: 'rollback' }
  | { readonly kind: 'rtcp-bye'; readonly ssrc: number }
  | { readonly kind: 'transceiver-stopped'; readonly by: 'local' | 'remote' }
  | { readonly kind: 'connection-closed' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'no-rtp'; readonly ssrc: number; readonly silentMs: number };

/**
 * Extension: the event of a track's `mute`, `unmute` and `ended` (a plain `Event` in
 * browsers, so code written for them runs unchanged), with why it fired.
 */
export class TrackStateEvent extends Event {
  /** Why the track muted, unmuted or ended. */
  readonly cause: TrackStateCause;
  /** @internal */
  constructor(
    type: 'mute' | 'unmute' | 'ended' | 'silence' | 'silenceend',
    cause: TrackStateCause,
  ) {
    super(type);
    this.cause = cause;
  }
}
