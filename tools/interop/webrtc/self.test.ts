// @x/webrtc against itself on real 127.0.0.1 sockets, through the shared channelScenario:
// the same steps as against libwebrtc and Chromium, plus a path MTU raised to a full DTLS
// record (both ends send record_size_limit and every hop is on loopback).
import { afterEach, describe, it } from 'vitest';
import { channelScenario, type InteropPeer, ourPeer } from './harness.js';

let peers: InteropPeer[] = [];
afterEach(async () => {
  for (const p of peers) await p.close();
  peers = [];
});

describe('x-webrtc offers, x-webrtc answers', () => {
  it('connects and echoes text, binary, the largest message, unordered and partially reliable channels, and sees a close', async () => {
    const [offerer, answerer] = [ourPeer(), ourPeer()];
    peers = [offerer, answerer];
    await channelScenario(offerer, answerer);
  }, 30_000);
});
