/**
 * The RTP side of an audio or video media section (JSEP, RFC 9429 §5.8): payload types and
 * their codecs (`a=rtpmap`, `a=fmtp`, `a=rtcp-fb`), header extensions (`a=extmap`), the
 * sender's SSRCs (`a=ssrc`, `a=ssrc-group`), `a=msid`, `a=rid` and `a=simulcast`, and
 * `a=rtcp-mux`/`a=rtcp-rsize`. The section model keeps these as raw attributes;
 * {@link readRtpMedia} gives them typed, {@link rtpMediaAttributes} writes them back.
 */

import type { SdpAttribute, SdpDirection, SdpMediaSection } from './model.js';

/** `a=rtcp-fb` (RFC 4585 §4.2): `nack`, `nack pli`, `ccm fir`, `goog-remb`, `transport-cc`. */
export interface SdpRtcpFeedback {
  readonly type: string;
  /** The second token (`pli` of `nack pli`), when there is one. */
  readonly parameter?: string | undefined;
}

/** One payload type of a media section, with what `rtpmap`, `fmtp` and `rtcp-fb` say of it. */
export interface SdpCodec {
  readonly payloadType: number;
  /** The encoding name as written (`opus`, `VP8`, `H264`, `rtx`, `red`, ...). */
  readonly name: string;
  readonly clockRate: number;
  /** Audio channels (`opus/48000/2`); undefined when not written. */
  readonly channels?: number | undefined;
  /** `a=fmtp` parameters that are `key=value` pairs, keys as written. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The whole `a=fmtp` value (for formats like telephone-event's `0-15`). */
  readonly fmtp?: string | undefined;
  readonly rtcpFeedback: readonly SdpRtcpFeedback[];
}

/** `a=extmap` (RFC 8285 §8). */
export interface SdpHeaderExtension {
  /** 1-14 (one-byte form) or 1-255 (two-byte form). */
  readonly id: number;
  readonly uri: string;
  readonly direction?: SdpDirection | undefined;
  /** Extension attributes after the URI, when any. */
  readonly attributes?: string | undefined;
}

/** What `a=ssrc:<ssrc> <attribute>[:<value>]` lines (RFC 5576 §4.1) say of one SSRC. */
export interface SdpSsrc {
  readonly ssrc: number;
  readonly cname?: string | undefined;
  /** The legacy `a=ssrc:<n> msid:<stream> <track>` form. */
  readonly msid?: string | undefined;
  /** Every `a=ssrc` attribute of this SSRC in order (`cname`, `msid`, `label`, ...). */
  readonly attributes: readonly SdpAttribute[];
}

/** `a=ssrc-group:<semantics> <ssrc>...` (RFC 5576 §4.2): `FID` (RTX), `FEC-FR`, `SIM`. */
export interface SdpSsrcGroup {
  readonly semantics: string;
  readonly ssrcs: readonly number[];
}

/** `a=msid:<stream id> [<track id>]` (RFC 8830 §2). */
export interface SdpMsid {
  readonly stream: string;
  readonly track?: string | undefined;
}

/** `a=rid:<id> <send|recv> [pt=...;restriction=...]` (RFC 8851 §4). */
export interface SdpRid {
  readonly id: string;
  readonly direction: 'send' | 'recv';
  /** The `pt=` restriction: payload types this stream may use. */
  readonly payloadTypes?: readonly number[] | undefined;
  /** Other restrictions (`max-width=1280`, ...), keys as written. */
  readonly restrictions: Readonly<Record<string, string>>;
}

/** One simulcast stream of `a=simulcast` (RFC 8853 §5.1): a rid, `~` when paused. */
export interface SdpSimulcastStream {
  readonly rid: string;
  readonly paused: boolean;
}

/**
 * `a=simulcast` (RFC 8853): per direction, the simulcast streams in order; each entry lists
 * alternative rids (`a,b` means "a or b").
 */
export interface SdpSimulcast {
  readonly send?: readonly (readonly SdpSimulcastStream[])[] | undefined;
  readonly recv?: readonly (readonly SdpSimulcastStream[])[] | undefined;
}

