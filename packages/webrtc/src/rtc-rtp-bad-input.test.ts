/**
 * A hostile or broken peer that authenticates (its SRTP keys are right) yet sends nonsense:
 * issue 19 item 9 at the level of the W3C objects. Peer A's Manager protects and sends
 * hand-made RTP and RTCP; peer B must drop and count what it cannot use, never throw, keep its
 * tracks live and unchanged, bound what it keeps, and go on delivering the good frames that
 * follow. (Unauthenticated and malformed SRTP below this is `@x/network`'s media-router test.)
 */
import type { Manager } from '@x/network';
import { serializeRtcp } from '@x/rtp';
import { afterEach, expect, it } from 'vitest';
import { setListenerErrorHandler } from './events.js';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCTrackEvent } from './rtc-track-event.js';
import { rtpPacket, sections, tasks } from './testing-media.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
const listenerErrors: unknown[] = [];
setListenerErrorHandler((error) => listenerErrors.push(error));
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

const managerOf = (pc: RTCPeerConnection): Manager =>
  (pc as unknown as { manager: Manager }).manager;

/** A VP8 keyframe of the clip's shape (tag, start code, 320x240), `size` bytes. */
function vp8Keyframe(size: number): Uint8Array {
  const frame = new Uint8Array(size).fill(0x55);
  const partition = size - 10;
  // Frame tag: keyframe (bit 0 clear), version 0, show_frame, first partition size.
  frame[0] = 0x10 | ((partition & 0x7) << 5);
  frame[1] = (partition >> 3) & 0xff;
  frame[2] = (partition >> 11) & 0xff;
  frame.set([0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00], 3);
  return frame;
}

