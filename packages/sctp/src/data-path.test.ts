import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { prng } from './testing-lossy-pipe.js';
import { connectPair, makePair, type Pair } from './testing-pair.js';

async function connect(clock: VirtualClock, p: Pair): Promise<void> {
  expect(await connectPair(clock, p)).toBe(true);
}

/** A message whose bytes encode its index, so corruption and reordering are detected. */
function message(i: number, size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let k = 0; k < size; k++) m[k] = (i + k * 7) & 0xff;
  if (size >= 4) new DataView(m.buffer).setUint32(0, i);
  return m;
}

function check(data: Uint8Array, i: number, size: number): boolean {
  if (data.length !== size) return false;
  const want = message(i, size);
  return Buffer.compare(Buffer.from(data), Buffer.from(want)) === 0;
}

describe('data path over an impaired link', () => {
  it('delivers 10 000 messages of mixed sizes complete and in order over 5 % loss, reordering and duplication', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 42, loss: 0.05, duplicate: 0.02, delayMs: 10, jitterMs: 8 });
    await connect(clock, p);
    const rand = prng(7);
    const sizes: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const r = rand();
      sizes.push(
        r < 0.6
          ? 1 + Math.floor(rand() * 200)
          : r < 0.95
            ? 200 + Math.floor(rand() * 3000)
            : 3000 + Math.floor(rand() * 60_000),
      );
    }
    let next = 0;
    const pump = (): void => {
      while (next < sizes.length && p.a.assoc.bufferedAmount(3) < 256 * 1024) {
        p.a.assoc.send(3, 53, message(next, sizes[next]!));
        next++;
      }
    };
    pump();
    const done = await clock.runUntil(
      () => {
        pump();
        return p.b.messages.length === sizes.length;
      },
      { timeoutMs: 3_600_000 },
    );
    expect(done).toBe(true);
    let bad = 0;
    p.b.messages.forEach((m, i) => {
      if (m.streamId !== 3 || m.ppid !== 53 || !check(m.data, i, sizes[i]!)) bad++;
    });
    expect(bad).toBe(0);
    const s = p.a.assoc.stats;
    expect(s.retransmissions).toBeGreaterThan(0);
    // RTT timed on the first acknowledgement (gap or cumulative): one-way 10-18 ms.
    expect(s.srtt).toBeGreaterThan(15);
    expect(s.srtt).toBeLessThan(60);
    expect(p.b.assoc.stats.duplicateChunks).toBeGreaterThan(0);
    expect(p.a.assoc.stats.internalErrors + p.b.assoc.stats.internalErrors).toBe(0);
    p.close();
  });

  it('fragments and reassembles a 1 MiB message when both sides allow it', async () => {
    const clock = new VirtualClock();
    const p = makePair(
      clock,
      { seed: 3, loss: 0.02, jitterMs: 3 },
      {
        maxMessageSize: 1 << 20,
        remoteMaxMessageSize: 1 << 20,
      },
    );
    await connect(clock, p);
    p.a.assoc.send(0, 53, message(1, 1 << 20));
    p.a.assoc.send(0, 53, message(2, 256 * 1024), { ordered: false });
    expect(await clock.runUntil(() => p.b.messages.length === 2, { timeoutMs: 600_000 })).toBe(
      true,
    );
    const big = p.b.messages.find((m) => m.data.length === 1 << 20)!;
    expect(check(big.data, 1, 1 << 20)).toBe(true);
    p.close();
  });

  it('interleaves ordered and unordered messages on several streams', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 11, loss: 0.05, jitterMs: 10 });
    await connect(clock, p);
    for (let i = 0; i < 600; i++) {
      p.a.assoc.send(i % 3, 51, message(i, 100 + (i % 5) * 700), { ordered: i % 3 !== 2 });
    }
    expect(await clock.runUntil(() => p.b.messages.length === 600, { timeoutMs: 600_000 })).toBe(
      true,
    );
    for (const sid of [0, 1]) {
      const idx = p.b.messages
        .filter((m) => m.streamId === sid)
        .map((m) => new DataView(m.data.buffer, m.data.byteOffset).getUint32(0));
      expect(idx).toEqual([...idx].sort((x, y) => x - y));
    }
    expect(p.b.messages.filter((m) => m.streamId === 2)).toHaveLength(200);
    p.close();
  });

  it('sends empty messages with the WebRTC empty PPIDs', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock);
    await connect(clock, p);
    p.a.assoc.send(1, 56, new Uint8Array(0));
    p.a.assoc.send(1, 57, new Uint8Array(0));
    p.a.assoc.send(1, 51, Uint8Array.of(65));
    await clock.runUntil(() => p.b.messages.length === 3);
    expect(p.b.messages.map((m) => [m.ppid, m.data.length])).toEqual([
      [56, 0],
      [57, 0],
      [51, 1],
    ]);
    p.close();
  });

  it('accounts bufferedAmount per stream and signals the low threshold', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock);
    await connect(clock, p);
    p.a.assoc.setBufferedAmountLowThreshold(4, 10_000);
    for (let i = 0; i < 50; i++) p.a.assoc.send(4, 53, new Uint8Array(1000));
    p.a.assoc.send(5, 53, new Uint8Array(777));
    expect(p.a.assoc.bufferedAmount(4)).toBe(50_000);
    expect(p.a.assoc.bufferedAmount(5)).toBe(777);
    await clock.runUntil(() => p.b.messages.length === 51);
    expect(p.a.assoc.bufferedAmount(4)).toBe(0);
    expect(p.a.assoc.bufferedAmount(5)).toBe(0);
    // Stream 5 has the default threshold 0: reaching 0 signals too (W3C bufferedamountlow).
    expect([...p.a.low].sort()).toEqual([4, 5]);
    p.close();
  });
});
