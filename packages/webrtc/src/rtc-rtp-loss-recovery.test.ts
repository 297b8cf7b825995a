/**
 * Loss recovery between two of our peers on the virtual network (issue 20 items 1 and 5): 5 %
 * of the datagrams lost each way, 100 ms round trip, some reordered. B's receiver asks for
 * what its jitter buffer misses (RFC 4585 NACK), A answers from its send history on the RTX
 * stream (RFC 4588), B puts the retransmissions back in place: every video frame comes out
 * whole and in order. Without time for a retransmission, frames are given up, never emitted
 * incomplete, and a PLI brings the next keyframe.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type EncodedMediaFrame, MediaStreamTrack } from './media-stream-track.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCTrackEvent } from './rtc-track-event.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

const clip = JSON.parse(
  readFileSync(new URL('./fixtures/clip-frames.json', import.meta.url), 'utf8'),
) as { tracks: { kind: string; frames: { keyframe: boolean; data: string }[] }[] };
const clipVideo = clip.tracks
  .find((t) => t.kind === 'video')!
  .frames.map((f) => ({ keyframe: f.keyframe, data: Buffer.from(f.data, 'base64') }));

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

type Stats = Record<string, number | string | undefined>;
async function rtpStats(pc: VirtualPeers['a'], type: string, kind: string): Promise<Stats> {
  const report = await pc.getStats();
  return ([...report.values()] as Stats[]).find((s) => s.type === type && s.kind === kind)!;
}

/**
 * A sends `count` VP8 frames at 30 fps (the clip's frames over and over, a keyframe only
 * first and when asked), `lossRate` of the datagrams lost each way, 50 ms one way.
 */
async function run(options: { seed: number; count: number; lossRate: number; target?: number }) {
  peers = virtualPeers({ seed: options.seed, delayMs: 25 });
  const { a, b, clock, hostA, hostB } = peers;
  const video = MediaStreamTrack.create('video');
  a.addTrack(video);
  let receiver: RTCRtpReceiver | undefined;
  const got: EncodedMediaFrame[] = [];
  let reading: Promise<void> | undefined;
  b.ontrack = (e: RTCTrackEvent) => {
    receiver = e.receiver;
    if (options.target !== undefined) e.receiver.jitterBufferTarget = options.target;
    reading = (async () => {
      for await (const f of e.track.frames()) got.push(f);
    })();
  };
  await openChannelPair(peers, 'side');
  // A datagram crosses A's link and B's: half the loss and reordering on each.
  const link = {
    delayMs: 25,
    lossRate: 1 - Math.sqrt(1 - options.lossRate),
    reorderRate: 0.01,
    reorderDelayMs: 8,
  };
  hostA.link.set(link);
  hostB.link.set(link);
  let keyframeRequests = 0;
  let forceKey = false;
  video.onkeyframerequest = () => {
    keyframeRequests++;
    forceKey = true;
  };
  const sent: Buffer[] = [];
  const start = clock.now();
  for (let i = 0; i < options.count; i++) {
    const due = start + (i * 1000) / 30;
    if (due > clock.now()) await clock.advanceTo(due);
    // A keyframe first and when asked; the bytes differ frame to frame.
    const key = i === 0 || forceKey;
    forceKey = false;
    const base = key ? clipVideo[0]! : clipVideo[1 + (i % (clipVideo.length - 1))]!;
    const data = Buffer.concat([base.data, Buffer.from(`#${i}`)]);
    expect(video.writeFrame(data, { timestamp: Math.round((i * 1e6) / 30), keyframe: key })).toBe(
      true,
    );
    sent.push(data);
  }
  await clock.advance(2000);
  const inbound = await rtpStats(b, 'inbound-rtp', 'video');
  const outbound = await rtpStats(a, 'outbound-rtp', 'video');
  const lost = { a: hostA.link.stats, b: hostB.link.stats };
  return { a, b, got, sent, inbound, outbound, keyframeRequests, receiver, reading, lost };
}

describe('loss recovery between two peers (NACK, RTX, PLI)', () => {
  it('5 % loss each way, 100 ms RTT, reordering: every frame whole and in order, losses repaired by RTX', async () => {
    // The default playout delay with NACK (three tries: 3 × RTT + 30 ms): a loss is given
    // up only when its NACK or retransmission is lost three times (about 1 in 1 000 at 5 %
    // each way).
    // 300 frames, then 10 more: a loss at the very end of a stream has no later packet to
    // reveal it (no NACK can ask for it), which a live stream never has.
    const r = await run({ seed: 91, count: 310, lossRate: 0.05 });
    expect(r.got.length).toBeGreaterThanOrEqual(300);
    for (const [i, f] of r.got.entries()) expect(Buffer.from(f.data)).toEqual(r.sent[i]);
    expect(r.keyframeRequests).toBe(0);
    // B asked, A answered on RTX, B counted the repairs.
    expect(r.inbound.nackCount).toBeGreaterThan(5);
    expect(r.outbound.nackCount).toBeGreaterThan(0);
    expect(r.outbound.retransmittedPacketsSent).toBeGreaterThan(5);
    expect(r.inbound.retransmittedPacketsReceived).toBeGreaterThan(5);
    expect(r.inbound.pliCount).toBe(0);
    expect(r.inbound.framesReceived).toBe(r.got.length);
  });

  it('with no time to retransmit (jitterBufferTarget 0): frames are given up whole, a PLI brings a keyframe, nothing incomplete comes out', async () => {
    const r = await run({ seed: 92, count: 300, lossRate: 0.05, target: 0 });
    const sentSet = new Map(r.sent.map((d, i) => [d.toString('base64'), i]));
    let previous = -1;
    for (const f of r.got) {
      const index = sentSet.get(Buffer.from(f.data).toString('base64'));
      expect(index).toBeDefined(); // never a frame that was not sent whole
      expect(index!).toBeGreaterThan(previous);
      previous = index!;
    }
    expect(r.got.length).toBeLessThan(300);
    expect(r.got.length).toBeGreaterThan(100);
    expect(r.inbound.pliCount).toBeGreaterThan(0);
    expect(r.keyframeRequests).toBeGreaterThan(0);
  });
});
