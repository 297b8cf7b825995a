/**
 * Fuzzing every depacketizer with 10^6 mutated payload lists each (seeded, deterministic): no
 * method may throw on any input from the network (issue 18, item 4).
 */

import { describe, expect, it } from 'vitest';
import { Av1Depacketizer } from './av1.js';
import { Av1Payloader } from './av1-payloader.js';
import type { Depacketizer, Payloader } from './depacketizer.js';
import { G711Depacketizer, G711Payloader } from './g711.js';
import { H264Depacketizer } from './h264.js';
import { H264Payloader } from './h264-payloader.js';
import { OpusDepacketizer, OpusPayloader } from './opus.js';
import {
  av1TemporalUnit,
  h264AccessUnit,
  prng,
  readFixture,
  vp8Frame,
  vp9Frame,
} from './testing-frames.js';
import { Vp8Depacketizer, Vp8Payloader } from './vp8.js';
import { Vp9Depacketizer } from './vp9.js';
import { Vp9Payloader } from './vp9-payloader.js';

const ITERATIONS = 1_000_000;

type Rng = ReturnType<typeof prng>;

interface Target {
  readonly name: string;
  readonly depacketizer: Depacketizer;
  readonly payloader: () => Payloader;
  readonly frame: (rng: Rng, size: number, key: boolean) => Uint8Array;
  readonly fixture?: string;
}

const targets: Target[] = [
  {
    name: 'Opus',
    depacketizer: new OpusDepacketizer(),
    payloader: () => new OpusPayloader(),
    frame: (rng, size) => Uint8Array.from({ length: Math.min(size, 16) }, () => rng.byte()),
  },
  {
    name: 'G.711',
    depacketizer: new G711Depacketizer(),
    payloader: () => new G711Payloader({ samplesPerPacket: 20 }),
    frame: (rng, size) => Uint8Array.from({ length: size }, () => rng.byte()),
  },
  {
    name: 'VP8',
    depacketizer: new Vp8Depacketizer(),
    payloader: () => new Vp8Payloader(),
    frame: (rng, size, key) => vp8Frame(rng, Math.max(size, 10), key),
    fixture: 'vp8.txt',
  },
  {
    name: 'VP9',
    depacketizer: new Vp9Depacketizer(),
    payloader: () => new Vp9Payloader(),
    frame: (rng, size, key) => vp9Frame(rng, Math.max(size, 9), key),
    fixture: 'vp9.txt',
  },
  {
    name: 'H.264',
    depacketizer: new H264Depacketizer(),
    payloader: () => new H264Payloader(),
    frame: (rng, size, key) => h264AccessUnit(rng, size, key, 1 + rng.int(3)),
    fixture: 'h264.txt',
  },
  {
    name: 'AV1',
    depacketizer: new Av1Depacketizer(),
    payloader: () => new Av1Payloader(),
    frame: av1TemporalUnit,
    fixture: 'av1.txt',
  },
];

/** Valid payload lists to start from: frames of many sizes through small MTUs, and fixtures. */
function corpus(target: Target, rng: Rng): Uint8Array[][] {
  const lists: Uint8Array[][] = [];
  for (let i = 0; i < 96; i++) {
    const frame = target.frame(rng, 1 + rng.int(i < 48 ? 40 : 400), rng.int(2) === 0);
    lists.push(target.payloader().packetize(frame, 16 + rng.int(100)));
  }
  if (target.fixture !== undefined) {
    for (const c of readFixture(target.fixture)) lists.push(c.payloads);
  }
  return lists;
}

/** One mutation of `list`: bytes flipped, set or cut, packets dropped, duplicated or swapped. */
function mutate(list: readonly Uint8Array[], rng: Rng): Uint8Array[] {
  const out = list.slice();
  const ops = 1 + rng.int(3);
  for (let op = 0; op < ops; op++) {
    const kind = rng.int(8);
    const index = rng.int(Math.max(out.length, 1));
    const payload = out[index] ?? new Uint8Array(0);
    if (kind <= 2 && payload.length > 0) {
      const copy = payload.slice();
      const at = rng.int(Math.min(copy.length, kind === 0 ? 4 : copy.length));
      copy[at] = kind === 2 ? rng.byte() : copy[at]! ^ (1 << rng.int(8));
      out[index] = copy;
    } else if (kind === 3) {
      out[index] = payload.subarray(0, rng.int(payload.length + 1));
    } else if (kind === 4 && out.length > 1) {
      out.splice(index, 1);
    } else if (kind === 5) {
      out.splice(index, 0, payload);
    } else if (kind === 6 && out.length > 1) {
      const other = rng.int(out.length);
      out[index] = out[other]!;
      out[other] = payload;
    } else {
      const random = new Uint8Array(rng.int(12));
      for (let i = 0; i < random.length; i++) random[i] = rng.byte();
      out[index] = random;
    }
  }
  return out;
}

describe('depacketizer fuzz: 10^6 mutated inputs each, never a throw', () => {
  for (const target of targets) {
    it(`${target.name}`, { timeout: 60_000 }, () => {
      const rng = prng(0x5eed + target.name.length);
      const seeds = corpus(target, rng);
      const d = target.depacketizer;
      let frames = 0;
      let starts = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const list = mutate(seeds[rng.int(seeds.length)]!, rng);
        for (let k = 0; k < list.length; k++) {
          const payload = list[k]!;
          if (d.isFrameStart(payload)) starts++;
          d.isFrameEnd(payload, k === list.length - 1);
          d.isKeyframe(payload);
        }
        const frame = d.assemble(list);
        if (frame !== undefined) {
          frames++;
          if (frame.length === 0) throw new Error('an empty frame');
        }
      }
      if (process.env.FUZZ_STATS) {
        console.info(`${target.name}: ${ITERATIONS} inputs, ${frames} frames, ${starts} starts`);
      }
      // The mutations keep some inputs valid, so both outcomes are exercised.
      expect(frames).toBeGreaterThan(1000);
      expect(frames).toBeLessThan(ITERATIONS);
      expect(starts).toBeGreaterThan(1000);
    });
  }
});