/** The typed RTP attributes of one audio or video media section. */
export interface RtpMedia {
  /** In the order of the `m=` line's format list (the offerer's preference). */
  readonly codecs: readonly SdpCodec[];
  readonly headerExtensions: readonly SdpHeaderExtension[];
  readonly ssrcs: readonly SdpSsrc[];
  readonly ssrcGroups: readonly SdpSsrcGroup[];
  readonly msids: readonly SdpMsid[];
  readonly rids: readonly SdpRid[];
  readonly simulcast?: SdpSimulcast | undefined;
  /** `a=rtcp-mux` (RFC 5761); JSEP requires it on every RTP section that is not rejected. */
  readonly rtcpMux: boolean;
  /** `a=rtcp-rsize` (RFC 5506). */
  readonly rtcpReducedSize: boolean;
}

/** A malformed RTP attribute: which one and why (the caller makes it an SdpSyntaxError). */
export interface RtpMediaProblem {
  readonly attribute: string;
  readonly reason: string;
}

/** The attribute names this module reads and writes (everything else stays raw). */
export const RTP_MEDIA_ATTRIBUTES: ReadonlySet<string> = new Set([
  'rtpmap',
  'fmtp',
  'rtcp-fb',
  'extmap',
  'ssrc',
  'ssrc-group',
  'msid',
  'rid',
  'simulcast',
  'rtcp-mux',
  'rtcp-rsize',
]);

const TOKEN = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/;
const RID_ID = /^[A-Za-z0-9_-]{1,255}$/; // RFC 8851 §10 rid-id (alpha-numeric, "-" and "_")
const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

const uint = (text: string, max: number): number | undefined => {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
};

/** `key=value;key=value` (whitespace around `;` tolerated, as browsers write and read it). */
export function parseFmtpParameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const item = part.trim();
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

interface CodecDraft {
  payloadType: number;
  name?: string;
  clockRate?: number;
  channels?: number | undefined;
  fmtp?: string;
  rtcpFeedback: SdpRtcpFeedback[];
}

/**
 * Reads the RTP attributes of `section`. Returns the typed view, or the first malformed
 * attribute. Payload types without `a=rtpmap` get the static assignment of RFC 3551 §6
 * (0 PCMU, 8 PCMA, 9 G722, ...) or are left out when they have none.
 */
