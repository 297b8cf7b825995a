// @x/webrtc against itself on real 127.0.0.1 sockets, through the shared channelScenario:
// the same steps as against libwebrtc and Chromium, plus a path MTU raised to a full DTLS
// record (both ends send record_size_limit and every hop is on loopback).
import { describe } from 'vitest';
import { ourPeer } from './harness.js';
import { scenarioTest } from './scenario-tests.js';

describe('x-webrtc offers, x-webrtc answers', () => {
  scenarioTest(async () => [ourPeer(), ourPeer()], 'offerer');
  scenarioTest(async () => [ourPeer(), ourPeer()], 'answerer');
});
