/**
 * The part of `addIceCandidate()` that runs on the operations chain (webrtc-pc §4.4.2 steps
 * 4.1–4.7): a remote candidate finds its media section and ICE generation, reaches the ICE
 * agent when it belongs to the generation in use, and is written into the remote
 * descriptions of its generation.
 */
import { type Manager, NetworkError } from '@x/network';
import type { JsepState } from './jsep-state.js';
import {
  type ConvertedCandidateInit,
  isAdministrativelyProhibited,
  parseCandidateFields,
} from './rtc-ice-candidate.js';
import { iceTransportControl, type RTCIceTransport } from './rtc-transports.js';
import type { RemoteTransport } from './remote-description.js';
import type { RTCSessionDescription } from './rtc-types.js';
import {
  candidateSections,
  locateSection,
  ufragsOf,
  withCandidateLine,
} from './surface-candidate.js';

/** What the steps read and change on their peer connection. */
export interface RemoteCandidateContext {
  readonly jsep: JsepState;
  readonly manager: Pick<Manager, 'addRemoteCandidate'>;
  readonly iceTransport: RTCIceTransport;
  readonly iceTransportPolicy: 'all' | 'relay' | undefined;
}

/**
 * webrtc-pc `addIceCandidate()` steps 4.1–4.7, run on the operations chain of an open peer
 * connection: the section the candidate belongs to, its ICE generation, the agent if the
 * candidate is of the generation in use (and allowed), and the remote descriptions it goes into.
 */
export function applyRemoteCandidate(
  c: RemoteCandidateContext,
  init: ConvertedCandidateInit,
): void {
  const remote = c.jsep.remote;
  if (remote === null) {
    throw new DOMException(
      'addIceCandidate() before setRemoteDescription(): the candidate has no description to go to',
      'InvalidStateError',
    );
  }
  const sections = candidateSections(remote);
  const target = locateSection(sections, init.sdpMid, init.sdpMLineIndex);
  if (target === undefined) {
    throw new DOMException(
      init.sdpMid !== null
        ? `addIceCandidate(): the remote description has no media section of mid ${init.sdpMid}`
        : `addIceCandidate(): the remote description has no media section of index ${init.sdpMLineIndex}`,
      'OperationError',
    );
  }
  // A rejected section (its transceiver is stopped): resolved, nothing to do.
  if (target !== 'all' && target.rejected) return;
  const text = init.candidate.startsWith('a=') ? init.candidate.slice(2) : init.candidate;
  // Step 4.5: the usernameFragment (else the line's ufrag extension) must be one of the
  // section's in an applied remote description, the pending or the current one.
  const ufrag = init.usernameFragment ?? / ufrag (\S+)/.exec(text)?.[1] ?? null;
  const applied = [c.jsep.pendingRemote, c.jsep.currentRemote];
  const known = applied.some(
    (d) => d !== null && ufragsOf(candidateSections(d), target).includes(ufrag ?? ''),
  );
  if (ufrag !== null && !known) {
    throw new DOMException(
      `addIceCandidate(): no applied remote description has ufrag ${ufrag} for this section`,
      'OperationError',
    );
  }
  // Step 4.6 (JSEP §4.1.19): a candidate the agent cannot take is an OperationError.
  const fields = text === '' ? undefined : parseCandidateFields(text);
  if (text !== '' && fields === undefined) {
    throw new DOMException(
      `addIceCandidate(): malformed candidate ${JSON.stringify(init.candidate)} (RFC 8839 §5.1)`,
      'OperationError',
    );
  }
  // The ICE generation: the ufrag given, else the most recent (JSEP §3.5.2.1).
  const data = c.jsep.remoteInfo?.transport;
  const generation =
    ufrag ??
    (target === 'all' ? (data?.ufrag ?? sections.find((s) => !s.rejected)?.ufrag) : target.ufrag);
  const toAgent =
    data !== undefined &&
    generation === data.ufrag &&
    (target === 'all' || data.bundled.includes(target.index)) &&
    !(fields && isAdministrativelyProhibited(fields, c.iceTransportPolicy));
  if (toAgent) {
    try {
      if (text === '') c.manager.addRemoteCandidate(null);
      else giveToIce(c, text, data);
    } catch (error) {
      if (NetworkError.isInstance(error)) throw new DOMException(error.message, 'OperationError');
      throw error;
    }
  }
  // Step 4.6.2: the candidate goes into the pending and the current remote description,
  // each if it is of the candidate's generation.
  const line = text === '' ? 'a=end-of-candidates' : `a=${text}`;
  const withCandidate = (d: RTCSessionDescription | null): RTCSessionDescription | null =>
    d === null ? d : withCandidateLine(d, target, generation, line);
  c.jsep.pendingRemote = withCandidate(c.jsep.pendingRemote);
  c.jsep.currentRemote = withCandidate(c.jsep.currentRemote);
}

/**
 * A remote candidate (a `candidate:` line) of the transport's section goes to the ICE agent
 * and joins the ICE transport's remote candidates (`getRemoteCandidates()`), from
 * `addIceCandidate()` or from a remote description. The one writer of that set.
 */
export function giveToIce(
  c: {
    readonly manager: Pick<Manager, 'addRemoteCandidate'>;
    readonly iceTransport: RTCIceTransport;
  },
  candidate: string,
  transport: Pick<RemoteTransport, 'mid' | 'index' | 'ufrag'>,
): void {
  c.manager.addRemoteCandidate(candidate);
  iceTransportControl().addRemoteCandidate(
    c.iceTransport,
    candidate,
    transport.mid,
    transport.index,
    transport.ufrag,
  );
}
