import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { type ReconfigChunk, ChunkType } from './chunk.js';
import { decodePacket } from './packet.js';
import { decodeReconfigResponse, ParamType, ReconfigResult } from './param.js';
import { AssociationState } from './state.js';
import { makePair, type Pair } from './testing-pair.js';

const both = (p: Pair, s: AssociationState) => () => p.a.assoc.state === s && p.b.assoc.state === s;

describe('lifecycle over a lossy link', () => {
  it.each([
    ['a new buffer for each packet', false],
    ['one reused buffer (copiesOnSend)', true],
  ])(
    'completes a simultaneous open, a transfer and a shutdown at 30 %% loss, %s',
    async (_, copies) => {
      const clock = new VirtualClock();
      const p = makePair(clock, { seed: 77, loss: 0.3, jitterMs: 5, copies }, { rtoMaxMs: 4000 });
      p.a.assoc.connect();
      p.b.assoc.connect();
      expect(
        await clock.runUntil(both(p, AssociationState.Connected), { timeoutMs: 120_000 }),
      ).toBe(true);
      for (let i = 0; i < 100; i++) p.a.assoc.send(0, 53, new Uint8Array(2000).fill(i));
      p.a.assoc.shutdown(); // SHUTDOWN waits for every byte to be acknowledged (RFC 9260 §9.2)
      expect(await clock.runUntil(both(p, AssociationState.Closed), { timeoutMs: 600_000 })).toBe(
        true,
      );
      expect(p.b.messages).toHaveLength(100);
      expect(
        p.b.messages.every((m, i) => m.data.length === 2000 && m.data.every((b) => b === i)),
      ).toBe(true);
      expect(p.a.states.at(-1)?.cause).toEqual({ kind: 'shutdown-complete' });
      expect(clock.pendingTimers).toBe(0);
    },
  );

  it('closes when both ends shut down at once', async () => {
    const clock = new VirtualClock();
    const p = makePair(clock, { seed: 8, loss: 0.1 });
    p.a.assoc.connect();
    p.b.assoc.connect();
    await clock.runUntil(both(p, AssociationState.Connected), { timeoutMs: 60_000 });
    p.a.assoc.send(1, 51, Uint8Array.of(1));
    p.b.assoc.send(1, 51, Uint8Array.of(2));
    p.a.assoc.shutdown();
    p.b.assoc.shutdown();
    expect(await clock.runUntil(both(p, AssociationState.Closed), { timeoutMs: 600_000 })).toBe(
      true,
    );
    expect(p.a.messages).toHaveLength(1);
    expect(p.b.messages).toHaveLength(1);
  });

  it('defers an incoming reset until the data before it has arrived (RFC 6525 §5.2.2)', async () => {
    const clock = new VirtualClock();
    let firstTsn: number | undefined;
    let lastDropped = false;
    const p = makePair(
      clock,
      {
        seed: 21,
        loss: 0.2,
        jitterMs: 10,
        // The first transmission of the last DATA chunk before the reset is lost whatever the
        // draws: the reset request then arrives before it, and must wait for it.
        drop: (from, packet) => {
          if (from !== 0 || packet.length < 28 || packet[12] !== 0) return false;
          const tsn =
            ((packet[16]! << 24) | (packet[17]! << 16) | (packet[18]! << 8) | packet[19]!) >>> 0;
          firstTsn ??= tsn;
          if (lastDropped || tsn !== (firstTsn + 399) >>> 0) return false;
          lastDropped = true;
          return true;
        },
      },
      { rtoMaxMs: 4000 },
    );
    p.a.assoc.connect();
    p.b.assoc.connect();
    await clock.runUntil(both(p, AssociationState.Connected), { timeoutMs: 60_000 });
    const results: number[] = [];
    p.link.tap = (from, pkt) => {
      const d = decodePacket(pkt);
      if (from !== 1 || typeof d === 'string') return;
      for (const c of d.chunks) {
        if (c.type !== ChunkType.Reconfig) continue;
        for (const prm of (c as ReconfigChunk).params) {
          if (prm.type === ParamType.ReconfigResponse)
            results.push(decodeReconfigResponse(prm.value)!.result);
        }
      }
    };
    // 200 messages of 1500 bytes: 400 DATA chunks (1172 + 328 bytes each).
    for (let i = 0; i < 200; i++) p.a.assoc.send(5, 53, new Uint8Array(1500).fill(i & 0xff));
    p.a.assoc.resetStreams([5]);
    await clock.runUntil(() => p.a.outgoingResets.length === 1, { timeoutMs: 600_000 });
    expect(p.a.outgoingResets[0]).toEqual({ ids: [5], ok: true });
    // Every message sent before the reset was delivered before the reset took effect.
    expect(p.b.messages).toHaveLength(200);
    expect(p.b.incomingResets).toEqual([[5]]);
    expect(lastDropped).toBe(true);
    expect(results).toContain(ReconfigResult.InProgress); // deferred at first
    expect(results.at(-1)).toBe(ReconfigResult.SuccessPerformed);
    p.close();
  });
});
