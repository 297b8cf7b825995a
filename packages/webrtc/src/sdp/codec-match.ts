/**
 * When two codec descriptions name the same codec (JSEP, RFC 9429 §5.3.1: an answer lists the
 * offered codecs it supports, with the offerer's payload types), and the answer's codec list
 * built from that. The rules per codec are those of its payload format: H.264 (RFC 6184 §8.1
 * `profile-level-id` and `packetization-mode`), VP9 (RFC 9628 `profile-id`), AV1 (`profile`),
 * RTX (RFC 4588 `apt`).
 */

import type { SdpCodec, SdpRtcpFeedback } from './rtp-media.js';

/** H.264 profiles as `profile-level-id` encodes them (profile_idc and constraint flags). */
export type H264Profile =
  | 'constrained-baseline'
  | 'baseline'
  | 'main'
  | 'extended'
  | 'high'
  | 'constrained-high'
  | 'predictive-high-444';

/**
 * profile_idc and the constraint-flag byte (profile-iop) patterns of each profile (H.264
 * Annex A, as RFC 6184 §8.1 and RFC 7742 §6.2 use them); `x` is a bit that does not matter.
 */
const PROFILE_PATTERNS: readonly (readonly [number, string, H264Profile])[] = [
  [0x42, 'x1xx0000', 'constrained-baseline'],
  [0x4d, '1xxx0000', 'constrained-baseline'],
  [0x58, '11xx0000', 'constrained-baseline'],
  [0x42, 'x0xx0000', 'baseline'],
  [0x58, '10xx0000', 'extended'],
  [0x4d, '0x0x0000', 'main'],
  [0x64, '00000000', 'high'],
  [0x64, '00001100', 'constrained-high'],
  [0xf4, '00000000', 'predictive-high-444'],
];

const bitsMatch = (pattern: string, byte: number): boolean => {
  for (let i = 0; i < 8; i++) {
    const want = pattern[i];
    const bit = (byte >> (7 - i)) & 1;
    if (want !== 'x' && Number(want) !== bit) return false;
  }
  return true;
};

/**
 * The profile and level of an H.264 `profile-level-id` (six hex digits), or undefined when it
 * names none. When absent, RFC 6184 §8.1 says Baseline level 1 (`420010`); libwebrtc (and so
 * every browser but Firefox) reads Constrained Baseline level 3.1 (`42e01f`) instead, which is
 * what an endpoint that leaves it out means in practice: we read it the same way, so that such
 * an offer matches the Constrained Baseline codecs everyone sends.
 */
export function h264ProfileLevel(
  profileLevelId: string | undefined,
): { profile: H264Profile; level: number } | undefined {
  const text = profileLevelId ?? '42e01f';
  if (!/^[0-9a-fA-F]{6}$/.test(text)) return undefined;
  const idc = Number.parseInt(text.slice(0, 2), 16);
  const iop = Number.parseInt(text.slice(2, 4), 16);
  const level = Number.parseInt(text.slice(4, 6), 16);
  for (const [profileIdc, pattern, profile] of PROFILE_PATTERNS) {
    if (idc === profileIdc && bitsMatch(pattern, iop)) return { profile, level };
  }
  return undefined;
}

const lower = (s: string): string => s.toLowerCase();
const param = (c: SdpCodec, key: string): string | undefined => {
  for (const [k, v] of Object.entries(c.parameters)) if (lower(k) === key) return v;
  return undefined;
};

/**
 * True when `a` and `b` describe the same codec: the same encoding name (case-insensitive,
 * RFC 6838 §4.2), clock rate and channel count (1 when not written), and, for codecs whose
 * format parameters select a different bitstream, the same value of those.
 */
export function sameCodec(a: SdpCodec, b: SdpCodec): boolean {
  const name = lower(a.name);
  if (name !== lower(b.name) || a.clockRate !== b.clockRate) return false;
  if ((a.channels ?? 1) !== (b.channels ?? 1)) return false;
  switch (name) {
    case 'h264': {
      // RFC 6184 §8.2.2: packetization-mode must match (0 when absent); the profile too,
      // while the level may differ (each side sends at most what the other can receive).
      if ((param(a, 'packetization-mode') ?? '0') !== (param(b, 'packetization-mode') ?? '0'))
        return false;
      const pa = h264ProfileLevel(param(a, 'profile-level-id'));
      const pb = h264ProfileLevel(param(b, 'profile-level-id'));
      return pa !== undefined && pb !== undefined && pa.profile === pb.profile;
    }
    case 'vp9':
      return (param(a, 'profile-id') ?? '0') === (param(b, 'profile-id') ?? '0');
    case 'av1':
      return (param(a, 'profile') ?? '0') === (param(b, 'profile') ?? '0');
    default:
      return true;
  }
}

