import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../codecs/testing-frames.js';
import { H264ParameterSets } from './h264-parameter-sets.js';

const SPS = '6742c01f1a32350140';
const PPS = '681a34e3c8';
const IDR = '65888400ff';
const SLICE = '419a2210';

describe('H264ParameterSets (libwebrtc SPS/PPS tracker)', () => {
  it('puts the last SPS and PPS in front of an IDR access unit without them', () => {
    const sets = new H264ParameterSets();
    const noSets = hex(`00000001${IDR}`);
    expect(sets.complete(noSets)).toBe(noSets); // nothing cached yet: as it came
    const full = hex(`00000001${SPS}00000001${PPS}00000001${IDR}`);
    expect(sets.complete(full)).toBe(full);
    expect(toHex(sets.complete(noSets))).toBe(`00000001${SPS}00000001${PPS}00000001${IDR}`);
    // Only the one missing, SPS still first; a delta frame untouched; a malformed frame as it came.
    const withSps = hex(`00000001${SPS}00000001${IDR}`);
    expect(toHex(sets.complete(withSps))).toBe(`00000001${SPS}00000001${PPS}00000001${IDR}`);
    const delta = hex(`00000001${SLICE}`);
    expect(sets.complete(delta)).toBe(delta);
    const junk = Uint8Array.of(1, 2, 3);
    expect(sets.complete(junk)).toBe(junk);
  });
});
