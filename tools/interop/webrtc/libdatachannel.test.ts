// @x/webrtc against libdatachannel (node-datachannel's W3C polyfill: usrsctp and its own DTLS),
// both offer directions, on 127.0.0.1, through the shared channelScenario of harness.ts.
import { type InteropPeer, type StandardPeerConnection, wrapStandardPeer } from './harness.js';
import { bothOfferDirections } from './scenario-tests.js';

async function libdatachannelPeer(): Promise<InteropPeer> {
  const { RTCPeerConnection } = (await import('node-datachannel/polyfill')) as unknown as {
    RTCPeerConnection: new (config: unknown) => StandardPeerConnection;
  };
  const pc = new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' });
  return wrapStandardPeer('libdatachannel', pc, async () => {
    pc.close();
  });
}

bothOfferDirections('libdatachannel', libdatachannelPeer);
