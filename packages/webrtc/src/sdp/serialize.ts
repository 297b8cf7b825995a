/**
 * SDP serialization (RFC 8866 §5) of the typed model, with CRLF line endings. Lines are written
 * in the order RFC 8866 requires (v o s i u e p c b t r z k a, then m sections with i c b k a),
 * the typed attributes in the order JSEP implementations use (RFC 9429 §5.2.1), then the kept
 * attributes in their original order, then candidates and end-of-candidates.
 */

import type {
  SdpAttribute,
  SdpConnection,
  SdpLine,
  SdpMediaSection,
  SdpTransportAttributes,
  SessionDescription,
} from './model.js';

const BEFORE_CONNECTION = 'iuep';
const AFTER_TIMING = 'rzk';

function connectionLine(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function attributeLine(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function pushTransport(out: string[], t: SdpTransportAttributes): void {
  if (t.iceLite === true) out.push('a=ice-lite');
  if (t.iceUfrag !== undefined) out.push(`a=ice-ufrag:${t.iceUfrag}`);
  if (t.icePwd !== undefined) out.push(`a=ice-pwd:${t.icePwd}`);
  if (t.iceOptions !== undefined && t.iceOptions.length > 0) {
    out.push(`a=ice-options:${t.iceOptions.join(' ')}`);
  }
  for (const f of t.fingerprints ?? []) out.push(`a=fingerprint:${f.algorithm} ${f.value}`);
  if (t.setup !== undefined) out.push(`a=setup:${t.setup}`);
}

function pushLines(out: string[], lines: readonly SdpLine[], types: string): void {
  for (const l of lines) if (types.includes(l.type)) out.push(`${l.type}=${l.value}`);
}

function mediaLines(out: string[], m: SdpMediaSection): void {
  const port = m.numberOfPorts === undefined ? `${m.port}` : `${m.port}/${m.numberOfPorts}`;
  out.push(`m=${m.kind} ${port} ${m.protocol} ${m.formats.join(' ')}`);
  pushLines(out, m.otherLines, 'i');
  if (m.connection !== undefined) out.push(connectionLine(m.connection));
  pushLines(out, m.otherLines, 'b');
  pushLines(out, m.otherLines, 'k');
  if (m.mid !== undefined) out.push(`a=mid:${m.mid}`);
  if (m.bundleOnly === true) out.push('a=bundle-only');
  if (m.direction !== undefined) out.push(`a=${m.direction}`);
  pushTransport(out, m);
  if (m.sctpPort !== undefined) out.push(`a=sctp-port:${m.sctpPort}`);
  if (m.sctpMap !== undefined) {
    const streams = m.sctpMap.streams === undefined ? '' : ` ${m.sctpMap.streams}`;
    out.push(`a=sctpmap:${m.sctpMap.port} ${m.sctpMap.protocol}${streams}`);
  }
  if (m.maxMessageSize !== undefined) out.push(`a=max-message-size:${m.maxMessageSize}`);
  for (const a of m.attributes) out.push(attributeLine(a));
  for (const c of m.candidates) out.push(`a=${c}`);
  if (m.endOfCandidates === true) out.push('a=end-of-candidates');
}

/** Serializes one media section (without the session part), CRLF-terminated. */
export function serializeMediaSection(section: SdpMediaSection): string {
  const out: string[] = [];
  mediaLines(out, section);
  return `${out.join('\r\n')}\r\n`;
}

/** Serializes a session description to SDP text, CRLF-terminated. */
export function serializeSdp(description: SessionDescription): string {
  const d = description;
  const o = d.origin;
  const out: string[] = [
    `v=${d.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${d.sessionName}`,
  ];
  pushLines(out, d.otherLines, BEFORE_CONNECTION);
  if (d.connection !== undefined) out.push(connectionLine(d.connection));
  pushLines(out, d.otherLines, 'b');
  out.push(`t=${d.timing.start} ${d.timing.stop}`);
  for (const l of d.otherLines) {
    // Extra t= lines and their r= lines stay together, after the first t=.
    if (l.type === 't' || l.type === 'r') out.push(`${l.type}=${l.value}`);
  }
  pushLines(out, d.otherLines, AFTER_TIMING.slice(1));
  // Letters RFC 8866 does not define: kept, before the attributes.
  for (const l of d.otherLines) {
    if (!'iuepbtrzk'.includes(l.type)) out.push(`${l.type}=${l.value}`);
  }
  for (const g of d.groups) out.push(`a=group:${[g.semantics, ...g.mids].join(' ')}`);
  if (d.extmapAllowMixed === true) out.push('a=extmap-allow-mixed');
  pushTransport(out, d);
  for (const a of d.attributes) out.push(attributeLine(a));
  if (d.endOfCandidates === true) out.push('a=end-of-candidates');
  for (const m of d.media) mediaLines(out, m);
  return `${out.join('\r\n')}\r\n`;
}
