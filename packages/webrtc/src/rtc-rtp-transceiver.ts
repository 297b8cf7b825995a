/**
 * W3C `RTCRtpTransceiver` (webrtc-pc §5.4): a sender and a receiver sharing one media
 * section (`mid`), with the direction the application wants and the one negotiated.
 */
import { trackControl } from './media-stream-track.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCRtpSender } from './rtc-rtp-sender.js';
import {
  preferredCodecs,
  type RTCRtpCodec,
  type RTCRtpTransceiverDirection,
} from './rtp-parameters.js';
import type { TransceiverState } from './rtp-state.js';

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive', 'stopped']);

const states = new WeakMap<RTCRtpTransceiver, TransceiverState>();
const parts = new WeakMap<RTCRtpTransceiver, { sender: RTCRtpSender; receiver: RTCRtpReceiver }>();

/**
 * W3C `RTCRtpTransceiver`. Made by `addTrack()`, `addTransceiver()` or a remote offer
 * (`new RTCRtpTransceiver()` is a TypeError).
 */
export class RTCRtpTransceiver {
  /** @internal */
  constructor(state: TransceiverState, sender: RTCRtpSender, receiver: RTCRtpReceiver) {
    if (state === undefined || typeof state !== 'object' || !('receptive' in state))
      throw new TypeError('Illegal constructor');
    states.set(this, state);
    parts.set(this, { sender, receiver });
  }

  /** The media section's `a=mid`: null until a description associated the transceiver. */
  get mid(): string | null {
    return states.get(this)!.mid;
  }
  /** `[SameObject]` sender. */
  get sender(): RTCRtpSender {
    return parts.get(this)!.sender;
  }
  /** `[SameObject]` receiver. */
  get receiver(): RTCRtpReceiver {
    return parts.get(this)!.receiver;
  }

  /**
   * webrtc-pc [[Direction]]: the direction wanted. Setting it (InvalidStateError once
   * stopping, TypeError for `stopped`; a value outside the enum is ignored as WebIDL says)
   * updates the negotiation-needed flag; it takes effect with the next negotiation.
   */
  get direction(): RTCRtpTransceiverDirection {
    return states.get(this)!.direction;
  }
  set direction(value: RTCRtpTransceiverDirection) {
    const state = states.get(this)!;
    const next = String(value);
    if (!DIRECTIONS.has(next)) return;
    if (state.stopping)
      throw new DOMException(
        'the transceiver is stopped; its direction cannot change',
        'InvalidStateError',
      );
    if (next === 'stopped')
      throw new TypeError('direction cannot be set to "stopped": call stop()');
    if (next === state.direction) return;
    state.direction = next as RTCRtpTransceiverDirection;
    state.host.updateNegotiationNeeded();
  }

  /**
   * webrtc-pc [[CurrentDirection]]: the direction negotiated (`stopped` once a negotiation
   * stopped it); null before.
   */
  get currentDirection(): RTCRtpTransceiverDirection | null {
    return states.get(this)!.currentDirection;
  }

  /**
   * webrtc-pc `stop()`: "stop sending and receiving" now (the receiver's track ends with an
   * `ended` event, `direction` becomes `stopped`), and the next negotiation rejects the
   * media section, after which `currentDirection` is `stopped` and the transceiver leaves
   * `getTransceivers()`. InvalidStateError once the connection is closed.
   */
  stop(): void {
    const state = states.get(this)!;
    if (state.host.closed)
      throw new DOMException('the RTCPeerConnection is closed', 'InvalidStateError');
    if (state.stopping) return;
    stopSendingAndReceiving(state, 'local');
    state.host.updateNegotiationNeeded();
  }

  /**
   * webrtc-pc `setCodecPreferences()`: the codecs (from `RTCRtpReceiver.getCapabilities()`)
   * to offer or answer, in order; `[]` restores the default. InvalidModificationError for a
   * codec that is not a capability, or only RTX/RED/FEC. RTX is negotiated only if listed.
   */
  setCodecPreferences(codecs: RTCRtpCodec[]): void {
    const state = states.get(this)!;
    state.preferredCodecs = preferredCodecs(state.kind, codecs);
  }
}

/**
 * webrtc-pc "stop sending and receiving": the sender stops (an RTCP BYE for its SSRC), the receiver stops receiving, its track ends (its `ended` event after the call returns), [[Direction]]
 * `stopped`, [[Stopping]] true.
 */
export function stopSendingAndReceiving(state: TransceiverState, by: 'local' | 'remote'): void {
  state.direction = 'stopped';
  state.stopping = true;
  // "Stop receiving media": the Manager forgets the receiver's streams, so that a later
  // packet of theirs asks the generator again, which declines it.
  for (const ssrc of state.receiver.inbound.keys()) state.host.forgetIncomingStream(ssrc);
  state.host.media.stopReceiver(state.receiver);
  // "Stop sending media": RFC 3550 §6.6 BYE for the sender's SSRC, on the wire now, and no
  // more DTMF (its playout task would abort: the transceiver is stopping).
  state.sender.dtmf?.cancel();
  state.host.media.stopSender(state.sender);
  trackControl().end(state.receiver.track, { kind: 'transceiver-stopped', by });
}

/** @internal The state behind a transceiver (the peer connection's). */
export function transceiverState(transceiver: RTCRtpTransceiver): TransceiverState | undefined {
  return states.get(transceiver);
}
