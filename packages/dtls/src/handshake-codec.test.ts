import { describe, expect, it } from 'vitest';
import {
  encodeHandshake,
  fragmentHandshake,
  readFragments,
  Reassembler,
} from './handshake-codec.js';

const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));

describe('handshake fragmentation and reassembly (RFC 6347 §4.2.3)', () => {
  it('encodes the unfragmented form with offset 0 and fragment_length = length', () => {
    const m = encodeHandshake(11, 5, body);
    expect(m.raw.subarray(0, 12).toString('hex')).toBe(
      '0b' + '0003e8' + '0005' + '000000' + '0003e8',
    );
    expect(m.body.equals(body)).toBe(true);
  });

  it('splits to the size asked and reassembles in any order, with duplicates', () => {
    const m = encodeHandshake(11, 0, body);
    const frags = fragmentHandshake(m, 97);
    expect(frags).toHaveLength(11);
    const shuffled = [...frags, frags[3]!, frags[0]!].reverse();
    const r = new Reassembler();
    for (const f of shuffled) for (const parsed of readFragments(f)) r.add(parsed);
    const out = r.shift()!;
    expect(out.raw.equals(m.raw)).toBe(true);
    expect(r.shift()).toBeUndefined();
  });

  it('reassembles overlapping fragments of different sizes', () => {
    const m = encodeHandshake(2, 0, body);
    const r = new Reassembler();
    const frags = [...fragmentHandshake(m, 300), ...fragmentHandshake(m, 128)];
    for (const f of frags.slice(0, 2)) for (const p of readFragments(f)) r.add(p);
    expect(r.shift()).toBeUndefined();
    for (const f of frags.slice(4)) for (const p of readFragments(f)) r.add(p);
    expect(r.shift()!.body.equals(body)).toBe(true);
  });

  it('releases messages strictly in message_seq order', () => {
    const r = new Reassembler();
    r.add(readFragments(encodeHandshake(14, 1, Buffer.alloc(0)).raw)[0]!);
    expect(r.shift()).toBeUndefined();
    r.add(readFragments(encodeHandshake(2, 0, Buffer.of(1)).raw)[0]!);
    expect(r.shift()!.type).toBe(2);
    expect(r.shift()!.type).toBe(14);
    expect(r.add(readFragments(encodeHandshake(2, 0, Buffer.of(1)).raw)[0]!)).toBe('old');
    expect(r.add(readFragments(encodeHandshake(2, 99, Buffer.of(1)).raw)[0]!)).toBe('ignored');
  });

  it('ignores a fragment whose type or length contradicts the earlier ones', () => {
    const r = new Reassembler();
    const [a, b] = fragmentHandshake(encodeHandshake(11, 0, body), 600);
    r.add(readFragments(a!)[0]!);
    const other = readFragments(fragmentHandshake(encodeHandshake(12, 0, body), 600)[1]!)[0]!;
    expect(r.add(other)).toBe('ignored');
    r.add(readFragments(b!)[0]!);
    expect(r.shift()!.type).toBe(11);
  });

  it('reads several fragments from one record and refuses inconsistent headers', () => {
    const two = Buffer.concat([
      encodeHandshake(14, 3, Buffer.alloc(0)).raw,
      encodeHandshake(20, 4, Buffer.alloc(12)).raw,
    ]);
    expect(readFragments(two).map((f) => [f.type, f.seq])).toEqual([
      [14, 3],
      [20, 4],
    ]);
    const bad = Buffer.from(encodeHandshake(14, 3, Buffer.alloc(4)).raw);
    bad.writeUIntBE(2, 6, 3); // offset 2 + fragment 4 > length 4
    expect(() => readFragments(bad)).toThrow(/past message end/);
    expect(() => readFragments(bad.subarray(0, 8))).toThrow(/truncated/);
  });
});