it('drops and counts what an authenticated peer sends wrong, throws nothing, keeps the tracks live, and delivers the good frames after it', async () => {
  peers = virtualPeers({ seed: 91 });
  const { a, b, clock } = peers;
  const video = MediaStreamTrack.create('video');
  const audio = MediaStreamTrack.create('audio');
  a.addTrack(audio);
  a.addTrack(video);
  const events: RTCTrackEvent[] = [];
  b.ontrack = (e) => events.push(e);
  await openChannelPair(peers, 'side');
  expect(
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    }),
  ).toBe(true);
  const [, remoteVideo] = events.map((e) => e.track);
  const frames: Uint8Array[] = [];
  void (async () => {
    for await (const f of remoteVideo!.frames()) frames.push(f.data);
  })();
  const changes: string[] = [];
  for (const type of ['mute', 'unmute', 'ended'])
    remoteVideo!.addEventListener(type, () => changes.push(type));

  // One good keyframe first: the track unmutes and yields it.
  expect(video.writeFrame(vp8Keyframe(300), { timestamp: 0, keyframe: true })).toBe(true);
  await clock.advance(300); // the playout delay of a stream with NACK (3 × RTT + 100 ms)
  await tasks();
  expect(frames).toHaveLength(1);
  expect(changes).toEqual(['unmute']);

  const midId = Number(
    sections(a.localDescription!.sdp)[1]!
      .attributes.find((x) => x.name === 'extmap' && x.value!.endsWith('sdes:mid'))!
      .value!.split(' ')[0],
  );
  const send = (packet: Uint8Array) => managerOf(a).sendRtp(packet);
  let seed = 91; // a seeded LCG (Numerical Recipes): the same bytes every run
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const before = managerOf(b).mediaStats.dropped;

  // Each case on an SSRC of its own, numbered from 1 (a jump backwards on the real stream's
  // SSRC would only fail SRTP's index guess, which the media-router test covers).
  // 1. A payload type that was never negotiated, on the video mid.
  for (let i = 0; i < 20; i++)
    send(
      rtpPacket({
        payloadType: 77,
        sequenceNumber: 1 + i,
        timestamp: 9000,
        ssrc: 0x5000,
        mid: '1',
        midId,
        payload: bytes(50),
      }),
    );
  // 2. Absurd header extensions: an element running past its block, id 15 (reserved),
  //    a two-byte header profile with garbage (a block longer than the packet is refused by
  //    the sender's SRTP already; the receiving side of that is the media-router test).
  let extSeq = 0;
  const fixed = (ext: number[], payload: Uint8Array) => {
    const head = Buffer.alloc(12);
    head[0] = 0x90;
    head[1] = 96;
    head.writeUInt16BE(++extSeq, 2);
    head.writeUInt32BE(9000, 4);
    head.writeUInt32BE(0x5002, 8);
    return Buffer.concat([head, Buffer.from(ext), payload]);
  };
  send(fixed([0xbe, 0xde, 0x00, 0x01, (midId << 4) | 0x0f, 0x31, 0x00, 0x00], bytes(20)));
  send(fixed([0xbe, 0xde, 0x00, 0x01, 0xf0, 0x31, 0x32, 0x33], bytes(20)));
  send(fixed([0x10, 0x00, 0x00, 0x02, 0x01, 0xff, 0x31, 0x32, 0x00, 0x00, 0x00, 0x00], bytes(20)));
  // 3. The negotiated VP8 payload type carrying garbage, and a keyframe's start cut short.
  for (let i = 0; i < 30; i++)
    send(
      rtpPacket({
        payloadType: 96,
        sequenceNumber: 1 + i,
        timestamp: 18000 + 3000 * (i % 5),
        ssrc: 0x5001,
        mid: '1',
        midId,
        payload: bytes(1 + Math.floor(random() * 200)),
      }),
    );
  // 4. A flood of random SSRCs carrying the video MID: bounded by maxUnsignaledStreams.
  for (let i = 0; i < 2000; i++)
    send(
      rtpPacket({
        payloadType: 96,
        sequenceNumber: i,
        timestamp: i,
        ssrc: 0x10000 + i,
        payload: bytes(10),
        mid: '1',
        midId,
      }),
    );
  // 5. RTCP: a BYE and a PLI for streams that do not exist, an SR for a stranger, a report
  //    block about an SSRC nobody sends.
  managerOf(a).sendRtcp(
    serializeRtcp([
      { kind: 'rr', ssrc: 1, reports: [] },
      { kind: 'bye', ssrcs: [0xdead] },
    ]),
  );
  managerOf(a).sendRtcp(serializeRtcp([{ kind: 'pli', senderSsrc: 1, mediaSsrc: 0xbeef }]));
  managerOf(a).sendRtcp(
    serializeRtcp([
      {
        kind: 'sr',
        ssrc: 0xfeed,
        ntpSeconds: 0,
        ntpFraction: 0,
        rtpTimestamp: 0,
        packetCount: 0,
        octetCount: 0,
        reports: [
          {
            ssrc: 0xabcdef,
            fractionLost: 255,
            cumulativeLost: 0x7fffff,
            highestSequenceNumber: 0,
            jitter: 0xffffffff,
            lastSenderReport: 0,
            delaySinceLastSenderReport: 0,
          },
        ],
      },
    ]),
  );
  // A truncated compound (an SR header claiming more than there is).
  managerOf(a).sendRtcp(Buffer.from([0x80, 200, 0x00, 0x20, 0, 0, 0, 1]));
  await clock.advance(500);
  await tasks();

  const after = managerOf(b).mediaStats;
  // All of it authenticated (SRTP refused nothing) and reached B's media path. Counted there:
  // the truncated RTCP, the streams beyond the bound, the RTCP about unknown SSRCs. (The odd
  // extensions are legal enough for RFC 8285: parsing stops at id 15 or the block's end.)
  expect(after.dropped.srtp - before.srtp).toBe(0);
  expect(after.dropped.malformed - before.malformed).toBe(1);
  expect(after.dropped.unknownSsrc - before.unknownSsrc).toBe(4);
  expect(after.dropped.tooManyStreams - before.tooManyStreams).toBeGreaterThan(1900);
  expect(after.streams).toBeLessThanOrEqual(2 + 32);
  // Nothing changed for the user: the track is live and unmuted, no event, no listener error.
  expect(remoteVideo!.readyState).toBe('live');
  expect(remoteVideo!.muted).toBe(false);
  expect(changes).toEqual(['unmute']);
  expect(b.connectionState).toBe('connected');
  expect(listenerErrors).toEqual([]);
  // No garbage came out as a frame: whatever the depacketizer could not make whole was dropped.
  for (const f of frames.slice(1)) expect(f.length).toBeGreaterThan(0);

  // And good media still gets through, on the real stream.
  const good = vp8Keyframe(400);
  expect(video.writeFrame(good, { timestamp: 1_000_000, keyframe: true })).toBe(true);
  await clock.advance(200);
  await tasks();
  expect(Buffer.from(frames.at(-1)!)).toEqual(Buffer.from(good));
});
