/**
 * The set of transceivers of one `RTCPeerConnection` and everything that writes their state
 * (webrtc-pc §5 and §4.4.1.5 "set the session description"; JSEP, RFC 9429 §5): the
 * application's calls (`addTrack()`, `removeTrack()`, `addTransceiver()`), the m-line plan of
 * our offers and what we answer, what each applied description does to the transceivers
 * (mids, directions, codecs, the remote tracks and their streams, stopping), the rollback,
 * the part of "check if negotiation is needed" that concerns them, and the routes and sinks
 * of incoming RTP. Creating a transceiver is `transceiver-entry.ts`, the remote tracks and
 * streams `remote-tracks.ts`, what a rollback restores `description-rollback.ts`, what an
 * answer negotiates (codecs, extensions, simulcast layers) `negotiated-media.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingStream, MediaRoutes, MediaSink } from '@x/network';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack, type MediaStreamTrackKind, trackControl } from './media-stream-track.js';
import { receiverSink, type RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { type RTCRtpSender, senderState } from './rtc-rtp-sender.js';
import { type RTCRtpTransceiver, stopSendingAndReceiving } from './rtc-rtp-transceiver.js';
import type { RTCDtlsTransport } from './rtc-transports.js';
import { checkSendEncodings, type RTCRtpTransceiverInit } from './rtp-parameters.js';
import { type RtpHost, setSenderTrack, type TransceiverState } from './rtp-state.js';
import type { RemoteDescriptionInfo } from './remote-description.js';
import { mediaRoutes } from './media-routes.js';
import { answerSection, offerPlan } from './rtp-offer-plan.js';
import { transceiversNeedNegotiation } from './rtp-negotiation-needed.js';
import { rollBack, type Snapshot, takeSnapshot } from './description-rollback.js';
import {
  noTrackChanges,
  RemoteStreams,
  type RemoteTrackChanges,
  runTrackChanges,
} from './remote-tracks.js';
import { negotiateLocal, negotiateRemote } from './negotiated-media.js';
import { createTransceiver, type TransceiverEntry } from './transceiver-entry.js';
import { type LocalRtpSection, type RemoteRtpSection, reverseDirection } from './sdp/jsep-media.js';
import type { OfferSection } from './sdp/jsep.js';
import type { SdpDirection, SessionDescription } from './sdp/model.js';
import { isRejected } from './sdp/validate.js';

/** A parameter list without its first two (the host and CNAME the set supplies). */
type DropFirstTwo<T extends unknown[]> = T extends [unknown, unknown, ...infer Rest] ? Rest : never;

const receives = (d: string | null): boolean => d === 'sendrecv' || d === 'recvonly';
const sends = (d: string | null): boolean => d === 'sendrecv' || d === 'sendonly';

/** @internal Owned by `RTCPeerConnection`. */
export class Transceivers {
  readonly entries: TransceiverEntry[] = [];
  /** Mids chosen by createOffer() for transceivers that have none yet (JSEP §5.2.1). */
  readonly offeredMids = new Map<TransceiverState, string>();
  /** The remote streams and the steps that associate them with receivers (`remote-tracks.ts`). */
  private readonly remote = new RemoteStreams();
  /** Our RTCP CNAME (RFC 7022: random, one per connection). */
  readonly cname = randomBytes(12).toString('base64url');
  private snapshot: Snapshot | undefined;

  constructor(
    private readonly host: RtpHost,
    private readonly dtls: RTCDtlsTransport,
  ) {}

  /** webrtc-pc CollectTransceivers. */
  transceivers(): RTCRtpTransceiver[] {
    return this.entries.map((e) => e.transceiver);
  }
  /** webrtc-pc `getSenders()`: those of transceivers not stopped. */
  senders(): RTCRtpSender[] {
    return this.entries.filter((e) => !e.state.stopped).map((e) => e.sender);
  }
  /** webrtc-pc `getReceivers()`: those of transceivers not stopped. */
  receivers(): RTCRtpReceiver[] {
    return this.entries.filter((e) => !e.state.stopped).map((e) => e.receiver);
  }

  /**
   * webrtc-pc "create an RTCRtpTransceiver" with its sender and receiver (see
   * `transceiver-entry.ts`), added to the set.
   */
  private create(...args: DropFirstTwo<Parameters<typeof createTransceiver>>): TransceiverEntry {
    const entry = createTransceiver(this.host, this.cname, ...args);
    this.entries.push(entry);
    return entry;
  }

