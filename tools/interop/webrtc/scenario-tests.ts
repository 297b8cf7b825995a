/**
 * The tests of every webrtc interop file: the shared channelScenario between two peers, ended
 * by a close from one side that the other must hear, registered for one pair or for both
 * offer directions (and both closers) against our peer.
 */
import { describe, it } from 'vitest';
import { channelScenario, type Closer, type InteropPeer, ourPeer } from './harness.js';

const TITLE =
  'connects and echoes text, binary, the largest message, unordered and partially reliable channels, closes channels from both sides';

/** One test of the scenario between the offerer and answerer `make()` gives. */
export function scenarioTest(
  make: () => Promise<[InteropPeer, InteropPeer]>,
  closer: Closer = 'offerer',
): void {
  it(`${TITLE}, then the ${closer} closes and the other side hears it if anything was sent`, async () => {
    const [offerer, answerer] = await make();
    try {
      await channelScenario(offerer, answerer, closer);
    } finally {
      await answerer.close();
      await offerer.close();
    }
  }, 30_000);
}

/**
 * The scenario with x-webrtc offering to `name`, then `name` offering to x-webrtc, each ended
 * once by our close() and once by theirs.
 */
export function bothOfferDirections(
  name: string,
  peer: () => InteropPeer | Promise<InteropPeer>,
): void {
  describe.each([
    [`x-webrtc offers, ${name} answers`, true],
    [`${name} offers, x-webrtc answers`, false],
  ] as const)('%s', (_title, weOffer) => {
    for (const closer of ['offerer', 'answerer'] as const) {
      scenarioTest(async () => {
        const ours = ourPeer();
        const theirs = await peer();
        return weOffer ? [ours, theirs] : [theirs, ours];
      }, closer);
    }
  });
}
