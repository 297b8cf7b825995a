/**
 * A `DataChannel` as its user holds it: what it reads (`id`, `state`) cannot be written, and
 * what only the Manager's channel table does (set the state, the id) is not on the object.
 * `handlers` is what the user sets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DataChannel } from './data-channel.js';
import { managerPair, type Pair } from './testing-managers.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  await pair?.clock.runUntilIdle({ maxTimers: 10_000 }).catch(() => {});
  pair = undefined;
});

describe('DataChannel: read-only to its user', () => {
  it('id and state cannot be written, setState is not on it, handlers hear the open', async () => {
    const p = (pair = managerPair({ seed: 71 }));
    const channel = p.offerer.manager.createDataChannel({ label: 'ro' });
    const opened: string[] = [];
    channel.handlers = { onOpen: () => opened.push(channel.state) };
    await p.connect();
    expect(await p.clock.runUntil(() => opened.length === 1, { timeoutMs: 10_000 })).toBe(true);
    expect(opened).toEqual(['open']);
    const id = channel.id;
    expect(id).toBe(1);
    // Accessors without a setter: assigning throws in strict code and changes nothing.
    const writable = channel as unknown as { id: number | null; state: string };
    expect(() => {
      writable.id = 7;
    }).toThrow(TypeError);
    expect(() => {
      writable.state = 'closed';
    }).toThrow(TypeError);
    expect([channel.id, channel.state]).toEqual([id, 'open']);
    expect('setState' in channel).toBe(false);
    // Own enumerable members: the options it was made with and the user's handlers, no state.
    expect(Object.keys(channel).sort()).toEqual([
      'handlers',
      'label',
      'maxPacketLifeTime',
      'maxRetransmits',
      'negotiated',
      'ordered',
      'priority',
      'protocol',
    ]);
    channel.send(Buffer.from('still works'), false);
  });

  it('a channel the peer opened is handed over open, with handlers to set', async () => {
    const p = (pair = managerPair({ seed: 72 }));
    p.offerer.manager.createDataChannel({ label: 'in-band' });
    await p.connect();
    let remote: DataChannel | undefined;
    await p.clock.runUntil(
      () => {
        const e = p.answerer.events.find((x) => x.kind === 'data-channel');
        remote = e?.kind === 'data-channel' ? e.channel : undefined;
        return remote !== undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(remote?.state).toBe('open');
    expect(remote?.handlers).toEqual({});
    expect('setState' in remote!).toBe(false);
  });
});
