// @x/webrtc against libwebrtc (Chrome's WebRTC through @roamhq/wrtc), both offer directions,
// on 127.0.0.1, through the shared channelScenario of harness.ts.
import { createRequire } from 'node:module';
import { type InteropPeer, type StandardPeerConnection, wrapStandardPeer } from './harness.js';
import { bothOfferDirections } from './scenario-tests.js';

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

bothOfferDirections('libwebrtc', libwebrtcPeer);