  /**
   * webrtc-pc `addTrack()` steps 4–9: InvalidAccessError if a sender already has the track;
   * a transceiver is reused if its sender never sent, has no track, is of the track's kind
   * and not stopping (its direction gains `send`); otherwise a new `sendrecv` one.
   */
  addTrack(track: MediaStreamTrack, streams: readonly { readonly id: string }[]): RTCRtpSender {
    if (!(track instanceof MediaStreamTrack))
      throw new TypeError('addTrack(): the first argument must be a MediaStreamTrack');
    for (const s of streams)
      if (!(s instanceof MediaStream))
        throw new TypeError('addTrack(): streams must be MediaStreams');
    if (this.entries.some((e) => !e.state.stopped && e.state.sender.track === track))
      throw new DOMException('addTrack(): the track already has a sender', 'InvalidAccessError');
    const streamIds = [...new Set(streams.map((s) => s.id))];
    const reuse = this.entries.find(
      (e) =>
        e.state.sender.track === null &&
        e.state.kind === track.kind &&
        !e.state.stopping &&
        !e.state.hasSent,
    );
    if (reuse) {
      const s = reuse.state;
      setSenderTrack(s.sender, track);
      s.sender.streamIds = streamIds;
      s.fromAddTrack = true;
      if (s.direction === 'recvonly') s.direction = 'sendrecv';
      else if (s.direction === 'inactive') s.direction = 'sendonly';
      return reuse.sender;
    }
    const entry = this.create(
      track.kind,
      track,
      'sendrecv',
      streamIds,
      checkSendEncodings(track.kind, undefined),
      false,
    );
    entry.state.fromAddTrack = true;
    return entry.sender;
  }

  /**
   * webrtc-pc `removeTrack()`: InvalidAccessError for a sender of another connection; the
   * sender loses its track and the direction its `send` (nothing changes when stopping or
   * without a track). Returns whether negotiation may be needed.
   */
  removeTrack(sender: RTCRtpSender): boolean {
    const state = senderState(sender);
    const entry = this.entries.find((e) => e.sender === sender);
    if (state === undefined) throw new TypeError('removeTrack(): not an RTCRtpSender');
    // webrtc-pc: a sender of ours that a rollback removed is ignored.
    if (entry === undefined && state.host === this.host) return false;
    if (entry === undefined)
      throw new DOMException(
        'removeTrack(): the sender is not of this connection',
        'InvalidAccessError',
      );
    const t = entry.state;
    if (t.stopping || state.track === null) return false;
    setSenderTrack(state, null);
    if (t.direction === 'sendrecv') t.direction = 'recvonly';
    else if (t.direction === 'sendonly') t.direction = 'inactive';
    return true;
  }