export function readRtpMedia(section: SdpMediaSection): RtpMedia | RtpMediaProblem {
  const drafts = new Map<number, CodecDraft>();
  for (const format of section.formats) {
    const pt = uint(format, 127);
    if (pt === undefined)
      return { attribute: `m=${section.kind}`, reason: `bad payload type ${format}` };
    if (!drafts.has(pt)) drafts.set(pt, { payloadType: pt, rtcpFeedback: [] });
  }
  const wildcardFeedback: SdpRtcpFeedback[] = [];
  const headerExtensions: SdpHeaderExtension[] = [];
  const ssrcs = new Map<
    number,
    { ssrc: number; cname?: string; msid?: string; attributes: SdpAttribute[] }
  >();
  const ssrcGroups: SdpSsrcGroup[] = [];
  const msids: SdpMsid[] = [];
  const rids: SdpRid[] = [];
  let simulcast: SdpSimulcast | undefined;
  let rtcpMux = false;
  let rtcpReducedSize = false;
  for (const { name, value } of section.attributes) {
    if (!RTP_MEDIA_ATTRIBUTES.has(name)) continue;
    const problem = (reason: string): RtpMediaProblem => ({
      attribute: `a=${name}${value === undefined ? '' : `:${value}`}`,
      reason,
    });
    const v = value ?? '';
    switch (name) {
      case 'rtcp-mux':
        rtcpMux = true;
        break;
      case 'rtcp-rsize':
        rtcpReducedSize = true;
        break;
      case 'rtpmap': {
        // RFC 8866 §6.6: <payload type> <encoding name>/<clock rate>[/<encoding parameters>]
        const m = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(v.trim());
        if (!m) return problem('expected "<pt> <name>/<clock rate>[/<channels>]"');
        const pt = uint(m[1]!, 127);
        const draft = pt === undefined ? undefined : drafts.get(pt);
        if (draft === undefined) return problem('the payload type is not in the m= line');
        if (draft.name !== undefined) return problem('a second rtpmap for the payload type');
        const clockRate = uint(m[3]!, 0xffffffff);
        const channels = m[4] === undefined ? undefined : uint(m[4], 255);
        if (!clockRate) return problem('the clock rate is 0 or above 2^32 - 1');
        if (m[4] !== undefined && !channels) return problem('the channel count is 0 or above 255');
        draft.name = m[2]!;
        draft.clockRate = clockRate;
        draft.channels = channels;
        break;
      }
      case 'fmtp': {
        const m = /^(\d+) (.*)$/.exec(v);
        if (!m) return problem('expected "<pt> <parameters>"');
        const draft = drafts.get(Number(m[1]));
        // RFC 8866 §6.15: fmtp of a format not in the m= line is ignored, as browsers do.
        const text = m[2]!.trim();
        if (draft !== undefined && text !== '') draft.fmtp = text;
        break;
      }
      case 'rtcp-fb': {
        // RFC 4585 §4.2: <pt or *> <type> [<parameter>...]
        const parts = v.trim().split(/\s+/);
        if (parts.length < 2 || !TOKEN.test(parts[1]!))
          return problem('expected "<pt|*> <feedback type> [<parameter>]"');
        const fb: SdpRtcpFeedback = {
          type: parts[1]!,
          ...(parts.length > 2 ? { parameter: parts.slice(2).join(' ') } : {}),
        };
        if (parts[0] === '*') wildcardFeedback.push(fb);
        else drafts.get(Number(parts[0]))?.rtcpFeedback.push(fb);
        break;
      }
      case 'extmap': {
        // RFC 8285 §8: <id>[/<direction>] <uri> [<extension attributes>]
        const m = /^(\d+)(?:\/(\w+))? (\S+)(?: (.*))?$/.exec(v.trim());
        if (!m) return problem('expected "<id>[/<direction>] <uri>"');
        const id = uint(m[1]!, 255);
        if (id === undefined || id === 0 || id === 15)
          return problem(`extension id ${m[1]} is reserved or out of range`);
        if (m[2] !== undefined && !DIRECTIONS.has(m[2])) return problem(`bad direction ${m[2]}`);
        if (headerExtensions.some((e) => e.id === id))
          return problem(`extension id ${id} is used twice`);
        headerExtensions.push({
          id,
          uri: m[3]!,
          ...(m[2] !== undefined ? { direction: m[2] as SdpDirection } : {}),
          ...(m[4] !== undefined ? { attributes: m[4] } : {}),
        });
        break;
      }
      case 'ssrc': {
        // RFC 5576 §4.1: <ssrc-id> <attribute>[:<value>]
        const m = /^(\d+) ([^:\s]+)(?::(.*))?$/.exec(v.trim());
        const ssrc = m ? uint(m[1]!, 0xffffffff) : undefined;
        if (!m || ssrc === undefined) return problem('expected "<ssrc> <attribute>[:<value>]"');
        let entry = ssrcs.get(ssrc);
        if (entry === undefined) ssrcs.set(ssrc, (entry = { ssrc, attributes: [] }));
        entry.attributes.push({ name: m[2]!, value: m[3] });
        if (m[2] === 'cname' && m[3] !== undefined) entry.cname = m[3];
        if (m[2] === 'msid' && m[3] !== undefined) entry.msid = m[3];
        break;
      }
      case 'ssrc-group': {
        const parts = v.trim().split(/\s+/);
        const numbers = parts.slice(1).map((p) => uint(p, 0xffffffff));
        if (parts.length < 2 || !TOKEN.test(parts[0]!) || numbers.some((n) => n === undefined))
          return problem('expected "<semantics> <ssrc>..."');
        ssrcGroups.push({ semantics: parts[0]!, ssrcs: numbers as number[] });
        break;
      }
      case 'msid': {
        // RFC 8830 §2: msid-id [ SP msid-appdata ]
        const parts = v.trim().split(/\s+/);
        if (parts.length < 1 || parts.length > 2 || parts[0] === '')
          return problem('expected "<stream id> [<track id>]"');
        msids.push({ stream: parts[0]!, ...(parts[1] !== undefined ? { track: parts[1] } : {}) });
        break;
      }
      case 'rid': {
        const rid = parseRid(v);
        if (typeof rid === 'string') return problem(rid);
        if (rids.some((r) => r.id === rid.id)) return problem(`rid ${rid.id} is defined twice`);
        rids.push(rid);
        break;
      }
      case 'simulcast': {
        const parsed = parseSimulcast(v);
        if (typeof parsed === 'string') return problem(parsed);
        simulcast = parsed;
        break;
      }
    }
  }
  const codecs: SdpCodec[] = [];
  for (const draft of drafts.values()) {
    const fixed = draft.name === undefined ? STATIC_PAYLOAD_TYPES[draft.payloadType] : undefined;
    const name = draft.name ?? fixed?.[0];
    const clockRate = draft.clockRate ?? fixed?.[1];
    if (name === undefined || clockRate === undefined) continue;
    codecs.push({
      payloadType: draft.payloadType,
      name,
      clockRate,
      ...(draft.channels !== undefined ? { channels: draft.channels } : {}),
      parameters: draft.fmtp === undefined ? {} : parseFmtpParameters(draft.fmtp),
      ...(draft.fmtp !== undefined ? { fmtp: draft.fmtp } : {}),
      rtcpFeedback: [...wildcardFeedback, ...draft.rtcpFeedback],
    });
  }
  if (simulcast !== undefined) {
    // RFC 8853 §5.3: every rid of a=simulcast is defined by an a=rid of that direction.
    for (const [direction, streams] of [
      ['send', simulcast.send],
      ['recv', simulcast.recv],
    ] as const) {
      for (const alternatives of streams ?? []) {
        for (const { rid } of alternatives) {
          if (!rids.some((r) => r.id === rid && r.direction === direction))
            return {
              attribute: 'a=simulcast',
              reason: `rid ${rid} has no a=rid:${rid} ${direction}`,
            };
        }
      }
    }
  }
  return {
    codecs,
    headerExtensions,
    ssrcs: [...ssrcs.values()],
    ssrcGroups,
    msids,
    rids,
    ...(simulcast !== undefined ? { simulcast } : {}),
    rtcpMux,
    rtcpReducedSize,
  };
}

