// The stacks a role process can run, set up for a loopback-only host (as tools/bench/webrtc
// does), and the signaling helpers the roles share: complete descriptions (no trickle), with
// only the 127.0.0.1 UDP candidates.

export const stacks = {
  'x-webrtc': async () => {
    const { RTCPeerConnection, MediaStreamTrack } = await import('@x/webrtc');
    return {
      MediaStreamTrack,
      make: () =>
        new RTCPeerConnection({
          gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
          mdns: 'off',
        }),
    };
  },
  werift: async () => {
    const { RTCPeerConnection } = await import('werift');
    return {
      make: () =>
        new RTCPeerConnection({
          iceServers: [],
          iceUseIpv6: false,
          iceAdditionalHostAddresses: ['127.0.0.1'],
          iceInterfaceAddresses: { udp4: '127.0.0.1' },
        }),
    };
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check()` every 5 ms (every stack has the state getters, not every one the events). */
export async function until(check, what, ms = 20_000) {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The description's text with only the loopback UDP candidates. */
export function loopbackOnly(sdp) {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || / udp \d+ 127\.0\.0\.1 \d+ typ /i.test(l))
    .join('\r\n');
}

/** setLocalDescription(), then the complete description once gathering is over. */
export async function completeLocal(pc, description) {
  await pc.setLocalDescription(description);
  await until(() => pc.iceGatheringState === 'complete', 'ICE gathering');
  return loopbackOnly(pc.localDescription.sdp);
}

export const connected = (pc) =>
  until(() => pc.connectionState === 'connected', 'connectionState connected');

/** close() of either stack, and the release of its sockets (ours says so with `released`). */
export async function closePeer(pc) {
  const returned = pc.close();
  await (pc.released ?? returned);
}