  /**
   * webrtc-pc `addTransceiver()`: TypeError for a kind that is neither `audio` nor `video`,
   * a direction outside the enum, or `sendEncodings` that break the rules of
   * {@link checkSendEncodings}.
   */
  addTransceiver(
    trackOrKind: MediaStreamTrack | string,
    init: RTCRtpTransceiverInit = {},
  ): RTCRtpTransceiver {
    let kind: MediaStreamTrackKind;
    let track: MediaStreamTrack | null = null;
    if (trackOrKind instanceof MediaStreamTrack) {
      track = trackOrKind;
      kind = track.kind;
    } else {
      const k = String(trackOrKind);
      if (k !== 'audio' && k !== 'video')
        throw new TypeError(`addTransceiver(): kind must be "audio" or "video", not "${k}"`);
      kind = k;
    }
    if (init === null || (typeof init !== 'object' && init !== undefined))
      throw new TypeError('addTransceiver(): init must be a dictionary');
    const direction = init?.direction ?? 'sendrecv';
    if (!['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(direction))
      throw new TypeError(`addTransceiver(): direction "${String(direction)}" is not allowed`);
    const streams = init?.streams ?? [];
    for (const s of streams)
      if (!(s instanceof MediaStream))
        throw new TypeError('addTransceiver(): streams must be MediaStreams');
    const encodings = checkSendEncodings(kind, init?.sendEncodings);
    const entry = this.create(
      kind,
      track,
      direction,
      [...new Set(streams.map((s) => s.id))],
      encodings,
      false,
    );
    return entry.transceiver;
  }

  /**
   * webrtc-pc §11 legacy `RTCOfferOptions`: `offerToReceive<Kind>: false` takes `recv` off the
   * direction of every transceiver of the kind; `true` adds a `recvonly` one when none that
   * is not stopping receives the kind (as libwebrtc does).
   */
  offerToReceive(options: { audio?: boolean; video?: boolean }): void {
    for (const kind of ['audio', 'video'] as const) {
      const want = options[kind];
      if (want === undefined) continue;
      const live = this.entries.filter((e) => e.state.kind === kind && !e.state.stopping);
      if (want) {
        if (!live.some((e) => receives(e.state.direction)))
          this.create(kind, null, 'recvonly', [], checkSendEncodings(kind, undefined), false);
        continue;
      }
      for (const { state: t } of live) {
        if (t.direction === 'sendrecv') t.direction = 'sendonly';
        else if (t.direction === 'recvonly') t.direction = 'inactive';
      }
    }
  }

  /** The m-line plan of an offer (see `rtp-offer-plan.ts`). */
  offerPlan(
    last: SessionDescription | undefined,
    remote: SessionDescription | undefined,
    wantData: boolean,
  ): OfferSection[] {
    return offerPlan(this, last, remote, wantData);
  }

  /** What we answer for an offered audio or video section (see `rtp-offer-plan.ts`). */
  answer(offered: RemoteRtpSection): LocalRtpSection | undefined {
    return answerSection(this, offered);
  }

  // Applying descriptions ----------------------------------------------------------------

  /** Before an offer (ours or the peer's) is applied: what a rollback restores. */
  private keep(): void {
    this.snapshot = takeSnapshot(this.entries);
  }

  /**
   * webrtc-pc "set the session description" for a local description: each section's
   * transceiver gets its mid; an offer sets [[Receptive]]; an answer sets
   * [[CurrentDirection]] and [[FiredDirection]] (removing the remote track when we no longer
   * receive), the negotiated codecs, and stops the transceivers of rejected sections.
   */
  applyLocal(
    type: 'offer' | 'answer' | 'pranswer',
    parsed: SessionDescription,
  ): RemoteTrackChanges {
    const changes = noTrackChanges();
    if (type === 'offer') {
      this.keep();
      // A transceiver stopped before any m-line was associated with it has none to reject:
      // it is stopped and leaves the set now.
      for (const e of this.entries)
        if (e.state.stopping && e.state.mid === null && !this.offeredMids.has(e.state))
          this.stopTransceiver(e.state, 'local');
      this.removeStopped();
    }
    parsed.media.forEach((section, index) => {
      if (section.kind !== 'audio' && section.kind !== 'video') return;
      const mid = section.mid;
      if (mid === undefined) return;
      const entry =
        this.entries.find((e) => e.state.mid === mid) ??
        (type === 'offer'
          ? this.entries.find((e) => e.state.mid === null && this.offeredMids.get(e.state) === mid)
          : undefined);
      if (entry === undefined) return;
      const t = entry.state;
      t.mid = mid;
      t.mLineIndex = index;
      this.offeredMids.delete(t);
      if (isRejected(section)) {
        if (type !== 'offer') this.stopTransceiver(t, 'local');
        return;
      }
      this.associate(t);
      const direction = section.direction ?? 'sendrecv';
      if (type === 'offer') {
        t.receptive = receives(direction);
        return;
      }
      negotiateLocal(t, section);
      // webrtc-pc: our answer that no longer receives processes the removal of the track.
      if (!receives(direction) && receives(t.firedDirection)) {
        if (!t.receiver.track.muted)
          changes.mute.push([
            t.receiver.track,
            { kind: 'description', description: 'local', direction },
          ]);
        this.remote.setRemoteStreams(t.receiver, [], changes);
      }
      t.firedDirection = direction;
      this.setCurrentDirection(t, direction);
    });
    if (type === 'answer') this.snapshot = undefined;
    return changes;
  }

  /**
   * webrtc-pc "set the session description" for a remote description (steps for each
   * media description): association by mid (or with an unassociated `addTrack()`
   * transceiver, or a new `recvonly` one), "process remote tracks", and for an answer
   * [[CurrentDirection]] and the negotiated codecs. Rejected sections stop their
   * transceivers. Returns the track changes to run once the signaling state is set.
   */
  applyRemote(
    type: 'offer' | 'answer' | 'pranswer',
    info: RemoteDescriptionInfo,
  ): RemoteTrackChanges {
    if (type === 'offer') this.keep();
    const changes = noTrackChanges();
    for (const r of info.rtp) {
      const mid = r.mid ?? String(r.index);
      let entry = this.entries.find((e) => e.state.mid === mid);
      if (entry === undefined && type === 'offer' && !r.rejected) {
        entry =
          this.entries.find(
            (e) =>
              e.state.mid === null &&
              e.state.fromAddTrack &&
              e.state.kind === r.kind &&
              !e.state.stopping &&
              !this.offeredMids.has(e.state),
          ) ??
          this.create(r.kind, null, 'recvonly', [], checkSendEncodings(r.kind, undefined), true);
        entry.state.mid = mid;
      }
      if (entry === undefined) continue;
      const t = entry.state;
      t.mLineIndex = r.index;
      if (r.rejected) {
        this.remote.processRemoteTracks(entry, 'inactive', [], changes);
        this.stopTransceiver(t, 'remote');
        continue;
      }
      this.associate(t);
      const direction = reverseDirection(r.direction);
      const msids = receives(direction) ? r.media.msids.map((m) => m.stream) : [];
      t.receiver.cname =
        r.media.ssrcs.find((s) => s.cname !== undefined)?.cname ?? t.receiver.cname;
      this.remote.processRemoteTracks(entry, direction, msids, changes);
      if (type !== 'offer') {
        negotiateRemote(t, r);
        this.setCurrentDirection(t, direction);
      }
    }
    if (type === 'answer') this.snapshot = undefined;
    return changes;
  }

  /** After an answer: stopped transceivers leave the set (webrtc-pc). */
  removeStopped(): void {
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i]!.state.stopped) this.entries.splice(i, 1);
  }

