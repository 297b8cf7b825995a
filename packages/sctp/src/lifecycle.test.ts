import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { InvalidStreamError } from './errors.js';
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

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('stream reset (RFC 6525)', () => {
  it('resets one stream while others keep running, and the id is reusable', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 2, loss: 0.05, jitterMs: 5 });
    await connect(clock, p);
    for (let i = 0; i < 50; i++) {
      p.a.assoc.send(1, 51, text(`one ${i}`));
      p.a.assoc.send(2, 51, text(`two ${i}`));
    }
    p.a.assoc.resetStreams([1]);
    expect(() => p.a.assoc.send(1, 51, text('late'))).toThrow(InvalidStreamError);
    for (let i = 50; i < 100; i++) p.a.assoc.send(2, 51, text(`two ${i}`));
    // The data channel layer answers an incoming reset by resetting its own side (RFC 8831 §6.7).
    await clock.runUntil(() => p.b.incomingResets.length === 1, { timeoutMs: 60_000 });
    expect(p.b.incomingResets[0]).toEqual([1]);
    // Everything sent on stream 1 before the reset arrived first.
    expect(p.b.messages.filter((m) => m.streamId === 1)).toHaveLength(50);
    p.b.assoc.resetStreams([1]);
    await clock.runUntil(() => p.a.outgoingResets.length === 1 && p.b.outgoingResets.length === 1, {
      timeoutMs: 60_000,
    });
    expect(p.a.outgoingResets[0]).toEqual({ ids: [1], ok: true });
    expect(p.a.incomingResets).toEqual([[1]]);
    await clock.runUntil(() => p.b.messages.filter((m) => m.streamId === 2).length === 100, {
      timeoutMs: 60_000,
    });
    // Reuse: SSNs start again at 0 on both sides, so ordered delivery works at once.
    p.a.assoc.send(1, 51, text('again'));
    await clock.runUntil(() => p.b.messages.length === 151, { timeoutMs: 60_000 });
    expect(new TextDecoder().decode(p.b.messages.at(-1)!.data)).toBe('again');
    expect(p.a.assoc.state).toBe(AssociationState.Connected);
    p.close();
  });
});

describe('failure and teardown', () => {
  it('ends the association after Association.Max.Retrans timeouts on a dead path while sending', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, {}, { maxRetransmissions: 10, rtoMaxMs: 60_000 });
    await connect(clock, p);
    p.link.down = true;
    const start = clock.now();
    p.a.assoc.send(0, 51, text('into the void'));
    await clock.runUntil(() => p.a.assoc.state === AssociationState.Closed, {
      timeoutMs: 3_600_000,
    });
    expect(p.a.states.at(-1)?.cause).toEqual({
      kind: 'too-many-retransmissions',
      timer: 'data',
      attempts: 11,
    });
    // RTO 1 s (no sample yet on a fresh association... the handshake gave none either) doubling up to 60 s.
    const elapsed = clock.now() - start;
    expect(elapsed).toBeGreaterThan(100_000);
    expect(elapsed).toBeLessThan(700_000);
    expect(p.a.assoc.stats.t3Expirations).toBe(11);
    p.close();
  });

  it('ends an idle association through unanswered heartbeats', async () => {
    const clock = new VirtualClock();
    const p = makePair(
      clock,
      {},
      { heartbeatIntervalMs: 1000, maxRetransmissions: 3, rtoMaxMs: 2000 },
    );
    await connect(clock, p);
    await clock.advance(10_000);
    expect(p.a.assoc.state).toBe(AssociationState.Connected); // heartbeats answered
    p.link.down = true;
    await clock.runUntil(() => p.a.assoc.state === AssociationState.Closed, { timeoutMs: 60_000 });
    expect(p.a.states.at(-1)?.cause).toMatchObject({
      kind: 'too-many-retransmissions',
      timer: 'heartbeat',
    });
    p.close();
  });

  it('reports an ABORT with its cause to the peer', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock);
    await connect(clock, p);
    p.a.assoc.abort('going away');
    await clock.runUntil(() => p.b.assoc.state === AssociationState.Closed);
    expect(p.a.states.at(-1)?.cause).toEqual({ kind: 'aborted-locally', reason: 'going away' });
    expect(p.b.states.at(-1)?.cause).toEqual({
      kind: 'aborted-by-peer',
      causes: [{ code: 12, reason: 'going away' }],
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives up the handshake after Max.Init.Retransmits', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, {}, { maxInitRetransmissions: 4 });
    p.link.down = true;
    p.a.assoc.connect();
    await clock.runUntil(() => p.a.assoc.state === AssociationState.Closed, { timeoutMs: 600_000 });
    expect(p.a.states.at(-1)?.cause).toEqual({
      kind: 'too-many-retransmissions',
      timer: 'init',
      attempts: 5,
    });
    p.close();
  });

  it('uses zero checksums only when both ends offer them (RFC 9653)', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, {}, { zeroChecksum: true });
    const seen: number[] = [];
    p.link.tap = (_, pkt) => seen.push(pkt[8]! | pkt[9]! | pkt[10]! | pkt[11]!);
    await connect(clock, p);
    p.a.assoc.send(0, 51, text('x'));
    await clock.runUntil(() => p.b.messages.length === 1);
    expect(p.a.assoc.zeroChecksumInUse).toBe(true);
    expect(seen.slice(0, 4).every((c) => c !== 0)).toBe(true); // handshake: CRC32c
    expect(seen.at(-1)).toBe(0);
    p.close();
    const q = makePair(clock, {}, {}, { zeroChecksum: true });
    await connect(clock, q);
    expect(q.a.assoc.zeroChecksumInUse).toBe(false);
    q.close();
  });
});
