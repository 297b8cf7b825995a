import { describe, expect, it } from 'vitest';
import { crc32c, crc32cUpdate, sctpChecksum } from './crc32c.js';

// Bitwise reference, one bit at a time.
function slow(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the check value and the RFC 3720 §B.4 vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('agrees with the bitwise reference on every length and alignment', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= 300; end += 7) {
        expect(crc32c(data, start, end)).toBe(slow(data.subarray(start, end)));
      }
    }
  });

  it('reads the current bytes of a buffer it read before, and of others in turn', () => {
    // The word view of the last buffer is kept between calls (a sender's packet buffer).
    const a = new Uint8Array(1200).fill(7);
    const b = new Uint8Array(new ArrayBuffer(4096), 100, 3000).fill(9);
    const first = crc32c(a);
    expect(first).toBe(slow(a));
    a[600] = 8;
    expect(crc32c(a)).toBe(slow(a));
    expect(crc32c(b, 3, 2999)).toBe(slow(b.subarray(3, 2999)));
    a[600] = 7;
    expect(crc32c(a)).toBe(first);
    // A view at the end of a larger buffer, and a shorter buffer after a longer one.
    const tail = new Uint8Array(new ArrayBuffer(4099)).subarray(4099 - 200).fill(5);
    expect(crc32c(tail)).toBe(slow(tail));
    expect(crc32c(a.subarray(1, 100))).toBe(slow(a.subarray(1, 100)));
  });

  it('can be computed in pieces', () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const c = crc32cUpdate(crc32cUpdate(0xffffffff, data, 0, 33), data, 33, 100);
    expect(~c >>> 0).toBe(crc32c(data));
  });

  it('computes the packet checksum as if the field were zero', () => {
    const p = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
    const z = p.slice();
    z.fill(0, 8, 12);
    expect(sctpChecksum(p)).toBe(crc32c(z));
  });
});
