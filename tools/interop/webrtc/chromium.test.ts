// @x/webrtc against headless Chromium on 127.0.0.1: connect, text and binary echo, the
// largest message Chromium accepts, unordered and partially reliable channels, a close.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CHROMIUM, chromiumPeer, launchChromium } from './chromium.js';
import { channelScenario, type InteropPeer, ourPeer } from './harness.js';

let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe.each([
  ['x-webrtc offers, Chromium answers', true],
  ['Chromium offers, x-webrtc answers', false],
] as const)('%s', (_name, weOffer) => {
  it('connects and echoes text, binary, the largest message, unordered and partially reliable channels, and sees a close', async () => {
    const ours: InteropPeer = ourPeer();
    const chrome = await chromiumPeer(browser!.page);
    const [offerer, answerer] = weOffer ? [ours, chrome] : [chrome, ours];
    try {
      await channelScenario(offerer, answerer);
    } finally {
      await answerer.close();
      await offerer.close();
    }
  }, 30_000);
});
