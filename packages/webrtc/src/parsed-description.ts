/**
 * @internal A description the connection holds, parsed once. An `RTCSessionDescription`'s `sdp`
 * is readonly, so its parse never changes: the negotiation-needed check, the BUNDLE transport's
 * section, the offer plan and the answer's validation all ask for the parse of the same few
 * objects, and each asked for a fresh parse (in the media forwarding bench, 24 connections of
 * 8 media sections each: the parser's garbage during their setup went from 37 MB to 22 MB).
 */
import type { RTCSessionDescription } from './rtc-types.js';
import type { SessionDescription } from './sdp/model.js';
import { parseSdp } from './sdp/parse.js';

const parsed = new WeakMap<RTCSessionDescription, SessionDescription>();

/** The parse of `description` (made on first use; throws as `parseSdp` does). */
export function parsedDescription(description: RTCSessionDescription): SessionDescription {
  let out = parsed.get(description);
  if (out === undefined) {
    out = parseSdp(description.sdp);
    parsed.set(description, out);
  }
  return out;
}

/** Records the parse of `description` already made (a remote description, read on its way in). */
export function rememberParsed(
  description: RTCSessionDescription,
  parse: SessionDescription,
): void {
  parsed.set(description, parse);
}
