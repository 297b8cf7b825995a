/**
 * What an answer (or a provisional answer) negotiates for one transceiver (webrtc-pc "set the
 * session description"; JSEP §5.3.1; RFC 8853 §5.3): the codecs and header extensions of its
 * sender and receiver, and the simulcast layers each side keeps.
 */
import type { SenderState, TransceiverState } from './rtp-state.js';
import type { RemoteRtpSection } from './sdp/jsep-media.js';
import type { SdpMediaSection } from './sdp/model.js';
import { isRtpMediaProblem, readRtpMedia } from './sdp/rtp-media.js';

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

/**
 * @internal The codecs and extensions of an answer section (ours), for both the sender and
 * receiver, and the simulcast layers it receives (its `a=simulcast:recv`, RFC 8853 §5.3).
 */
export function negotiateLocal(t: TransceiverState, section: SdpMediaSection): void {
  const media = readRtpMedia(section);
  if (isRtpMediaProblem(media)) return;
  t.sender.codecs = t.receiver.codecs = media.codecs;
  t.sender.headerExtensions = t.receiver.headerExtensions = media.headerExtensions;
  t.receiver.layers.negotiate(simulcastRids(media.simulcast?.recv));
  keepLayers(t.sender, simulcastRids(media.simulcast?.send));
}

/**
 * @internal The codecs and extensions of the peer's answer, and the simulcast layers it takes
 * of ours: webrtc-pc "set the session description" (answer): the encodings whose rid the
 * answer's `a=simulcast:recv` does not list are removed; without simulcast in the answer,
 * only the first encoding is kept (JSEP §5.3.1 — the answerer may decline simulcast).
 */
export function negotiateRemote(t: TransceiverState, r: RemoteRtpSection): void {
  t.sender.codecs = t.receiver.codecs = r.media.codecs;
  t.sender.headerExtensions = t.receiver.headerExtensions = r.media.headerExtensions;
  keepLayers(t.sender, simulcastRids(r.media.simulcast?.recv));
}
