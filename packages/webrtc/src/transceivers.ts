/**
 * The set of transceivers of one `RTCPeerConnection` and everything that writes their state
 * (webrtc-pc §5 and §4.4.1.5 "set the session description"; JSEP, RFC 9429 §5): the
 * application's calls (`addTrack()`, `removeTrack()`, `addTransceiver()`), the m-line plan of
 * our offers and what we answer, what each applied description does to the transceivers
 * (mids, directions, codecs, the remote tracks and their streams, stopping), the rollback,
 * the part of "check if negotiation is needed" that concerns them, and the routes and sinks
 * of incoming RTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingStream, MediaRoutes, MediaSink } from '@x/network';
import { MediaStream, remoteStreams } from './media-stream.js';
import {
  MediaStreamTrack,
  type MediaStreamTrackKind,
  type TrackStateCause,
  trackControl,
} from './media-stream-track.js';
import { receiverSink, RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { RTCRtpSender, senderState } from './rtc-rtp-sender.js';
import { RTCRtpTransceiver, stopSendingAndReceiving } from './rtc-rtp-transceiver.js';
import type { RTCDtlsTransport } from './rtc-transports.js';
import {
  checkSendEncodings,
  type RTCRtpTransceiverDirection,
  type RTCRtpTransceiverInit,
} from './rtp-parameters.js';
import {
  DEFAULT_SILENCE_TIMEOUT_MS,
  type ReceiverState,
  type RtpHost,
  type SenderState,
  type SendLayer,
  setSenderTrack,
  type TransceiverState,
} from './rtp-state.js';
import { ReceiveLayers } from './receive-layers.js';
import type { RemoteDescriptionInfo } from './remote-description.js';
import { mediaRoutes } from './media-routes.js';
import { answerSection, offerPlan } from './rtp-offer-plan.js';
import { transceiversNeedNegotiation } from './rtp-negotiation-needed.js';
import { type LocalRtpSection, type RemoteRtpSection, reverseDirection } from './sdp/jsep-media.js';
import type { OfferSection } from './sdp/jsep.js';
import type { SdpDirection, SdpMediaSection, SessionDescription } from './sdp/model.js';
import { isRtpMediaProblem, readRtpMedia } from './sdp/rtp-media.js';
import { isRejected } from './sdp/validate.js';

const receives = (d: string | null): boolean => d === 'sendrecv' || d === 'recvonly';
const sends = (d: string | null): boolean => d === 'sendrecv' || d === 'sendonly';

/** One transceiver with its objects. */
export interface TransceiverEntry {
  readonly state: TransceiverState;
  readonly transceiver: RTCRtpTransceiver;
  readonly sender: RTCRtpSender;
  readonly receiver: RTCRtpReceiver;
}

/** What applying a remote description does to tracks, run after `signalingstatechange`. */
export interface RemoteTrackChanges {
  readonly mute: [MediaStreamTrack, TrackStateCause][];
  readonly remove: [MediaStream, MediaStreamTrack][];
  readonly add: [MediaStream, MediaStreamTrack][];
  readonly tracks: { entry: TransceiverEntry; streams: MediaStream[] }[];
}

/** What a rollback restores (JSEP §4.1.10.2). */
interface Snapshot {
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

const random32 = (): number => randomBytes(4).readUInt32BE(0) || 1;

/**
 * The encodings of a simulcast sender that an answer takes (`rids`, from its
 * `a=simulcast`); the first alone when it takes none.
 */
function keepLayers(sender: SenderState, rids: readonly string[]): void {
  if (sender.layers.length < 2) return;
  const taken = new Set(rids);
  const keep = sender.layers.map((l) => l.rid !== undefined && taken.has(l.rid));
  if (!keep.some((k) => k)) keep[0] = true;
  sender.encodings = sender.encodings.filter((_, i) => keep[i]);
  sender.layers = sender.layers.filter((_, i) => keep[i]);
}

/** The rids of one direction of `a=simulcast` (the first of each alternative list), in order. */
function simulcastRids(
  streams: readonly (readonly { readonly rid: string }[])[] | undefined,
): string[] {
  return (streams ?? []).flatMap((alternatives) =>
    alternatives[0] === undefined ? [] : [alternatives[0].rid],
  );
}

/** @internal Owned by `RTCPeerConnection`. */
export class Transceivers {
  readonly entries: TransceiverEntry[] = [];
  /** Mids chosen by createOffer() for transceivers that have none yet (JSEP §5.2.1). */
  readonly offeredMids = new Map<TransceiverState, string>();
  /** Remote streams by id, for the connection's life (webrtc-pc: the same id, the same stream). */
  private readonly streams = new Map<string, MediaStream>();
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