/** True when `result` of {@link readRtpMedia} is a problem rather than the media. */
export function isRtpMediaProblem(result: RtpMedia | RtpMediaProblem): result is RtpMediaProblem {
  return 'reason' in result;
}

/** `a=rid` (RFC 8851 §10): `<rid-id> SP <send|recv> [SP <restrictions>]`. */
function parseRid(value: string): SdpRid | string {
  const parts = value.trim().split(/\s+/);
  const [id, direction, restrictionText] = parts;
  if (id === undefined || !RID_ID.test(id)) return 'expected "<rid id> <send|recv> [restrictions]"';
  if (direction !== 'send' && direction !== 'recv') return `bad rid direction ${direction}`;
  if (parts.length > 3) return 'unexpected text after the restrictions';
  const restrictions: Record<string, string> = {};
  let payloadTypes: number[] | undefined;
  for (const item of (restrictionText ?? '').split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const val = eq < 0 ? '' : item.slice(eq + 1);
    if (key === 'pt') {
      const pts = val.split(',').map((p) => uint(p, 127));
      if (pts.length === 0 || pts.some((p) => p === undefined)) return `bad pt list ${val}`;
      payloadTypes = pts as number[];
    } else restrictions[key] = val;
  }
  return { id, direction, ...(payloadTypes ? { payloadTypes } : {}), restrictions };
}

