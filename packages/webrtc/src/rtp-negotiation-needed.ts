/**
 * The transceivers' part of webrtc-pc §4.7.3 "check if negotiation is needed": a pure
 * function of the transceivers and the current local and remote descriptions.
 */
import type { TransceiverState } from './rtp-state.js';
import { reverseDirection } from './sdp/jsep-media.js';
import type { SdpDirection, SessionDescription } from './sdp/model.js';
import { isRtpMediaProblem, readRtpMedia } from './sdp/rtp-media.js';
import { isRejected } from './sdp/validate.js';

const receives = (d: string | null): boolean => d === 'sendrecv' || d === 'recvonly';
const sends = (d: string | null): boolean => d === 'sendrecv' || d === 'sendonly';

/**
 * The transceivers' part of webrtc-pc "check if negotiation is needed" (§4.7.3), against
 * the current local and remote descriptions (parsed; undefined before a negotiation).
 */
export function transceiversNeedNegotiation(
  entries: readonly { readonly state: TransceiverState }[],
  local: { type: string; parsed: SessionDescription } | undefined,
  remote: SessionDescription | undefined,
): boolean {
  for (const { state: t } of entries) {
    if (t.stopping && !t.stopped) return true;
    const section = t.mid === null ? undefined : local?.parsed.media.find((m) => m.mid === t.mid);
    if (t.stopped) {
      const remoteSection = remote?.media.find((m) => m.mid === t.mid);
      if (
        section !== undefined &&
        (!isRejected(section) || (remoteSection && !isRejected(remoteSection)))
      )
        return true;
      continue;
    }
    if (section === undefined || local === undefined) return true;
    if (sends(t.direction)) {
      const media = readRtpMedia(section);
      if (isRtpMediaProblem(media) || media.msids.length === 0) return true;
      const ids = new Set(media.msids.map((m) => m.stream).filter((s) => s !== '-'));
      const want = new Set(t.sender.streamIds);
      if (ids.size !== want.size || [...want].some((id) => !ids.has(id))) return true;
    }
    const localDirection = section.direction ?? 'sendrecv';
    const remoteSection = remote?.media.find((m) => m.mid === t.mid);
    const remoteDirection = remoteSection?.direction ?? 'sendrecv';
    if (local.type === 'offer') {
      if (localDirection !== t.direction && reverseDirection(remoteDirection) !== t.direction)
        return true;
    } else {
      const wanted = t.direction as SdpDirection;
      const offered = reverseDirection(remoteDirection);
      const both =
        sends(wanted) && sends(offered)
          ? receives(wanted) && receives(offered)
            ? 'sendrecv'
            : 'sendonly'
          : receives(wanted) && receives(offered)
            ? 'recvonly'
            : 'inactive';
      if (localDirection !== both) return true;
    }
  }
  return false;
}
