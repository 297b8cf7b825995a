// @x/webrtc against headless Chromium on 127.0.0.1: connect, text and binary echo, the
// largest message Chromium accepts, unordered and partially reliable channels, a close.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM, chromiumPeer, launchChromium } from './chromium.js';
import { bothOfferDirections } from './scenario-tests.js';

let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

bothOfferDirections('Chromium', () => chromiumPeer(browser!.page));
