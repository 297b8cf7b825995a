// @x/webrtc against libdatachannel (node-datachannel's W3C polyfill: usrsctp and its own DTLS),
// both offer directions, on 127.0.0.1, through the shared channelScenario of harness.ts.
import { afterEach, describe, it } from 'vitest';
import {
  channelScenario,
  type InteropPeer,
  ourPeer,
  type StandardPeerConnection,
  wrapStandardPeer,
} from './harness.js';

async function libdatachannelPeer(): Promise<InteropPeer> {
  const { RTCPeerConnection } = (await import('node-datachannel/polyfill')) as unknown as {
    RTCPeerConnection: new (config: unknown) => StandardPeerConnection;
  };
  const pc = new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' });
  return wrapStandardPeer('libdatachannel', pc, async () => {
    pc.close();
  });
}

let peers: InteropPeer[] = [];
afterEach(async () => {
  for (const p of peers) await p.close();
  peers = [];
});

type Pair = () => Promise<[InteropPeer, InteropPeer]>;
const cases: [string, Pair][] = [
  ['x-webrtc offers, libdatachannel answers', async () => [ourPeer(), await libdatachannelPeer()]],
  ['libdatachannel offers, x-webrtc answers', async () => [await libdatachannelPeer(), ourPeer()]],
];

describe.each(cases)('%s', (_name, make) => {
  it('connects and echoes text, binary, the largest message, unordered and partially reliable channels, and sees a close', async () => {
    const [offerer, answerer] = await make();
    peers = [offerer, answerer];
    await channelScenario(offerer, answerer);
  }, 30_000);
});