/** `a=simulcast` (RFC 8853 §5.1): `send <list> [recv <list>]` or the other order. */
function parseSimulcast(value: string): SdpSimulcast | string {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 2 && parts.length !== 4) return 'expected "send|recv <streams> [...]"';
  const out: { send?: SdpSimulcastStream[][]; recv?: SdpSimulcastStream[][] } = {};
  for (let i = 0; i < parts.length; i += 2) {
    const direction = parts[i];
    if (direction !== 'send' && direction !== 'recv') return `bad simulcast direction ${direction}`;
    if (out[direction] !== undefined) return `${direction} appears twice`;
    const streams: SdpSimulcastStream[][] = [];
    for (const alternatives of parts[i + 1]!.split(';')) {
      const list: SdpSimulcastStream[] = [];
      for (const entry of alternatives.split(',')) {
        const paused = entry.startsWith('~');
        const rid = paused ? entry.slice(1) : entry;
        if (!RID_ID.test(rid)) return `bad rid ${JSON.stringify(entry)} in the ${direction} list`;
        list.push({ rid, paused });
      }
      streams.push(list);
    }
    out[direction] = streams;
  }
  return out;
}

/** RFC 3551 §6 static payload types a section may use without `a=rtpmap`. */
const STATIC_PAYLOAD_TYPES: Readonly<Record<number, readonly [string, number]>> = {
  0: ['PCMU', 8000],
  3: ['GSM', 8000],
  4: ['G723', 8000],
  8: ['PCMA', 8000],
  9: ['G722', 8000],
  13: ['CN', 8000],
  18: ['G729', 8000],
};

/**
 * The attributes that describe `media` (in the order browsers write them: extmap, msid,
 * rtcp-mux, rtcp-rsize, then per codec rtpmap, rtcp-fb, fmtp, then rid, simulcast, ssrc-group
 * and ssrc), to put in a media section beside its transport and direction attributes.
 */
export function rtpMediaAttributes(media: RtpMedia): SdpAttribute[] {
  const out: SdpAttribute[] = [];
  const a = (name: string, value?: string): void => {
    out.push({ name, value });
  };
  for (const e of media.headerExtensions) {
    a(
      'extmap',
      `${e.id}${e.direction ? `/${e.direction}` : ''} ${e.uri}${e.attributes ? ` ${e.attributes}` : ''}`,
    );
  }
  for (const m of media.msids)
    a('msid', m.track === undefined ? m.stream : `${m.stream} ${m.track}`);
  if (media.rtcpMux) a('rtcp-mux');
  if (media.rtcpReducedSize) a('rtcp-rsize');
  for (const c of media.codecs) {
    a(
      'rtpmap',
      `${c.payloadType} ${c.name}/${c.clockRate}${c.channels !== undefined ? `/${c.channels}` : ''}`,
    );
    for (const fb of c.rtcpFeedback)
      a(
        'rtcp-fb',
        `${c.payloadType} ${fb.type}${fb.parameter !== undefined ? ` ${fb.parameter}` : ''}`,
      );
    const fmtp = c.fmtp ?? formatFmtp(c.parameters);
    if (fmtp !== '') a('fmtp', `${c.payloadType} ${fmtp}`);
  }
  for (const r of media.rids) {
    const restrictions = [
      ...(r.payloadTypes ? [`pt=${r.payloadTypes.join(',')}`] : []),
      ...Object.entries(r.restrictions).map(([k, v]) => (v === '' ? k : `${k}=${v}`)),
    ];
    a('rid', `${r.id} ${r.direction}${restrictions.length ? ` ${restrictions.join(';')}` : ''}`);
  }
  if (media.simulcast) {
    const list = (streams: readonly (readonly SdpSimulcastStream[])[]) =>
      streams.map((alts) => alts.map((s) => `${s.paused ? '~' : ''}${s.rid}`).join(',')).join(';');
    const parts = [
      ...(media.simulcast.send ? [`send ${list(media.simulcast.send)}`] : []),
      ...(media.simulcast.recv ? [`recv ${list(media.simulcast.recv)}`] : []),
    ];
    a('simulcast', parts.join(' '));
  }
  for (const g of media.ssrcGroups) a('ssrc-group', `${g.semantics} ${g.ssrcs.join(' ')}`);
  for (const s of media.ssrcs) {
    for (const attribute of s.attributes)
      a(
        'ssrc',
        `${s.ssrc} ${attribute.name}${attribute.value === undefined ? '' : `:${attribute.value}`}`,
      );
  }
  return out;
}

/** `key=value;key=value` from parameters, in insertion order. */
export function formatFmtp(parameters: Readonly<Record<string, string>>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}
