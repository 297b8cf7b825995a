/**
 * Candidate lines in session descriptions.
 *
 * - webrtc-pc "surface the candidate": a candidate gathered after `setLocalDescription()` is
 *   added to the pending and the current local description of its ICE generation (and
 *   `a=end-of-candidates` once gathering is done), so that `pc.localDescription` read after
 *   `icegatheringstatechange` to `complete` carries every candidate, as browsers do, and
 *   signaling that sends one description without trickle works.
 * - webrtc-pc `addIceCandidate()`: the media section a remote candidate names (by `sdpMid`,
 *   else by `sdpMLineIndex`), the ufrags of each section, and the candidate added to the
 *   remote descriptions of its ICE generation.
 */
import { RTCSessionDescription } from './rtc-types.js';
import { parsedDescription } from './parsed-description.js';
import { effectiveTransport, isRejected } from './sdp/validate.js';

const EOL = '\r\n';

/** A media section of a description, as `addIceCandidate()` resolves a candidate to it. */
export interface CandidateSection {
  /** Zero-based index of the `m=` line (`sdpMLineIndex`). */
  readonly index: number;
  /** `a=mid` (`sdpMid`), if the section has one. */
  readonly mid: string | undefined;
  /** The ICE ufrag in effect for the section (its own, its BUNDLE tag's, or the session's). */
  readonly ufrag: string | undefined;
  /** Port 0 without `a=bundle-only`: the section is rejected (RFC 8843 §6, JSEP §5.2.2). */
  readonly rejected: boolean;
}

/**
 * The media sections of each remote description read, kept with it. Candidate lines added
 * later do not change them, so {@link withCandidateLine} hands them on to the description it
 * makes: a description is parsed for its sections once, not on every `addIceCandidate()`.
 */
const sectionsOf = new WeakMap<RTCSessionDescription, readonly CandidateSection[]>();

/**
 * The media sections of `description` (one that `setRemoteDescription()` accepted, maybe with
 * candidate lines added since). A description that does not parse has none.
 */
export function candidateSections(description: RTCSessionDescription): readonly CandidateSection[] {
  const known = sectionsOf.get(description);
  if (known !== undefined) return known;
  let sections: readonly CandidateSection[];
  try {
    const parsed = parsedDescription(description);
    sections = parsed.media.map((section, index) =>
      Object.freeze({
        index,
        mid: section.mid,
        ufrag: effectiveTransport(parsed, section).iceUfrag,
        rejected: isRejected(section),
      }),
    );
  } catch {
    sections = [];
  }
  Object.freeze(sections);
  sectionsOf.set(description, sections);
  return sections;
}

/**
 * webrtc-pc `addIceCandidate()` steps 3.2–3.3 (JSEP §3.5.2.1: a MID, when present, MUST be
 * used; otherwise the m= section index): the section `sdpMid`, else `sdpMLineIndex`, names;
 * `'all'` when both are null (end-of-candidates for every section); undefined when the
 * description has no such section (the caller rejects with `OperationError`).
 *
 * An empty `sdpMid` with an `sdpMLineIndex` is taken as no MID, as libwebrtc does: no
 * section can have an empty MID (RFC 5888 §4: a token), and pion/webrtc 3's
 * `ICECandidate.ToJSON()` sends every candidate as `{ sdpMid: "", sdpMLineIndex: 0 }`.
 */
export function locateSection(
  sections: readonly CandidateSection[],
  sdpMid: string | null,
  sdpMLineIndex: number | null,
): CandidateSection | 'all' | undefined {
  if (sdpMid !== null && (sdpMid !== '' || sdpMLineIndex === null))
    return sections.find((s) => s.mid === sdpMid);
  if (sdpMLineIndex !== null) return sections[sdpMLineIndex];
  return 'all';
}

/** The ufrags of the section `target` names in `sections` (every section's for `'all'`). */
export function ufragsOf(
  sections: readonly CandidateSection[],
  target: CandidateSection | 'all',
): (string | undefined)[] {
  return target === 'all' ? sections.map((s) => s.ufrag) : [sections[target.index]?.ufrag];
}

/**
 * webrtc-pc `addIceCandidate()` step 4.6.2: `description` with `line` (`a=candidate:...` or
 * `a=end-of-candidates`) added to the section `target` names (`'all'`: every section that is
 * not rejected) when its ufrag is `generation`, the ICE generation of the candidate;
 * `description` itself when no section takes the line.
 */
export function withCandidateLine(
  description: RTCSessionDescription,
  target: CandidateSection | 'all',
  generation: string | undefined,
  line: string,
): RTCSessionDescription {
  const sections = candidateSections(description);
  let sdp = description.sdp;
  for (const s of sections) {
    const named = target === 'all' ? !s.rejected : s.index === target.index;
    if (named && s.ufrag === generation) sdp = addLineToSection(sdp, s.index, line);
  }
  if (sdp === description.sdp) return description;
  const out = new RTCSessionDescription({ type: description.type, sdp });
  sectionsOf.set(out, sections);
  return out;
}

/**
 * `sdp` with the attribute line `line` (`a=...`) added at the end of the media section whose
 * `a=mid` is `mid`, when that section's `a=ice-ufrag` (or the session's) is `ufrag` and the
 * line is not there yet; otherwise `sdp` unchanged.
 */
export function surfaceLine(sdp: string, mid: string, ufrag: string, line: string): string {
  const lines = splitLines(sdp);
  const starts = sectionStarts(lines);
  const sessionUfrag = ufragOf(lines.slice(0, starts[0] ?? lines.length));
  for (const [k, start] of starts.entries()) {
    const end = starts[k + 1] ?? lines.length;
    const section = lines.slice(start, end);
    if (!section.includes(`a=mid:${mid}`)) continue;
    if ((ufragOf(section) ?? sessionUfrag) !== ufrag) return sdp;
    return insertLine(lines, start, end, line) ?? sdp;
  }
  return sdp;
}

/**
 * `sdp` with the attribute line `line` (`a=candidate:...` or `a=end-of-candidates`) added at
 * the end of the media section of index `index` (a candidate before `a=end-of-candidates`,
 * RFC 8840 §4.1), unless it is there already; `sdp` unchanged then, or without that section.
 */
export function addLineToSection(sdp: string, index: number, line: string): string {
  const lines = splitLines(sdp);
  const starts = sectionStarts(lines);
  const start = starts[index];
  if (start === undefined) return sdp;
  return insertLine(lines, start, starts[index + 1] ?? lines.length, line) ?? sdp;
}

function splitLines(sdp: string): string[] {
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function sectionStarts(lines: readonly string[]): number[] {
  return lines.flatMap((l, i) => (l.startsWith('m=') ? [i] : []));
}

/** The description with `line` inserted into the section [start, end); undefined if present. */
function insertLine(lines: string[], start: number, end: number, line: string): string | undefined {
  const section = lines.slice(start, end);
  if (section.includes(line)) return undefined;
  // end-of-candidates stays last (RFC 8840 §4.1): a candidate goes before it.
  const eoc = section.indexOf('a=end-of-candidates');
  const at = eoc >= 0 ? start + eoc : end;
  lines.splice(at, 0, line);
  return lines.join(EOL) + EOL;
}

function ufragOf(lines: readonly string[]): string | undefined {
  for (const l of lines) if (l.startsWith('a=ice-ufrag:')) return l.slice(12).trim();
  return undefined;
}
