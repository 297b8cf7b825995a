// @x/webrtc against libwebrtc (Chrome's WebRTC through @roamhq/wrtc), both offer directions,
// on 127.0.0.1: connect, text and binary echo, a 1 MiB message, an unordered and a partially
// reliable channel, and a close seen by the other side.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type InteropPeer,
  negotiate,
  ourPeer,
  type StandardPeerConnection,
  until,
  wrapStandardPeer,
} from './harness.js';

const require = createRequire(import.meta.url);
const wrtc = require('@roamhq/wrtc') as {
  RTCPeerConnection: new (config: unknown) => StandardPeerConnection;
};

function libwebrtcPeer(): InteropPeer {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  return wrapStandardPeer('libwebrtc', pc, async () => {
    pc.close();
  });
}

let peers: InteropPeer[] = [];
afterEach(async () => {
  for (const p of peers) await p.close();
  peers = [];
});

describe.each([
  ['x-webrtc offers, libwebrtc answers', () => [ourPeer(), libwebrtcPeer()] as const],
  ['libwebrtc offers, x-webrtc answers', () => [libwebrtcPeer(), ourPeer()] as const],
])('%s', (_name, make) => {
  it('connects and echoes text, binary, the largest message, unordered and partially reliable channels, and sees a close', async () => {
    const [offerer, answerer] = make();
    peers = [offerer, answerer];
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
    // Both advertise a=max-message-size:262144: our send() of 1 MiB is a TypeError (webrtc-pc
    // §6.2; libwebrtc M106 does not check), and the largest allowed message arrives whole.
    if (offerer.name === 'x-webrtc') {
      await expect(offerer.send('reliable', { binary: 1024 * 1024, fill: 9 })).rejects.toThrow(
        TypeError,
      );
    }
    await offerer.send('reliable', { binary: 262_144, fill: 9 });
    await until(async () => (await offerer.received('reliable')).length === 3);
    expect(await offerer.received('reliable')).toEqual(['hello', 'bin:1000:7:7', 'bin:262144:9:9']);
    await until(
      async () =>
        (await offerer.received('unordered')).length === 1 &&
        (await offerer.received('partial')).length === 1,
    );
    expect(await offerer.received('unordered')).toEqual(['u1']);
    await offerer.closeChannel('partial');
    await until(async () => (await offerer.channelState('partial')) === 'closed');
    // The other channels carry on.
    await offerer.send('reliable', 'after close');
    await until(async () => (await offerer.received('reliable')).length === 4);
  }, 30_000);
});