  /** webrtc-pc "create an RTCRtpTransceiver" with its sender and receiver. */
  private create(
    kind: MediaStreamTrackKind,
    track: MediaStreamTrack | null,
    direction: RTCRtpTransceiverDirection,
    streamIds: string[],
    encodings: ReturnType<typeof checkSendEncodings>,
    createdByRemote: boolean,
  ): TransceiverEntry {
    // One RTP stream per encoding (a simulcast layer each), with its SSRCs.
    const layers: SendLayer[] = encodings.map((e) => ({
      rid: e.rid,
      ssrc: random32(),
      rtxSsrc: random32(),
      packetsSent: 0,
      bytesSent: 0,
    }));
    const sender: SenderState = {
      host: this.host,
      kind,
      track: null,
      streamIds,
      encodings,
      lastReturned: null,
      ssrc: layers[0]!.ssrc,
      rtxSsrc: layers[0]!.rtxSsrc,
      layers,
      cname: this.cname,
      msidTrackId: track?.id ?? randomUUID(),
      transport: null,
      codecs: [],
      headerExtensions: [],
      transceiver: undefined,
    };
    setSenderTrack(sender, track);
    const receiver: ReceiverState = {
      host: this.host,
      kind,
      track: trackControl().create(kind, 'remote', randomUUID(), ''),
      transport: null,
      codecs: [],
      headerExtensions: [],
      streams: [],
      jitterBufferTarget: null,
      silenceTimeout: DEFAULT_SILENCE_TIMEOUT_MS,
      cname: undefined,
      inbound: new Map(),
      layers: new ReceiveLayers(),
      contributors: new Map(),
      transceiver: undefined,
    };
    const state: TransceiverState = {
      host: this.host,
      kind,
      mid: null,
      mLineIndex: undefined,
      direction,
      currentDirection: null,
      firedDirection: null,
      receptive: false,
      stopping: false,
      stopped: false,
      hasSent: false,
      createdByRemote,
      fromAddTrack: false,
      preferredCodecs: [],
      sender,
      receiver,
    };
    sender.transceiver = state;
    receiver.transceiver = state;
    const senderObject = new RTCRtpSender(sender);
    const receiverObject = new RTCRtpReceiver(receiver);
    const entry: TransceiverEntry = {
      state,
      transceiver: new RTCRtpTransceiver(state, senderObject, receiverObject),
      sender: senderObject,
      receiver: receiverObject,
    };
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
    this.snapshot = {
      count: this.entries.length,
      slots: new Map(
        this.entries.map((e) => [
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
   * webrtc-pc "set the session description" for a local description: each section's
   * transceiver gets its mid; an offer sets [[Receptive]]; an answer sets
   * [[CurrentDirection]] and [[FiredDirection]] (removing the remote track when we no longer
   * receive), the negotiated codecs, and stops the transceivers of rejected sections.
   */
  applyLocal(
    type: 'offer' | 'answer' | 'pranswer',
    parsed: SessionDescription,
  ): RemoteTrackChanges {
    const changes: RemoteTrackChanges = { mute: [], remove: [], add: [], tracks: [] };
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
      this.negotiated(t, section);
      // webrtc-pc: our answer that no longer receives processes the removal of the track.
      if (!receives(direction) && receives(t.firedDirection)) {
        if (!t.receiver.track.muted)
          changes.mute.push([
            t.receiver.track,
            { kind: 'description', description: 'local', direction },
          ]);
        this.setRemoteStreams(t.receiver, [], changes);
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
    const changes: RemoteTrackChanges = { mute: [], remove: [], add: [], tracks: [] };
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
        this.processRemoteTracks(entry, 'inactive', [], changes);
        this.stopTransceiver(t, 'remote');
        continue;
      }
      this.associate(t);
      const direction = reverseDirection(r.direction);
      const msids = receives(direction) ? r.media.msids.map((m) => m.stream) : [];
      t.receiver.cname =
        r.media.ssrcs.find((s) => s.cname !== undefined)?.cname ?? t.receiver.cname;
      this.processRemoteTracks(entry, direction, msids, changes);
      if (type !== 'offer') {
        this.negotiatedRemote(t, r);
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

  /**
   * The codecs and extensions of an answer section (ours), for both the sender and receiver,
   * and the simulcast layers it receives (its `a=simulcast:recv`, RFC 8853 §5.3).
   */
  private negotiated(t: TransceiverState, section: SdpMediaSection): void {
    const media = readRtpMedia(section);
    if (isRtpMediaProblem(media)) return;
    t.sender.codecs = t.receiver.codecs = media.codecs;
    t.sender.headerExtensions = t.receiver.headerExtensions = media.headerExtensions;
    t.receiver.layers.negotiate(simulcastRids(media.simulcast?.recv));
    keepLayers(t.sender, simulcastRids(media.simulcast?.send));
  }

  /**
   * The codecs and extensions of the peer's answer, and the simulcast layers it takes of
   * ours: webrtc-pc "set the session description" (answer): the encodings whose rid the
   * answer's `a=simulcast:recv` does not list are removed; without simulcast in the answer,
   * only the first encoding is kept (JSEP §5.3.1 — the answerer may decline simulcast).
   */
  private negotiatedRemote(t: TransceiverState, r: RemoteRtpSection): void {
    t.sender.codecs = t.receiver.codecs = r.media.codecs;
    t.sender.headerExtensions = t.receiver.headerExtensions = r.media.headerExtensions;
    keepLayers(t.sender, simulcastRids(r.media.simulcast?.recv));
  }

  /**
   * webrtc-pc "process remote tracks": set the associated remote streams, then "process the
   * addition of a remote track" when we now receive and did not before (or a stream was
   * added), or "process the removal of a remote track" when we no longer receive.
   */
  private processRemoteTracks(
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
  private setRemoteStreams(
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
    const changes: RemoteTrackChanges = { mute: [], remove: [], add: [], tracks: [] };
    const snap = this.snapshot;
    this.snapshot = undefined;
    if (snap === undefined) return changes;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      const before = snap.slots.get(e.state);
      if (before === undefined) {
        if (e.state.createdByRemote && e.state.sender.track === null) {
          this.setRemoteStreams(e.state.receiver, [], changes);
          this.entries.splice(i, 1);
          continue;
        }
        e.state.mid = null;
        e.state.mLineIndex = undefined;
        e.state.firedDirection = null;
        this.setRemoteStreams(e.state.receiver, [], changes);
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
      this.setRemoteStreams(
        e.state.receiver,
        before.streams.map((s) => s.id),
        changes,
      );
    }
    return changes;
  }

  /** Runs the track changes of a description, after `signalingstatechange` (webrtc-pc order). */
  static run(
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
