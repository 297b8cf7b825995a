/**
 * The H.264 `profile-level-id` SDP parameter (RFC 6184 §8.1): three bytes in hex, profile_idc,
 * profile-iop (the constraint_set0..5 flags of H.264 §7.4.2.1.1) and level_idc. The profile
 * names follow the table libwebrtc uses to match offers and answers.
 */

/** RFC 6184 §8.1: the value implied when the parameter is absent (Baseline, level 1). */
export const H264_DEFAULT_PROFILE_LEVEL_ID = '42000a';

/** A named H.264 profile, as WebRTC endpoints negotiate them. */
export type H264Profile =
  | 'constrained-baseline'
  | 'baseline'
  | 'main'
  | 'constrained-high'
  | 'high'
  | 'predictive-high-444';

/** A parsed `profile-level-id`. */
export interface H264ProfileLevelId {
  /** profile_idc (66 Baseline, 77 Main, 88 Extended, 100 High, 244 High 4:4:4 Predictive…). */
  readonly profileIdc: number;
  /** profile-iop: constraint_set0_flag in the top bit down to constraint_set5_flag, 2 reserved. */
  readonly profileIop: number;
  /** constraint_set0_flag … constraint_set5_flag, by index. */
  readonly constraintSets: readonly boolean[];
  /** level_idc: ten times the level (31 = level 3.1), 9 or 11 for level 1b. */
  readonly levelIdc: number;
  /** The level as written in H.264 Table A-1: '1', '1b', '3.1', … */
  readonly level: string;
  /** The profile name, or `undefined` for a profile outside the table (High 10, …). */
  readonly profile: H264Profile | undefined;
}

// profile_idc, mask and value of profile-iop, profile (libwebrtc's table, H.264 §A.2).
const PATTERNS: readonly (readonly [number, number, number, H264Profile])[] = [
  [0x42, 0x4f, 0x40, 'constrained-baseline'],
  [0x4d, 0x8f, 0x80, 'constrained-baseline'],
  [0x58, 0xcf, 0xc0, 'constrained-baseline'],
  [0x42, 0x4f, 0x00, 'baseline'],
  [0x58, 0xcf, 0x80, 'baseline'],
  [0x4d, 0xaf, 0x00, 'main'],
  [0x64, 0xff, 0x00, 'high'],
  [0x64, 0xff, 0x0c, 'constrained-high'],
  [0xf4, 0xff, 0x00, 'predictive-high-444'],
];

const LEVELS = new Set([
  10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52, 60, 61, 62,
]);

/**
 * Parses a `profile-level-id` (6 hex digits, any case). Returns `undefined` when it is not 6
 * hex digits or its level_idc is not a level of H.264 Table A-1.
 */
export function parseH264ProfileLevelId(value: string): H264ProfileLevelId | undefined {
  if (!/^[0-9a-fA-F]{6}$/.test(value)) return undefined;
  const bits = Number.parseInt(value, 16);
  const profileIdc = bits >> 16;
  const profileIop = (bits >> 8) & 0xff;
  const levelIdc = bits & 0xff;
  const constraintSet3 = (profileIop & 0x10) !== 0;
  let level: string;
  // H.264 §A.3.1, §A.3.2: level 1b is level_idc 11 with constraint_set3_flag in Baseline,
  // Main and Extended, and level_idc 9 elsewhere.
  if (levelIdc === 9 || (levelIdc === 11 && constraintSet3 && [66, 77, 88].includes(profileIdc))) {
    level = '1b';
  } else if (LEVELS.has(levelIdc)) {
    level = levelIdc % 10 === 0 ? String(levelIdc / 10) : (levelIdc / 10).toFixed(1);
  } else {
    return undefined;
  }
  const constraintSets = [0, 1, 2, 3, 4, 5].map((i) => (profileIop & (0x80 >> i)) !== 0);
  const match = PATTERNS.find(([idc, mask, v]) => idc === profileIdc && (profileIop & mask) === v);
  return { profileIdc, profileIop, constraintSets, levelIdc, level, profile: match?.[3] };
}

/** The 6 lowercase hex digits of a `profile-level-id` (RFC 6184 §8.1). */
export function formatH264ProfileLevelId(value: {
  readonly profileIdc: number;
  readonly profileIop: number;
  readonly levelIdc: number;
}): string {
  const bits =
    ((value.profileIdc & 0xff) << 16) | ((value.profileIop & 0xff) << 8) | (value.levelIdc & 0xff);
  return bits.toString(16).padStart(6, '0');
}