  private associate(t: TransceiverState): void {
    t.sender.transport = this.dtls;
    t.receiver.transport = this.dtls;
  }

  private setCurrentDirection(t: TransceiverState, direction: SdpDirection): void {
    t.currentDirection = direction;
    if (sends(direction)) t.hasSent = true;
  }

  /** webrtc-pc "stop the RTCRtpTransceiver". */
  private stopTransceiver(t: TransceiverState, by: 'local' | 'remote'): void {
    if (t.stopped) return;
    t.receiver.layers.close();
    if (!t.stopping) stopSendingAndReceiving(t, by);
    t.stopped = true;
    t.receptive = false;
    t.currentDirection = 'stopped';
    this.offeredMids.delete(t);
  }

  /**
   * A rollback (webrtc-pc "set the session description" with rollback): mids and
   * directions as before the offer, transceivers the remote offer made (without a track
   * added since) removed, remote tracks it added removed again.
   */
  rollback(): RemoteTrackChanges {
    const snap = this.snapshot;
    this.snapshot = undefined;
    if (snap === undefined) return noTrackChanges();
    return rollBack(snap, this.entries, this.remote);
  }

  /** Runs the track changes of a description, after `signalingstatechange` (webrtc-pc order). */
  static run(
    changes: RemoteTrackChanges,
    fire: (entry: TransceiverEntry, streams: MediaStream[]) => void,
    closed: () => boolean,
  ): void {
    runTrackChanges(changes, fire, closed);
  }

  /** The transceivers' part of "check if negotiation is needed" (`rtp-negotiation-needed.ts`). */
  negotiationNeeded(
    local: { type: string; parsed: SessionDescription } | undefined,
    remote: SessionDescription | undefined,
  ): boolean {
    return transceiversNeedNegotiation(this.entries, local, remote);
  }

  // Media --------------------------------------------------------------------------------

  /** Where incoming RTP goes, from a remote description (see `media-routes.ts`). */
  routes(info: RemoteDescriptionInfo): MediaRoutes {
    return mediaRoutes(info);
  }

  /**
   * The Manager's generator (`onMedia`): the receiver of the stream's mid, if its transceiver
   * is not stopped, owns the stream; any other stream is declined.
   */
  sink(stream: IncomingStream): MediaSink | undefined {
    if (stream.mid === undefined) return undefined;
    const entry = this.entries.find((e) => e.state.mid === stream.mid && !e.state.stopping);
    if (entry === undefined) return undefined;
    return receiverSink(entry.state.receiver, stream);
  }

  /** "Close the connection": every transceiver stops, without events. */
  close(): void {
    for (const { state: t } of this.entries) {
      t.stopping = true;
      t.stopped = true;
      t.direction = 'stopped';
      t.currentDirection = 'stopped';
      t.sender.dtmf?.cancel();
      t.receiver.layers.close();
      trackControl().end(t.receiver.track, { kind: 'connection-closed' }, false);
    }
  }
}
