import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { StunAttr } from './constants.js';
import { verifyFingerprint, verifyIntegrity } from './integrity.js';
import { decodeStun } from './message.js';
import { StunWriter } from './writer.js';

// A seeded xorshift32, so that a failure reproduces.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

it('a million mutated STUN messages go through the decoder without a throw', () => {
  const dir = new URL('./fixtures/', import.meta.url);
  const seeds: Buffer[] = readdirSync(dir).map((f) =>
    Buffer.from(readFileSync(new URL(f, dir), 'utf8').replace(/\s+/g, ''), 'hex'),
  );
  seeds.push(
    new StunWriter(3, 0)
      .addXorAddress(StunAttr.XorPeerAddress, '2001:db8::1', 5)
      .addErrorCode(438, 'Stale Nonce')
      .addUnknownAttributes([1, 2, 3])
      .finish({ integrity: 'k', integritySha256: 'k', fingerprint: true }),
  );
  const random = rng(0xc0ffee);
  const scratch = Buffer.alloc(256);
  let decoded = 0;
  const N = 1_000_000;
  for (let i = 0; i < N; i++) {
    const seed = seeds[i % seeds.length]!;
    let len = seed.length;
    scratch.set(seed, 0);
    switch (i & 3) {
      case 0: // flip a few bits
        for (let k = 0; k < 1 + (i % 4); k++) scratch[Math.floor(random() * len)]! ^= 1 << (i & 7);
        break;
      case 1: // truncate (and fix the length field sometimes)
        len = Math.floor(random() * len);
        if (len >= 4 && i & 4) scratch.writeUInt16BE((len - 20) & 0xfffc, 2);
        break;
      case 2: // overwrite an attribute length
        if (len > 24)
          scratch.writeUInt16BE(
            Math.floor(random() * 0x10000),
            22 + 4 * Math.floor(random() * ((len - 24) / 4)),
          );
        break;
      default: // random bytes after a valid header
        len = 20 + 4 * Math.floor(random() * 40);
        for (let k = 20; k < len; k++) scratch[k] = (random() * 256) | 0;
        scratch.writeUInt16BE(len - 20, 2);
    }
    const view = scratch.subarray(0, len);
    const m = decodeStun(view);
    if (m !== undefined) {
      decoded++;
      // Every accessor must cope with whatever passed the framing checks.
      m.getXorAddress();
      m.getAddress();
      m.getErrorCode();
      m.getUnknownAttributes();
      m.getString(StunAttr.Username);
      m.getUint64(StunAttr.IceControlling);
      m.unknownComprehensionRequired();
      if ((i & 63) === 0) {
        verifyIntegrity(m, 'k');
        verifyFingerprint(m);
      }
    }
  }
  expect(decoded).toBeGreaterThan(N / 10);
}, 60_000);
