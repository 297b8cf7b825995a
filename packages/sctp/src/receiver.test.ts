import { describe, expect, it } from 'vitest';
import { decodeChunkAt, type SackChunk } from './chunk.js';
import { AcceptResult, Receiver } from './receiver.js';

const B = 2;
const E = 1;
const U = 4;

function make(initialTsn = 100, buffer = 100_000) {
  const got: Array<[number, number, string]> = [];
  const r = new Receiver(initialTsn, buffer, 1 << 20, (sid, ppid, d) =>
    got.push([sid, ppid, Buffer.from(d).toString()]),
  );
  const put = (tsn: number, flags: number, sid: number, ssn: number, text: string): number => {
    const payload = Buffer.from(text);
    const res = r.accept(tsn >>> 0, payload.length);
    if (res === AcceptResult.New) r.deliver(flags, tsn >>> 0, sid, ssn, 51, payload);
    return res;
  };
  const sack = (): SackChunk => {
    const buf = new Uint8Array(2000);
    const len = r.writeSack(buf, 0, 100);
    return decodeChunkAt(buf, 0, len) as SackChunk;
  };
  return { r, got, put, sack };
}

describe('Receiver', () => {
  it('reports gap blocks and duplicate TSNs (RFC 9260 §3.3.4)', () => {
    const { put, sack } = make(100);
    put(100, B | E, 0, 0, 'a');
    put(102, B | E, 0, 2, 'c');
    put(103, B | E, 0, 3, 'd');
    put(106, B | E, 0, 6, 'g');
    expect(put(102, B | E, 0, 2, 'c')).toBe(AcceptResult.Duplicate);
    expect(put(99, B | E, 0, 0, 'z')).toBe(AcceptResult.Duplicate);
    const s = sack();
    expect(s.cumulativeTsnAck).toBe(100);
    expect(s.gapBlocks).toEqual([
      { start: 2, end: 3 },
      { start: 6, end: 6 },
    ]);
    expect(s.duplicateTsns).toEqual([102, 99]);
    expect(sack().duplicateTsns).toEqual([]); // reported once
  });

  it('tracks out-of-order TSNs across word boundaries of its bit table and the 2^32 wrap', () => {
    // The received-TSN table is indexed by TSN mod 2^16, one bit each: every other TSN from
    // 2^32 - 40 on crosses several 32-bit words and the TSN wrap.
    const first = 2 ** 32 - 40;
    const { r, put, sack } = make(first);
    put(first, B | E, 1, 0, 'x');
    for (let k = 2; k < 80; k += 2) put(first + k, B | E | U, 1, 0, 'o');
    const s = sack();
    expect(s.cumulativeTsnAck).toBe(first);
    expect(s.gapBlocks).toHaveLength(39);
    expect(s.gapBlocks[38]).toEqual({ start: 78, end: 78 });
    expect(put(first + 40, B | E | U, 1, 0, 'o')).toBe(AcceptResult.Duplicate);
    // Filling the holes moves the cumulative TSN over everything, and no stale bit is left.
    for (let k = 1; k < 80; k += 2) put(first + k, B | E | U, 1, 0, 'o');
    expect(r.cumulativeTsn).toBe((first + 79) >>> 0);
    expect(sack().gapBlocks).toEqual([]);
    expect(put(first + 80, B | E | U, 1, 0, 'o')).toBe(AcceptResult.New);
    expect(put(first + 80 + 65536 - 1, B | E | U, 1, 0, 'o')).toBe(AcceptResult.OutOfWindow);
  });

  it('delivers ordered messages in SSN order and unordered ones at once', () => {
    const { put, got } = make(1);
    put(2, B | E, 1, 1, 'second');
    put(3, B | E | U, 1, 0, 'unordered');
    expect(got.map((g) => g[2])).toEqual(['unordered']);
    put(1, B | E, 1, 0, 'first');
    expect(got.map((g) => g[2])).toEqual(['unordered', 'first', 'second']);
  });

  it('reassembles fragments arriving in any order, across the TSN wrap', () => {
    const { put, got, r } = make(0xfffffffe);
    put(0x00000000, 0, 2, 0, 'cc');
    put(0x00000001, E, 2, 0, 'dd');
    put(0xfffffffe, B, 2, 0, 'aa');
    expect(got).toEqual([]);
    expect(r.held).toBe(6);
    put(0xffffffff, 0, 2, 0, 'bb');
    expect(got).toEqual([[2, 51, 'aabbccdd']]);
    expect(r.held).toBe(0);
    expect(r.cumulativeTsn).toBe(1);
  });

  it('drops a chunk beyond the window, and one that does not fit the buffer unless it fills the hole', () => {
    const { put, r } = make(10, 10);
    expect(put(10 + 0x8000, B | E, 0, 0, 'x')).toBe(AcceptResult.OutOfWindow);
    expect(put(12, B, 0, 0, '0123456789')).toBe(AcceptResult.New);
    expect(r.window).toBe(0);
    expect(put(13, E, 0, 0, 'more')).toBe(AcceptResult.NoSpace);
    expect(put(10, B | E, 0, 0, 'hole')).toBe(AcceptResult.New); // the next expected TSN
  });

  it('FORWARD-TSN skips abandoned TSNs and SSNs and releases what waited (RFC 3758 §3.6)', () => {
    const { put, got, r } = make(1);
    put(2, B, 3, 0, 'partial'); // message 0 never completes
    put(4, B | E, 3, 1, 'next');
    expect(got).toEqual([]);
    r.forward(3, [{ streamId: 3, ssn: 0 }]);
    expect(got).toEqual([[3, 51, 'next']]);
    expect(r.cumulativeTsn).toBe(4);
    expect(r.held).toBe(0);
  });

  it('a stream reset restarts its SSNs at 0 and leaves other streams alone', () => {
    const { put, got, r } = make(1);
    put(1, B | E, 5, 0, 'a');
    put(2, B | E, 6, 0, 'x');
    r.resetStreams([5]);
    put(3, B | E, 5, 0, 'b');
    put(4, B | E, 6, 1, 'y');
    expect(got.map((g) => g[2])).toEqual(['a', 'x', 'b', 'y']);
  });

  it('reassembles fragments arriving in order as a run, across the TSN wrap, holding their bytes', () => {
    const { put, got, r } = make(0xfffffffe);
    put(0xfffffffe, B, 2, 0, 'aa');
    expect(r.held).toBe(2);
    put(0xffffffff, 0, 2, 0, 'bb');
    put(0x00000000, 0, 2, 0, 'cc');
    expect(r.held).toBe(6);
    expect(got).toEqual([]);
    put(0x00000001, E, 2, 0, 'dd');
    expect(got).toEqual([[2, 51, 'aabbccdd']]);
    expect(r.held).toBe(0);
    // The next message on the stream, unordered, then one on another stream.
    put(2, B | U, 2, 0, 'ee');
    put(3, E | U, 2, 0, 'ff');
    put(4, B | E, 7, 0, 'other');
    expect(got.slice(1)).toEqual([
      [2, 51, 'eeff'],
      [7, 51, 'other'],
    ]);
    expect(r.held).toBe(0);
  });

  it('moves a run to the map when a fragment is missing, and completes it on the retransmission', () => {
    const { put, got, r } = make(1);
    put(1, B, 1, 0, 'a1');
    put(2, 0, 1, 0, 'a2');
    // TSN 3 (the End of SSN 0) is lost; SSN 1 arrives whole in two fragments.
    put(4, B, 1, 1, 'b1');
    put(5, E, 1, 1, 'b2');
    expect(got).toEqual([]);
    expect(r.held).toBe(8); // a1 a2 held as fragments, b1b2 waiting for SSN 0
    put(3, E, 1, 0, 'a3');
    expect(got.map((g) => g[2])).toEqual(['a1a2a3', 'b1b2']);
    expect(r.held).toBe(0);
    // A fragment that does not follow the run (a middle one first) also leaves it for the map.
    put(6, B, 1, 2, 'c1');
    put(8, E, 1, 2, 'c3');
    put(7, 0, 1, 2, 'c2');
    expect(got.map((g) => g[2])).toEqual(['a1a2a3', 'b1b2', 'c1c2c3']);
    expect(r.held).toBe(0);
  });

  it('a stream reset drops the run of that stream with its bytes', () => {
    const { put, got, r } = make(1);
    // Stream 5's message loses its End (TSN 2); stream 6's is open when the reset comes.
    put(1, B, 5, 0, 'half');
    put(3, B, 6, 0, 'kept');
    expect(r.held).toBe(8);
    r.resetStreams([5]);
    expect(r.held).toBe(4);
    put(4, E, 6, 0, '!');
    put(5, B | E, 5, 0, 'new');
    expect(got.map((g) => g[2])).toEqual(['kept!', 'new']);
    expect(r.held).toBe(0);
  });
});
