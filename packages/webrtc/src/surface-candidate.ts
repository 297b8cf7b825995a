/**
 * webrtc-pc "surface the candidate": a candidate gathered after `setLocalDescription()` is
 * added to the pending and the current local description of its ICE generation (and
 * `a=end-of-candidates` once gathering is done), so that `pc.localDescription` read after
 * `icegatheringstatechange` to `complete` carries every candidate, as browsers do, and
 * signaling that sends one description without trickle works.
 */

const EOL = '\r\n';

/**
 * `sdp` with the attribute line `line` (`a=...`) added at the end of the media section whose
 * `a=mid` is `mid`, when that section's `a=ice-ufrag` (or the session's) is `ufrag` and the
 * line is not there yet; otherwise `sdp` unchanged.
 */
export function surfaceLine(sdp: string, mid: string, ufrag: string, line: string): string {
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const starts = lines.flatMap((l, i) => (l.startsWith('m=') ? [i] : []));
  const sessionUfrag = ufragOf(lines.slice(0, starts[0] ?? lines.length));
  for (const [k, start] of starts.entries()) {
    const end = starts[k + 1] ?? lines.length;
    const section = lines.slice(start, end);
    if (!section.includes(`a=mid:${mid}`)) continue;
    if ((ufragOf(section) ?? sessionUfrag) !== ufrag || section.includes(line)) return sdp;
    // end-of-candidates stays last (RFC 8840 §4.1): a candidate goes before it.
    const eoc = section.indexOf('a=end-of-candidates');
    const at = eoc >= 0 ? start + eoc : end;
    lines.splice(at, 0, line);
    return lines.join(EOL) + EOL;
  }
  return sdp;
}

function ufragOf(lines: readonly string[]): string | undefined {
  for (const l of lines) if (l.startsWith('a=ice-ufrag:')) return l.slice(12).trim();
  return undefined;
}
