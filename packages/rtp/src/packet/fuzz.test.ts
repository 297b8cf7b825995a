import { describe, expect, it } from 'vitest';
import {
  midExtension,
  readMid,
  readRepairedRid,
  readRid,
  ridExtension,
} from './extension-strings.js';
import {
  absSendTimeExtension,
  audioLevelExtension,
  playoutDelayExtension,
  readAbsSendTime,
  readAudioLevel,
  readPlayoutDelay,
  readTransportSequenceNumber,
  readVideoOrientation,
  transportSequenceNumberExtension,
  videoOrientationExtension,
  writeTransportSequenceNumber,
} from './extension-values.js';
import { parseRtp } from './rtp-packet.js';
import { serializeRtp } from './serialize.js';
import { seededRandom } from './testing-fixtures.js';

/** Seed packets covering both extension forms, other profiles, CSRCs and padding. */
function corpus(): Uint8Array[] {
  const base = {
    payloadType: 96,
    sequenceNumber: 65535,
    timestamp: 1,
    ssrc: 2,
    payload: new Uint8Array(40).fill(5),
  };
  const ext = [
    midExtension(1, 'audio'),
    ridExtension(2, 'hi'),
    absSendTimeExtension(3, 0x123456),
    transportSequenceNumberExtension(4, 7),
    audioLevelExtension(5, { voiceActivity: true, level: 30 }),
    videoOrientationExtension(6, { backFacing: false, flip: true, rotation: 90 }),
    playoutDelayExtension(7, { minMs: 0, maxMs: 100 }),
  ];
  return [
    serializeRtp(base),
    serializeRtp({ ...base, extensions: ext }),
    serializeRtp({ ...base, extensions: ext, extensionForm: 'two-byte' }),
    serializeRtp({ ...base, csrcs: [1, 2, 3], paddingSize: 4, extensions: ext.slice(0, 3) }),
    serializeRtp({ ...base, rawExtension: { profile: 7, data: new Uint8Array(8) } }),
  ];
}

describe('fuzz', () => {
  it('parses 1 000 000 mutated packets and reads every extension without a throw', () => {
    const rand = seededRandom(0x5eed);
    const r = (n: number): number => Math.floor(rand() * n);
    const seeds = corpus();
    const N = Number(process.env.FUZZ_N ?? 1_000_000);
    const scratch = new Uint8Array(2048);
    let ok = 0;
    let sink = 0;
    let bad = 0;
    const started = performance.now();
    for (let i = 0; i < N; i++) {
      const seed = seeds[r(seeds.length)]!;
      let len = seed.length;
      scratch.set(seed);
      const edits = 1 + r(4);
      for (let k = 0; k < edits; k++) {
        switch (r(6)) {
          case 0: // truncate
            len = r(len + 1);
            break;
          case 1: // first byte: version, P, X, CC
            scratch[0] = r(256);
            break;
          case 2: // extension header: profile and length
            scratch[12 + r(8)] = r(256);
            break;
          case 3: // append garbage
            for (let n = r(40); n > 0 && len < scratch.length; n--) scratch[len++] = r(256);
            break;
          default: // any byte
            if (len) scratch[r(len)] = r(256);
        }
      }
      const p = parseRtp(scratch.subarray(0, len));
      if (typeof p === 'string') continue;
      ok++;
      sink += p.payload.length + p.csrcs.length + p.extensions().length + p.sequenceNumber;
      for (let id = 0; id < 16; id++) {
        sink += readMid(p, id)?.length ?? 0;
        sink += readRid(p, id)?.length ?? 0;
        sink += readRepairedRid(p, id)?.length ?? 0;
        sink += readAbsSendTime(p, id) ?? 0;
        sink += readTransportSequenceNumber(p, id) ?? 0;
        sink += readAudioLevel(p, id)?.level ?? 0;
        sink += readVideoOrientation(p, id)?.rotation ?? 0;
        sink += readPlayoutDelay(p, id)?.maxMs ?? 0;
      }
      writeTransportSequenceNumber(p, 4, i & 0xffff);
      if (p.headerSize + p.payloadSize + p.paddingSize !== len || p.payloadSize < 0) bad++;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `rtp fuzz: ${N} inputs, ${ok} parsed, ${Math.round(N / seconds)} inputs/s (${sink > 0})`,
    );
    expect(bad).toBe(0);
    expect(ok).toBeGreaterThan(N / 10);
  }, 60_000);
});
