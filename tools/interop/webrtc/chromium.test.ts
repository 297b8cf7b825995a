// @x/webrtc against headless Chromium on 127.0.0.1: connect, text and binary echo, the
// largest message Chromium accepts, unordered and partially reliable channels, a close.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumPeer, launchChromium } from './chromium.js';
import { type InteropPeer, negotiate, ourPeer, until } from './harness.js';

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
      await answerer.echoIncoming();
      const opened = Promise.all([
        offerer.openChannel('reliable'),
        offerer.openChannel('unordered', { ordered: false }),
        offerer.openChannel('partial', { maxRetransmits: 5 }),
      ]);
      await negotiate(offerer, answerer);
      await opened;
      await until(
        async () =>
          (await offerer.connectionState()) === 'connected' &&
          (await answerer.connectionState()) === 'connected',
      );
      // maxRetransmits 5: partially reliable on the wire (DCEP type 0x01), yet sure on loopback.
      await offerer.send('unordered', 'u1');
      await offerer.send('partial', 'p1');
      await offerer.send('reliable', 'hello');
      await offerer.send('reliable', { binary: 1000, fill: 7 });
      // Both advertise a=max-message-size:262144: 1 MiB is a TypeError (webrtc-pc §6.2) on either side.
      await expect(offerer.send('reliable', { binary: 1024 * 1024, fill: 9 })).rejects.toThrow(
        /maximum message size|max-message-size/,
      );
      await offerer.send('reliable', { binary: 262_144, fill: 9 });
      await until(async () => (await offerer.received('reliable')).length === 3);
      expect(await offerer.received('reliable')).toEqual([
        'hello',
        'bin:1000:7:7',
        'bin:262144:9:9',
      ]);
      await until(
        async () =>
          (await offerer.received('unordered')).length === 1 &&
          (await offerer.received('partial')).length === 1,
      );
      await offerer.closeChannel('partial');
      await until(async () => (await offerer.channelState('partial')) === 'closed');
      await offerer.send('reliable', 'after close');
      await until(async () => (await offerer.received('reliable')).length === 4);
    } finally {
      await answerer.close();
      await offerer.close();
    }
  }, 30_000);
});
