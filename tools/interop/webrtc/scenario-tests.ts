/**
 * The test of every webrtc interop file: the shared channelScenario between two peers, both
 * closed afterwards, registered for one pair or for both offer directions against our peer.
 */
import { describe, it } from 'vitest';
import { channelScenario, type InteropPeer, ourPeer } from './harness.js';

const TITLE =
  'connects and echoes text, binary, the largest message, unordered and partially reliable channels, and sees a close';

/** One test of the scenario between the offerer and answerer `make()` gives. */
export function scenarioTest(make: () => Promise<[InteropPeer, InteropPeer]>): void {
  it(TITLE, async () => {
    const [offerer, answerer] = await make();
    try {
      await channelScenario(offerer, answerer);
    } finally {
      await answerer.close();
      await offerer.close();
    }
  }, 30_000);
}

/** The scenario with x-webrtc offering to `name`, then `name` offering to x-webrtc. */
export function bothOfferDirections(
  name: string,
  peer: () => InteropPeer | Promise<InteropPeer>,
): void {
  describe.each([
    [`x-webrtc offers, ${name} answers`, true],
    [`${name} offers, x-webrtc answers`, false],
  ] as const)('%s', (_title, weOffer) => {
    scenarioTest(async () => {
      const ours = ourPeer();
      const theirs = await peer();
      return weOffer ? [ours, theirs] : [theirs, ours];
    });
  });
}
