/**
 * W3C `RTCRtpSender` (webrtc-pc §5.2): the track a transceiver sends, its encodings and
 * parameters, and the static capabilities. Sending itself (frames or packets through the
 * Manager) comes with the next step of the media work; the SSRCs, CNAME and encodings that
 * the offer describes are already this object's.
 */
import { randomBytes } from 'node:crypto';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCDTMFSender } from './rtc-dtmf-sender.js';
import type { RTCDtlsTransport } from './rtc-transports.js';
import {
  capabilities,
  codecParametersOf,
  type RTCRtpCapabilities,
  type RTCRtpEncodingParameters,
  type RTCRtpSendParameters,
} from './rtp-parameters.js';
import { type SenderState, setSenderTrack } from './rtp-state.js';

const states = new WeakMap<RTCRtpSender, SenderState>();
const dtmfSenders = new WeakMap<RTCRtpSender, RTCDTMFSender>();

/** webrtc-pc "[[LastReturnedParameters]] … queue a task that sets it to null". */
const clearLater = (state: SenderState, returned: RTCRtpSendParameters): void => {
  setImmediate(() => {
    if (state.lastReturned === returned) state.lastReturned = null;
  });
};

/** The members of an encoding that setParameters() may change. */
const ENCODING_MEMBERS = [
  'active',
  'maxBitrate',
  'maxFramerate',
  'scaleResolutionDownBy',
  'priority',
  'networkPriority',
  'scalabilityMode',
] as const;

/**
 * W3C `RTCRtpSender`. Made by `addTrack()`, `addTransceiver()` or a remote offer, never by
 * the application (`new RTCRtpSender()` is a TypeError).
 */
export class RTCRtpSender {
  /** @internal */
  constructor(state: SenderState) {
    if (state === undefined || typeof state !== 'object' || !('ssrc' in state))
      throw new TypeError('Illegal constructor');
    states.set(this, state);
    if (state.kind === 'audio') dtmfSenders.set(this, new RTCDTMFSender(state));
  }

  /** The track sent, or null. */
  get track(): MediaStreamTrack | null {
    return states.get(this)!.track;
  }

  /** The DTLS transport its RTP goes over: null until a description associated it. */
  get transport(): RTCDtlsTransport | null {
    return states.get(this)!.transport;
  }

  /**
   * webrtc-pc §7.1 `dtmf` ([[Dtmf]]): the {@link RTCDTMFSender} of an audio sender (the same
   * object each time), null for a video one.
   */
  get dtmf(): RTCDTMFSender | null {
    return dtmfSenders.get(this) ?? null;
  }

  /**
   * webrtc-pc `replaceTrack()`: another track (or null) of the same kind (else TypeError),
   * without renegotiation, on the operations chain; InvalidStateError once the transceiver
   * is stopping or the connection closed.
   */
  replaceTrack(withTrack: MediaStreamTrack | null): Promise<void> {
    const state = states.get(this)!;
    if (withTrack !== null && !(withTrack instanceof MediaStreamTrack))
      return Promise.reject(new TypeError('replaceTrack(): not a MediaStreamTrack'));
    if (withTrack !== null && withTrack.kind !== state.kind)
      return Promise.reject(
        new TypeError(`replaceTrack(): a ${withTrack.kind} track on a ${state.kind} sender`),
      );
    if (state.host.closed)
      return Promise.reject(
        new DOMException('the RTCPeerConnection is closed', 'InvalidStateError'),
      );
    return state.host.enqueue(async () => {
      if (state.transceiver?.stopping)
        throw new DOMException('replaceTrack(): the transceiver is stopped', 'InvalidStateError');
      setSenderTrack(state, withTrack);
    });
  }

  /**
   * webrtc-pc `getParameters()`: a new `transactionId`, the encodings, the negotiated codecs
   * and header extensions, and `rtcp` (our CNAME, reduced size). What it returns can be given
   * to `setParameters()` in the same task only.
   */
  getParameters(): RTCRtpSendParameters {
    const state = states.get(this)!;
    const result: RTCRtpSendParameters = {
      transactionId: randomBytes(8).toString('hex'),
      encodings: state.encodings.map((e) => ({ ...e })),
      headerExtensions: state.headerExtensions.map((e) => ({
        uri: e.uri,
        id: e.id,
        encrypted: false,
      })),
      rtcp: { cname: state.cname, reducedSize: true },
      codecs: state.codecs.map((c) => codecParametersOf(state.kind, c)),
    };
    state.lastReturned = result;
    clearLater(state, result);
    return structuredClone(result);
  }

