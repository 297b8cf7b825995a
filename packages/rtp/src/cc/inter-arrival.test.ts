import { describe, expect, it } from 'vitest';
import { PacketGrouper } from './inter-arrival.js';

describe('PacketGrouper (draft-ietf-rmcat-gcc-02 §5.2)', () => {
  it('groups packets sent within 5 ms and gives the deltas of the last packets', () => {
    const g = new PacketGrouper();
    expect(g.add(0, 100, 1000)).toBeUndefined();
    expect(g.add(3, 104, 1000)).toBeUndefined(); // same group (3 ms after its first)
    expect(g.add(20, 121, 500)).toBeUndefined(); // completes group 1, no predecessor
    expect(g.add(40, 145, 500)).toEqual({
      sendDeltaMs: 17,
      arrivalDeltaMs: 17,
      sizeDeltaBytes: -1500,
      arrivalMs: 121,
    });
    expect(g.add(60, 170, 500)).toEqual({
      sendDeltaMs: 20,
      arrivalDeltaMs: 24,
      sizeDeltaBytes: 0,
      arrivalMs: 145,
    });
  });

  it('ignores a packet sent before its group and joins a quick burst whose delay goes down', () => {
    const g = new PacketGrouper();
    g.add(0, 100, 100);
    g.add(20, 130, 100);
    expect(g.add(10, 131, 100)).toBeUndefined(); // reordered
    // Sent 10 ms later but arriving 2 ms later: a queue drained, same burst.
    expect(g.add(30, 132, 100)).toBeUndefined();
    expect(g.add(60, 160, 100)).toEqual({
      sendDeltaMs: 30,
      arrivalDeltaMs: 32,
      sizeDeltaBytes: 100,
      arrivalMs: 132,
    });
  });

  it('resets after arrival clock jumps of 3 s', () => {
    const g = new PacketGrouper();
    g.add(0, 0, 100);
    g.add(10, 10, 100);
    g.add(20, 20, 100);
    expect(g.add(30, 5000, 100)).toBeDefined();
    expect(g.add(40, 5010, 100)).toBeUndefined(); // the jump reset the history
  });
});
