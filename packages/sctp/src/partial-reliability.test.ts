import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { AssociationState } from './state.js';
import { makePair, type Pair } from './testing-pair.js';

async function connect(clock: VirtualClock, p: Pair): Promise<void> {
  p.a.assoc.connect();
  p.b.assoc.connect();
  await clock.runUntil(
    () =>
      p.a.assoc.state === AssociationState.Connected &&
      p.b.assoc.state === AssociationState.Connected,
  );
}

const idx = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset).getUint32(0);
const msg = (i: number, size: number): Uint8Array => {
  const m = new Uint8Array(size);
  new DataView(m.buffer).setUint32(0, i);
  return m;
};

describe('partial reliability (RFC 3758)', () => {
  it('maxRetransmits 0 never retransmits: losses are skipped with FORWARD-TSN and order holds', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 5, loss: 0.1, jitterMs: 4 });
    await connect(clock, p);
    for (let i = 0; i < 2000; i++)
      p.a.assoc.send(2, 53, msg(i, i % 10 === 0 ? 5000 : 300), { maxRetransmits: 0 });
    // A reliable stream beside it still gets everything.
    for (let i = 0; i < 200; i++) p.a.assoc.send(1, 53, msg(i, 800));
    await clock.runUntil(
      () =>
        p.a.assoc.stats.flightSize === 0 &&
        p.a.assoc.totalBufferedAmount === 0 &&
        p.b.messages.filter((m) => m.streamId === 1).length === 200,
      { timeoutMs: 600_000 },
    );
    await clock.advance(5000);
    const got = p.b.messages.filter((m) => m.streamId === 2).map((m) => idx(m.data));
    expect(got.length).toBeLessThan(2000);
    expect(got.length).toBeGreaterThan(1500);
    expect(got).toEqual([...got].sort((x, y) => x - y)); // ordered, with holes
    expect(p.a.assoc.stats.abandonedMessages).toBeGreaterThan(0);
    // The reliable stream beside it lost nothing.
    const reliable = p.b.messages.filter((m) => m.streamId === 1).map((m) => idx(m.data));
    expect(reliable).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // The sender's view and the receiver's agree: nothing pending.
    expect(p.a.assoc.stats.flightSize).toBe(0);
    p.close();
  });

  it('maxRetransmits 2 delivers what survives three tries, unordered', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 9, loss: 0.3, jitterMs: 2 });
    await connect(clock, p);
    for (let i = 0; i < 1000; i++)
      p.a.assoc.send(0, 53, msg(i, 200), { maxRetransmits: 2, ordered: false });
    await clock.runUntil(
      () => p.a.assoc.stats.flightSize === 0 && p.a.assoc.totalBufferedAmount === 0,
      { timeoutMs: 600_000 },
    );
    await clock.advance(10_000);
    const n = p.b.messages.length;
    // Each message gets up to 3 transmissions at 30 % loss: about 97 % arrive, not all.
    expect(n).toBeGreaterThan(900);
    expect(n).toBeLessThan(1000);
    expect(new Set(p.b.messages.map((m) => idx(m.data))).size).toBe(n); // no duplicates delivered
    p.close();
  });

  it('maxPacketLifeTime abandons messages that cannot arrive in time', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 1, delayMs: 50 });
    await connect(clock, p);
    p.link.down = true;
    for (let i = 0; i < 20; i++) p.a.assoc.send(0, 53, msg(i, 3000), { maxPacketLifeTime: 300 });
    await clock.advance(2000); // T3 fires after the lifetime: everything is abandoned
    p.link.down = false;
    for (let i = 20; i < 25; i++) p.a.assoc.send(0, 53, msg(i, 100), { maxPacketLifeTime: 5000 });
    await clock.runUntil(() => p.b.messages.length === 5, { timeoutMs: 60_000 });
    expect(p.b.messages.map((m) => idx(m.data))).toEqual([20, 21, 22, 23, 24]);
    expect(p.a.assoc.stats.abandonedMessages).toBe(20);
    p.close();
  });

  it('a FORWARD-TSN made due by abandoning a message while writing DATA leaves in that flush', async () => {
    // A chunk queued for retransmission whose message has no retransmissions left is abandoned
    // inside the DATA writer (RFC 3758 §3.5 A2); when nothing else fit in that packet, the
    // FORWARD-TSN used to wait for an unrelated later flush (the next SACK or T3-rtx).
    let pendingWhileIdle = 0;
    for (const seed of [1, 2, 3, 4]) {
      const clock = new VirtualClock();
      const p = makePair(clock, { seed, loss: 0.15, jitterMs: 3 });
      await connect(clock, p);
      for (let i = 0; i < 300; i++)
        p.a.assoc.send(i % 3, 53, msg(i, i % 7 === 0 ? 4000 : 300), { maxRetransmits: 0 });
      // Internal state, read for this check only: after every step, all output is flushed.
      const sender = (
        p.a.assoc as unknown as { session: { sender: { forwardTsnPending: boolean } } }
      ).session.sender;
      for (let t = 0; t < 2000; t++) {
        await clock.advance(1);
        if (sender.forwardTsnPending) pendingWhileIdle++;
      }
      p.close();
    }
    expect(pendingWhileIdle).toBe(0);
  });
});