  /**
   * webrtc-pc `setParameters()`: InvalidStateError when the transceiver is stopping or no
   * `getParameters()` of this task is pending; InvalidModificationError for another
   * `transactionId`, another number of encodings or another rid, or changed codecs, header
   * extensions or RTCP parameters; RangeError for a `scaleResolutionDownBy` below 1 or a
   * negative `maxFramerate`. Resolves once the encodings are in effect.
   */
  setParameters(parameters: RTCRtpSendParameters, _options?: object): Promise<void> {
    const state = states.get(this)!;
    try {
      if (parameters === null || typeof parameters !== 'object')
        throw new TypeError('setParameters(): parameters must be a dictionary');
      if (parameters.transactionId === undefined || !Array.isArray(parameters.encodings))
        throw new TypeError('setParameters(): transactionId and encodings are required');
      if (state.transceiver?.stopping || state.host.closed)
        throw new DOMException('setParameters(): the transceiver is stopped', 'InvalidStateError');
      const last = state.lastReturned;
      if (last === null)
        throw new DOMException(
          'setParameters(): call getParameters() first, in the same task',
          'InvalidStateError',
        );
      const invalid = (what: string): DOMException =>
        new DOMException(`setParameters(): ${what} cannot be changed`, 'InvalidModificationError');
      if (String(parameters.transactionId) !== last.transactionId) throw invalid('transactionId');
      if (parameters.encodings.length !== last.encodings.length)
        throw invalid('the number of encodings');
      parameters.encodings.forEach((e, i) => {
        if (e?.rid !== last.encodings[i]!.rid) throw invalid('rid');
      });
      if (JSON.stringify(parameters.codecs ?? last.codecs) !== JSON.stringify(last.codecs))
        throw invalid('codecs');
      if (
        JSON.stringify(parameters.headerExtensions ?? last.headerExtensions) !==
        JSON.stringify(last.headerExtensions)
      )
        throw invalid('headerExtensions');
      const rtcp = parameters.rtcp ?? last.rtcp;
      if (rtcp.cname !== last.rtcp.cname || rtcp.reducedSize !== last.rtcp.reducedSize)
        throw invalid('rtcp');
      const encodings: RTCRtpEncodingParameters[] = parameters.encodings.map((e) => {
        if (e.scaleResolutionDownBy !== undefined && !(Number(e.scaleResolutionDownBy) >= 1))
          throw new RangeError('setParameters(): scaleResolutionDownBy must be at least 1');
        if (e.maxFramerate !== undefined && !(Number(e.maxFramerate) >= 0))
          throw new RangeError('setParameters(): maxFramerate must not be negative');
        const out: RTCRtpEncodingParameters = e.rid === undefined ? {} : { rid: e.rid };
        for (const key of ENCODING_MEMBERS) {
          if (e[key] === undefined) continue;
          if (state.kind === 'audio' && (key === 'scaleResolutionDownBy' || key === 'maxFramerate'))
            continue;
          (out as Record<string, unknown>)[key] = e[key];
        }
        return out;
      });
      state.lastReturned = null;
      state.encodings = encodings;
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * webrtc-pc `setStreams()`: the streams the remote will see the track in (their ids in
   * `a=msid`); negotiation is needed. TypeError for a non-stream, InvalidStateError once closed.
   */
  setStreams(...streams: MediaStream[]): void {
    const state = states.get(this)!;
    for (const s of streams)
      if (!(s instanceof MediaStream)) throw new TypeError('setStreams(): not a MediaStream');
    if (state.host.closed)
      throw new DOMException('the RTCPeerConnection is closed', 'InvalidStateError');
    const ids = [...new Set(streams.map((s) => s.id))];
    state.streamIds = ids;
    state.host.updateNegotiationNeeded();
  }

  /** webrtc-pc `getStats()`: this sender's `outbound-rtp` entry once it has an SSRC negotiated. */
  getStats(): Promise<Map<string, Record<string, unknown>>> {
    const state = states.get(this)!;
    return state.host.stats(state);
  }

  /** webrtc-pc `RTCRtpSender.getCapabilities()`: what this stack can send of `kind`, or null. */
  static getCapabilities(kind: string): RTCRtpCapabilities | null {
    return capabilities(String(kind));
  }
}

/** @internal The state behind a sender (the peer connection's). */
export function senderState(sender: RTCRtpSender): SenderState | undefined {
  return states.get(sender);
}
