import { describe, expect, it } from 'vitest';
import {
  formatH264ProfileLevelId,
  H264_DEFAULT_PROFILE_LEVEL_ID,
  parseH264ProfileLevelId,
} from './h264-profile.js';

describe('H.264 profile-level-id (RFC 6184 §8.1)', () => {
  it('names the profiles WebRTC negotiates and reads the level', () => {
    const table: [string, string | undefined, string][] = [
      ['42e01f', 'constrained-baseline', '3.1'],
      ['42c01f', 'constrained-baseline', '3.1'],
      ['4d801f', 'constrained-baseline', '3.1'],
      ['4d401f', 'main', '3.1'],
      ['42001f', 'baseline', '3.1'],
      ['42a01f', 'baseline', '3.1'],
      ['4d001f', 'main', '3.1'],
      ['640c1f', 'constrained-high', '3.1'],
      ['64001f', 'high', '3.1'],
      ['f4001f', 'predictive-high-444', '3.1'],
      ['6e0028', undefined, '4'],
      ['42000a', 'baseline', '1'],
      ['640034', 'high', '5.2'],
    ];
    for (const [value, profile, level] of table) {
      expect(parseH264ProfileLevelId(value), value).toMatchObject({ profile, level });
    }
  });

  it('gives the fields and the constraint flags', () => {
    expect(parseH264ProfileLevelId('42E01F')).toEqual({
      profileIdc: 0x42,
      profileIop: 0xe0,
      constraintSets: [true, true, true, false, false, false],
      levelIdc: 31,
      level: '3.1',
      profile: 'constrained-baseline',
    });
  });

  it('reads level 1b both ways (H.264 §A.3.1)', () => {
    expect(parseH264ProfileLevelId('42f00b')?.level).toBe('1b');
    expect(parseH264ProfileLevelId('42e00b')?.level).toBe('1.1');
    expect(parseH264ProfileLevelId('640009')?.level).toBe('1b');
    expect(parseH264ProfileLevelId('64100b')?.level).toBe('1.1');
  });

  it('rejects what is not 6 hex digits or an unknown level', () => {
    for (const bad of ['', '42e01', '42e01f0', '42e01g', '42e0ff', '42e000']) {
      expect(parseH264ProfileLevelId(bad), bad).toBeUndefined();
    }
  });

  it('formats back to 6 lowercase hex digits', () => {
    expect(formatH264ProfileLevelId(parseH264ProfileLevelId('42E01F')!)).toBe('42e01f');
    expect(formatH264ProfileLevelId({ profileIdc: 0x42, profileIop: 0, levelIdc: 10 })).toBe(
      H264_DEFAULT_PROFILE_LEVEL_ID,
    );
  });
});
