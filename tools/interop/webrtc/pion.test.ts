// @x/webrtc against pion/webrtc 3.1 (the Go stack behind many servers), both offer
// directions, on 127.0.0.1, through the shared channelScenario of harness.ts. The pion peer is
// built from Debian's packages at the start (apt golang-go golang-github-pion-webrtc.v3-dev).
import { existsSync } from 'node:fs';
import { beforeAll } from 'vitest';
import { buildPion, pionPeer } from './pion.js';
import { bothOfferDirections } from './scenario-tests.js';

const PION_SOURCES = '/usr/share/gocode/src/github.com/pion/webrtc';
let binary = '';

beforeAll(async () => {
  if (!existsSync(PION_SOURCES))
    throw new Error(
      `${PION_SOURCES} is missing: apt-get install golang-go golang-github-pion-webrtc.v3-dev (.ci/run does)`,
    );
  binary = await buildPion();
}, 180_000);

bothOfferDirections('pion', () => pionPeer(binary));