/**
 * The codecs of an answer (JSEP §5.3.1): the offered ones that match a codec of `supported`,
 * with the offer's payload types and format parameters, each with the RTCP feedback both
 * sides listed; an `rtx` stays when the codec its `apt` names stays, a `red` when the codecs
 * its fmtp names stay. In the offer's order, or, when `supported` are the answerer's codec
 * preferences (`setCodecPreferences()`), in theirs (JSEP §5.3.1: "in the corresponding
 * order"), each `rtx` right after the codec it repairs.
 */
export function answerCodecs(
  offered: readonly SdpCodec[],
  supported: readonly SdpCodec[],
  order: 'offer' | 'preferences' = 'offer',
): SdpCodec[] {
  const kept = new Map<number, SdpCodec>();
  for (const codec of offered) {
    if (lower(codec.name) === 'rtx') continue;
    const ours = supported.find((s) => sameCodec(s, codec));
    if (ours === undefined) continue;
    kept.set(codec.payloadType, {
      ...codec,
      rtcpFeedback: commonFeedback(codec.rtcpFeedback, ours.rtcpFeedback),
    });
  }
  const supportsRtx = supported.some((s) => lower(s.name) === 'rtx');
  const out: SdpCodec[] = [];
  for (const codec of offered) {
    if (lower(codec.name) === 'rtx') {
      const apt = Number(param(codec, 'apt'));
      if (supportsRtx && kept.has(apt)) out.push({ ...codec, rtcpFeedback: [] });
      continue;
    }
    const k = kept.get(codec.payloadType);
    if (k === undefined) continue;
    // RFC 2198: RED stays only around codecs that stay (its fmtp lists their payload types).
    if (lower(codec.name) === 'red' && !redPayloadTypes(codec).every((pt) => kept.has(pt)))
      continue;
    out.push(k);
  }
  return order === 'offer' ? out : inPreferenceOrder(out, supported);
}

/** `codecs` ordered as `preferences` list them, each `rtx` after the codec its `apt` names. */
function inPreferenceOrder(codecs: SdpCodec[], preferences: readonly SdpCodec[]): SdpCodec[] {
  const isRtx = (c: SdpCodec) => lower(c.name) === 'rtx';
  const rank = (c: SdpCodec) => preferences.findIndex((p) => !isRtx(p) && sameCodec(p, c));
  // Array.prototype.sort is stable: codecs ranked alike keep the offer's order.
  const primaries = codecs.filter((c) => !isRtx(c)).sort((a, b) => rank(a) - rank(b));
  const out: SdpCodec[] = [];
  for (const codec of primaries) {
    out.push(codec);
    for (const rtx of codecs)
      if (isRtx(rtx) && Number(param(rtx, 'apt')) === codec.payloadType) out.push(rtx);
  }
  return out;
}

/** The payload types a RED codec carries (`a=fmtp:<red> 111/111`); none when unparsable. */
export function redPayloadTypes(codec: SdpCodec): number[] {
  const fmtp = codec.fmtp ?? '';
  const pts = fmtp.split('/').map((x) => Number(x.trim()));
  return fmtp !== '' && pts.every((pt) => Number.isInteger(pt) && pt >= 0 && pt < 128) ? pts : [-1];
}

const sameFeedback = (a: SdpRtcpFeedback, b: SdpRtcpFeedback): boolean =>
  lower(a.type) === lower(b.type) && (a.parameter ?? '') === (b.parameter ?? '');

/** RFC 4585 §4.2: the feedback both sides can do, in the first list's order. */
function commonFeedback(
  theirs: readonly SdpRtcpFeedback[],
  ours: readonly SdpRtcpFeedback[],
): SdpRtcpFeedback[] {
  return theirs.filter((fb) => ours.some((o) => sameFeedback(o, fb)));
}
