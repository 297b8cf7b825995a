/**
 * webrtc-pc "create an RTCRtpTransceiver" (§5.4) with its sender and receiver: the states they
 * share with the connection (`rtp-state.ts`), an RTP stream per encoding with its SSRCs, and the
 * W3C objects over them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { MediaStreamTrack, MediaStreamTrackKind } from './media-stream-track.js';
import { trackControl } from './media-stream-track.js';
import { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { RTCRtpSender } from './rtc-rtp-sender.js';
import { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';
import type { checkSendEncodings, RTCRtpTransceiverDirection } from './rtp-parameters.js';
import { ReceiveLayers } from './receive-layers.js';
import {
  DEFAULT_SILENCE_TIMEOUT_MS,
  type ReceiverState,
  type RtpHost,
  type SenderState,
  type SendLayer,
  setSenderTrack,
  type TransceiverState,
} from './rtp-state.js';

/** @internal One transceiver with its objects. */
export interface TransceiverEntry {
  readonly state: TransceiverState;
  readonly transceiver: RTCRtpTransceiver;
  readonly sender: RTCRtpSender;
  readonly receiver: RTCRtpReceiver;
}

const random32 = (): number => randomBytes(4).readUInt32BE(0) || 1;

/**
 * @internal webrtc-pc "create an RTCRtpTransceiver" with its sender and receiver, for the
 * connection of `host` whose RTCP CNAME is `cname`.
 */
export function createTransceiver(
  host: RtpHost,
  cname: string,
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
  }));
  const sender: SenderState = {
    host,
    kind,
    track: null,
    streamIds,
    encodings,
    lastReturned: null,
    ssrc: layers[0]!.ssrc,
    rtxSsrc: layers[0]!.rtxSsrc,
    layers,
    cname,
    msidTrackId: track?.id ?? randomUUID(),
    transport: null,
    codecs: [],
    headerExtensions: [],
    transceiver: undefined,
  };
  setSenderTrack(sender, track);
  const receiver: ReceiverState = {
    host,
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
    host,
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
  return {
    state,
    transceiver: new RTCRtpTransceiver(state, senderObject, receiverObject),
    sender: senderObject,
    receiver: receiverObject,
  };
}
