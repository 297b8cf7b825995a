import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ppid } from './constants.js';
import { DcepEndpoint } from './endpoint.js';
import { StreamIdError } from './errors.js';
import {
  type DcepMessage,
  encodeDcepMessage,
  openFromParameters,
  tryDecodeDcepMessage,
} from './message.js';

// A fast deterministic PRNG (xorshift32), so a failure reproduces.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const fixtures = new URL('./fixtures/', import.meta.url);
const CAPTURED = readdirSync(fixtures)
  .filter((f) => f.endsWith('.bin'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(new URL(f, fixtures))));

const SEEDS: Uint8Array[] = [
  ...CAPTURED,
  Uint8Array.of(2),
  encodeDcepMessage(openFromParameters({})),
  encodeDcepMessage(openFromParameters({ label: 'chat', protocol: 'json' })),
  encodeDcepMessage(openFromParameters({ ordered: false, maxRetransmits: 3, label: 'ü' })),
  encodeDcepMessage(openFromParameters({ maxPacketLifeTime: 100, label: '🚀', protocol: 'x' })),
  encodeDcepMessage(
    openFromParameters({ ordered: false, maxPacketLifeTime: 1, label: 'a'.repeat(40) }),
  ),
];

function sameMessage(a: DcepMessage, b: DcepMessage): boolean {
  if (a.type === 'ack' || b.type === 'ack') return a.type === b.type;
  return (
    a.channelType === b.channelType &&
    a.priority === b.priority &&
    a.reliabilityParameter === b.reliabilityParameter &&
    a.label === b.label &&
    a.protocol === b.protocol
  );
}

function mutate(next: () => number, seed: Uint8Array, scratch: Uint8Array): Uint8Array {
  let length = seed.length;
  scratch.set(seed);
  const edits = 1 + (next() % 4);
  for (let e = 0; e < edits; e++) {
    const r = next();
    const at = length === 0 ? 0 : r % length;
    switch ((r >>> 24) % 6) {
      case 0: // flip one bit
        if (length > 0) scratch[at] = (scratch[at] as number) ^ (1 << ((r >>> 8) % 8));
        break;
      case 1: // random byte
        if (length > 0) scratch[at] = r >>> 16;
        break;
      case 2: // truncate
        length = at;
        break;
      case 3: // append random bytes
        for (let k = (r >>> 8) % 5; k > 0 && length < scratch.length; k--)
          scratch[length++] = next();
        break;
      case 4: // rewrite a length field (label length at 8, protocol length at 10)
        if (length >= 12) {
          const off = (r & 0x100) === 0 ? 8 : 10;
          scratch[off] = 0;
          scratch[off + 1] = (r >>> 16) % 64;
        }
        break;
      default: // set the message type
        if (length > 0) scratch[0] = (r >>> 12) % 5;
        break;
    }
  }
  return scratch.subarray(0, length);
}

describe('DCEP fuzz', () => {
  it('decodes 1,000,000 mutated messages without throwing; whatever decodes re-encodes', () => {
    const next = rng(0x8832);
    const scratch = new Uint8Array(256);
    let ok = 0;
    let failed = 0;
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      const input = mutate(next, SEEDS[i % SEEDS.length] as Uint8Array, scratch);
      const result = tryDecodeDcepMessage(input);
      if (result.ok) {
        ok++;
        // Anything accepted is a message this codec itself would produce, and means the same.
        const again = tryDecodeDcepMessage(encodeDcepMessage(result.message));
        if (!again.ok)
          throw new Error(`re-encoding failed for ${Buffer.from(input).toString('hex')}`);
        if (!sameMessage(again.message, result.message)) {
          throw new Error(`re-encoding changed ${Buffer.from(input).toString('hex')}`);
        }
      } else {
        failed++;
        if (result.error.offset < 0 || result.error.offset > input.length) {
          throw new Error(`offset out of range for ${Buffer.from(input).toString('hex')}`);
        }
      }
    }
    const ms = performance.now() - started;
    console.log(
      `DCEP fuzz: 1,000,000 messages in ${ms.toFixed(0)} ms (${((1e6 / ms) * 1000).toFixed(0)}/s), ${ok} decoded, ${failed} rejected`,
    );
    expect(ok + failed).toBe(1_000_000);
    // The mutations must exercise both paths, or the fuzz proves nothing.
    expect(ok).toBeGreaterThan(10_000);
    expect(failed).toBeGreaterThan(100_000);
  });

  it('feeds 200,000 mutated messages with random PPIDs and streams to endpoints without throwing', () => {
    const next = rng(0x8831);
    const scratch = new Uint8Array(256);
    const ppids = [
      Ppid.Dcep,
      Ppid.Dcep,
      Ppid.Dcep,
      Ppid.String,
      Ppid.Binary,
      52,
      54,
      56,
      57,
      0,
      1234,
    ];
    let endpoint = new DcepEndpoint('client', { maxStreams: 64 });
    const kinds = new Map<string, number>();
    let fullCount = 0;
    for (let i = 0; i < 200_000; i++) {
      if (i % 5000 === 0)
        endpoint = new DcepEndpoint(i % 10000 === 0 ? 'client' : 'server', { maxStreams: 64 });
      const r = next();
      const input = mutate(next, SEEDS[i % SEEDS.length] as Uint8Array, scratch);
      const stream = r % 70;
      const result = endpoint.receive(stream, ppids[(r >>> 8) % ppids.length] as number, input);
      kinds.set(result.kind, (kinds.get(result.kind) ?? 0) + 1);
      if ((r >>> 20) % 16 === 0) {
        try {
          endpoint.open({});
        } catch (error) {
          // The only acceptable failure: this side's ids are used up.
          if (!StreamIdError.isInstance(error)) throw error;
          fullCount++;
        }
      }
      if ((r >>> 20) % 16 === 1) endpoint.streamReset(stream);
    }
    for (const kind of ['channel-open', 'message', 'reject', 'dropped']) {
      expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
    expect(fullCount).toBeGreaterThan(0);
  });
});
