import { describe, expect, it } from 'vitest';
import { StreamIdError } from './errors.js';
import { StreamIdAllocator, streamIdParity } from './stream-ids.js';

describe('StreamIdAllocator (RFC 8832 §6)', () => {
  it('gives the DTLS client even ids and the server odd ids, lowest first', () => {
    const client = new StreamIdAllocator('client');
    const server = new StreamIdAllocator('server');
    expect([client.allocate(), client.allocate(), client.allocate()]).toEqual([0, 2, 4]);
    expect([server.allocate(), server.allocate(), server.allocate()]).toEqual([1, 3, 5]);
    expect(streamIdParity('client')).toBe(0);
    expect(streamIdParity('server')).toBe(1);
    expect(client.isLocalParity(8)).toBe(true);
    expect(client.isLocalParity(9)).toBe(false);
    expect(server.isLocalParity(9)).toBe(true);
  });

  it('reuses an id after release, and skips reserved ones', () => {
    const ids = new StreamIdAllocator('client');
    expect(ids.reserve(0)).toBe(true);
    expect(ids.reserve(3)).toBe(true);
    expect(ids.allocate()).toBe(2);
    expect(ids.allocate()).toBe(4);
    expect(ids.size).toBe(4);
    expect(ids.release(2)).toBe(true);
    expect(ids.release(2)).toBe(false);
    expect(ids.allocate()).toBe(2);
    expect(ids.reserve(4)).toBe(false);
    expect(ids.isUsed(4)).toBe(true);
    expect(ids.isUsed(6)).toBe(false);
  });

  it('runs out at maxStreams and recovers after a release', () => {
    const ids = new StreamIdAllocator('server', { maxStreams: 6 });
    expect([ids.allocate(), ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([
      1,
      3,
      5,
      undefined,
    ]);
    ids.release(3);
    expect(ids.allocate()).toBe(3);
    expect(() => ids.reserve(6)).toThrow(StreamIdError);
  });

  it('never hands out 65535 and uses the whole even space', () => {
    const ids = new StreamIdAllocator('server');
    let last = -1;
    let count = 0;
    for (let id = ids.allocate(); id !== undefined; id = ids.allocate()) {
      last = id;
      count++;
    }
    expect(last).toBe(65533);
    expect(count).toBe(32767);
    expect(() => ids.reserve(65535)).toThrow(/not an integer/);
    const even = new StreamIdAllocator('client');
    let n = 0;
    while (even.allocate() !== undefined) n++;
    expect(n).toBe(32768);
  });

  it('rejects invalid ids and bad options', () => {
    const ids = new StreamIdAllocator('client');
    expect(() => ids.reserve(-1)).toThrow(StreamIdError);
    expect(() => ids.reserve(1.5)).toThrow(StreamIdError);
    expect(ids.release(-1)).toBe(false);
    expect(() => new StreamIdAllocator('client', { maxStreams: 0 })).toThrow(/maxStreams/);
    expect(() => new StreamIdAllocator('client', { maxStreams: 70000 })).toThrow(/maxStreams/);
  });
});
