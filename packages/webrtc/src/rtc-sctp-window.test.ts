import { describe, expect, it } from 'vitest';
import { closeAll, negotiate, virtualPeers } from './testing-peers.js';

const KiB = 1024;

/** The answer as another stack would write it: without our `a=tool` line. */
const foreign = (sdp: string): string => sdp.replace(/^a=tool:.*\r\n/m, '');

describe('the SCTP receive window of a connection', () => {
  // The window is sized for the selected pair's round trip (ICE's checks): on a short path
  // another stack is offered 320 KiB (the floor of a 256 KiB max-message-size), not the whole
  // 1 MiB buffer, which Chromium sending on loopback overran its own send path with. A peer
  // of ours is offered the whole buffer. The receiving side, a, sends no DATA (a negotiated
  // channel: no DCEP), so its round trip can only come from below.
  it.each([
    ['another stack, a round trip of 0.2 ms (loopback, a LAN)', 0.05, foreign, 320 * KiB],
    ['another stack, a round trip of 20 ms', 5, foreign, 1024 * KiB],
    ['a peer of ours, a round trip of 0.2 ms', 0.05, undefined, 1024 * KiB],
  ])('offers %s what the path needs', async (_, delayMs, mungeAnswer, window) => {
    const w = virtualPeers({ seed: 12, delayMs });
    try {
      const receiver = w.a.createDataChannel('bulk', { negotiated: true, id: 0 });
      const sender = w.b.createDataChannel('bulk', { negotiated: true, id: 0 });
      await negotiate(w.a, w.b, mungeAnswer);
      expect(
        await w.clock.runUntil(
          () => receiver.readyState === 'open' && sender.readyState === 'open',
          { timeoutMs: 10_000 },
        ),
      ).toBe(true);
      let received = 0;
      receiver.onmessage = () => received++;
      for (let i = 0; i < 10; i++) sender.send(new Uint8Array(16 * KiB));
      expect(await w.clock.runUntil(() => received === 10, { timeoutMs: 10_000 })).toBe(true);
      await w.clock.advance(1000); // the last SACK has arrived
      const sctp = [...(await w.b.getStats()).values()].find((s) => s.type === 'sctp-transport');
      expect(sctp?.receiverWindow).toBe(window);
    } finally {
      await closeAll(w.a, w.b);
    }
  });
});
