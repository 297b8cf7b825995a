// @x/webrtc against libwebrtc (Chrome's WebRTC through @roamhq/wrtc), both offer directions,
// on 127.0.0.1, through the shared channelScenario of harness.ts.
import { createRequire } from 'node:module';
import { afterEach, describe, it } from 'vitest';
import {
  channelScenario,
  type InteropPeer,
  ourPeer,
  type StandardPeerConnection,
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
    await channelScenario(offerer, answerer);
  }, 30_000);
});
