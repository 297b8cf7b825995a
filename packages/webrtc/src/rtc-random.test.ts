/**
 * The `random` extension: the draws behind the randomized intervals (RTCP reports, ICE
 * consent), injected as `net` and `clock` are, so that a connection on the virtual network
 * runs the same way every time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { isRtp } from './testing-media.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
const made: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(peers?.a, peers?.b, ...made.splice(0));
  peers = undefined;
});

/**
 * When A sent each datagram that is not RTP (RTCP, STUN, DTLS, SCTP) during 8 s of audio: the
 * RTCP report intervals and the consent requests are the randomized ones.
 */
async function controlTimes(seed: number): Promise<number[]> {
  const times: number[] = [];
  peers = virtualPeers({
    seed,
    tapA: (data, _port, _address, at) => {
      if (!isRtp(data)) times.push(at);
      return true;
    },
  });
  const { a, b, clock } = peers;
  const audio = MediaStreamTrack.create('audio');
  a.addTrack(audio);
  b.ontrack = () => {};
  await openChannelPair(peers, 'side');
  const start = clock.now();
  for (let i = 0; i < 50 * 8; i++) {
    await clock.advanceTo(start + i * 20);
    audio.writeFrame(new Uint8Array(100).fill(i & 0xff), { timestamp: i * 20_000 });
  }
  await closeAll(a, b);
  peers = undefined;
  return times;
}

describe('RTCConfiguration.random (extension)', () => {
  it('makes a connection on the virtual network run the same way twice', async () => {
    const first = await controlTimes(71);
    const second = await controlTimes(71);
    expect(first.length).toBeGreaterThan(10);
    expect(second).toEqual(first);
  });

  it('is fixed at construction: setConfiguration() may leave it out, not change it', () => {
    const random = () => 0.5;
    const pc = new RTCPeerConnection({ random });
    made.push(pc);
    pc.setConfiguration({});
    expect(pc.getConfiguration().random).toBe(random);
    expect(() => pc.setConfiguration({ random: () => 0.25 })).toThrow(
      expect.objectContaining({ name: 'InvalidModificationError' }),
    );
  });
});
