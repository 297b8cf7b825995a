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
async function run(options: {
  seed: number;
  count: number;
  lossRate: number;
  target?: number;
  /** Rewrites A's offer (B answers what it offers). */
  mungeOffer?: (sdp: string) => string;
}) {
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
  if (options.mungeOffer === undefined) await openChannelPair(peers, 'side');
  else {
    const channel = a.createDataChannel('side');
    await a.setLocalDescription();
    const sdp = options.mungeOffer(a.localDescription!.sdp);
    await b.setRemoteDescription({ type: 'offer', sdp });
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    expect(await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 })).toBe(
      true,
    );
  }
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

/** What a tap sees of an SRTP packet A sends (its header is in the clear, RFC 3711 §3.1). */
interface SeenRtp {
  readonly ssrc: number;
  readonly timestamp: number;
  readonly marker: boolean;
}

/**
 * Two peers 5 ms apart; A sends a video track, whose SRTP packets `keep` sees first (false
 * drops one); B reads its remote track's frames() into `got`, with `jitterBufferTarget` if given.
 */
async function videoPair(options: {
  seed: number;
  keep: (rtp: SeenRtp) => boolean;
  jitterBufferTarget?: number;
}) {
  peers = virtualPeers({
    seed: options.seed,
    delayMs: 5,
    tapA: (data) => {
      const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      // SRTP only (RFC 7983), not SRTCP (RFC 5761: a second byte of 192–223).
      if (view.length < 12 || view[0]! < 128 || view[0]! > 191) return true;
      if (view[1]! >= 192 && view[1]! <= 223) return true;
      return options.keep({
        ssrc: view.readUInt32BE(8),
        timestamp: view.readUInt32BE(4),
        marker: (view[1]! & 0x80) !== 0,
      });
    },
  });
  const { a, b, clock } = peers;
  const video = MediaStreamTrack.create('video');
  a.addTrack(video);
  const got: EncodedMediaFrame[] = [];
  let reading: Promise<void> | undefined;
  b.ontrack = (e: RTCTrackEvent) => {
    if (options.jitterBufferTarget !== undefined)
      e.receiver.jitterBufferTarget = options.jitterBufferTarget;
    reading = (async () => {
      for await (const f of e.track.frames()) got.push(f);
    })();
  };
  await openChannelPair(peers, 'side');
  /** B's inbound-rtp, then both closed and the reader done. */
  const finish = async () => {
    const inbound = await rtpStats(b, 'inbound-rtp', 'video');
    await closeAll(a, b);
    peers = undefined;
    await reading;
    return inbound;
  };
  return { clock, video, got, finish };
}

/**
 * A's video: frames 0 and 1 at 30 fps, then a 2 s pause. The first transmission of the first
 * packet of keyframe 0 is dropped on A's wire, and with `dropRepairs` every retransmission
 * (the RTX stream) too. B's buffer sees a frame without its start and nothing after frame 1.
 */
async function firstPacketLost(options: { dropRepairs: boolean }) {
  let videoSsrc: number | undefined;
  let dropped = 0;
  const { clock, video, got, finish } = await videoPair({
    seed: 93,
    keep: ({ ssrc }) => {
      const first = videoSsrc === undefined;
      videoSsrc ??= ssrc;
      if (first || (options.dropRepairs && ssrc !== videoSsrc)) {
        dropped++;
        return false;
      }
      return true;
    },
  });
  const requests: number[] = [];
  video.onkeyframerequest = () => requests.push(clock.now());
  expect(clipVideo[0]!.data.length).toBeGreaterThan(2400); // the keyframe takes 2+ packets
  const start = clock.now();
  let lastSent = start;
  for (let i = 0; i < 2; i++) {
    const due = start + (i * 1000) / 30;
    if (due > clock.now()) await clock.advanceTo(due);
    const base = i === 0 ? clipVideo[0]! : clipVideo[i]!;
    video.writeFrame(Buffer.concat([base.data, Buffer.from(`#${i}`)]), {
      timestamp: Math.round((i * 1e6) / 30),
      keyframe: i === 0,
    });
    lastSent = clock.now();
  }
  await clock.advance(2000);
  const inbound = await finish();
  return { dropped, got, requests, lastSent, inbound };
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

  it('jitterBufferTarget 0: frames out as soon as complete; a frame with a loss waits for its retransmission, none given up', async () => {
    const r = await run({ seed: 92, count: 310, lossRate: 0.05, target: 0 });
    expect(r.got.length).toBeGreaterThanOrEqual(300);
    for (const [i, f] of r.got.entries()) expect(Buffer.from(f.data)).toEqual(r.sent[i]);
    expect(r.inbound.retransmittedPacketsReceived).toBeGreaterThan(5);
    expect(r.inbound.pliCount).toBe(0);
    expect(r.keyframeRequests).toBe(0);
  });

  it('without NACK (only `nack pli` negotiated): frames are given up whole, a PLI brings a keyframe, nothing incomplete comes out', async () => {
    const r = await run({
      seed: 92,
      count: 300,
      lossRate: 0.05,
      mungeOffer: (sdp) => sdp.replace(/^a=rtcp-fb:(\d+) nack\r\n/gm, ''),
    });
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
    expect(r.inbound.nackCount).toBe(0);
    expect(r.inbound.pliCount).toBeGreaterThan(0);
    expect(r.keyframeRequests).toBeGreaterThan(0);
  });

  it('8 fps, longer between frames than the playout delay: a frame’s lost last packet shows only when the frame is due, and is still repaired', async () => {
    // 10 ms round trip, B plays out 100 ms after the nominal arrival (jitterBufferTarget):
    // the loss of a frame's last packet shows when the next frame begins, 125 ms on, so its
    // NACK and RTX come after its playout time. Each frame takes two packets or more; the
    // first transmission of the last packet (RTP marker) of frames 5 and 12 is dropped.
    let videoSsrc: number | undefined;
    let firstTimestamp = 0;
    const lost = new Set([5, 12]);
    let dropped = 0;
    const { clock, video, got, finish } = await videoPair({
      seed: 94,
      jitterBufferTarget: 100,
      keep: ({ ssrc, timestamp, marker }) => {
        if (videoSsrc === undefined) {
          videoSsrc = ssrc;
          firstTimestamp = timestamp;
        }
        const frame = Math.round(((timestamp - firstTimestamp) >>> 0) / 11_250);
        if (ssrc === videoSsrc && lost.has(frame) && marker) {
          dropped++;
          return false;
        }
        return true;
      },
    });
    let requests = 0;
    video.onkeyframerequest = () => requests++;
    const sent: Buffer[] = [];
    const start = clock.now();
    for (let i = 0; i < 20; i++) {
      const due = start + i * 125;
      if (due > clock.now()) await clock.advanceTo(due);
      const base = i === 0 ? clipVideo[0]! : clipVideo[1 + (i % (clipVideo.length - 1))]!;
      const data = Buffer.concat([base.data, Buffer.alloc(1500, i)]);
      video.writeFrame(data, { timestamp: i * 125_000, keyframe: i === 0 });
      sent.push(data);
    }
    await clock.advance(1000);
    const inbound = await finish();
    expect(dropped).toBeGreaterThanOrEqual(2);
    // Frame 19 aside (nothing after it), every frame whole, in order, the lost ones included.
    expect(got.map((f) => Buffer.from(f.data))).toEqual(sent.slice(0, got.length));
    expect(got.length).toBeGreaterThanOrEqual(19);
    expect(requests).toBe(0);
    expect(inbound.retransmittedPacketsReceived).toBeGreaterThanOrEqual(2);
    expect(inbound.framesDropped ?? 0).toBe(0);
  });

  it('a stream whose first packet was lost asks for it (NACK) and gets it back: no frame lost, no keyframe request', async () => {
    const r = await firstPacketLost({ dropRepairs: false });
    expect(r.dropped).toBe(1);
    expect(r.got.map((f) => f.keyframe)).toEqual([true, false]);
    expect(r.requests).toEqual([]);
    expect(r.inbound.nackCount).toBeGreaterThan(0);
    expect(r.inbound.retransmittedPacketsReceived).toBeGreaterThanOrEqual(1);
    expect(r.inbound.pliCount).toBe(0);
  });

  it('a stream whose first packet is never repaired asks for a keyframe when it gives the frame up, not at the next packet', async () => {
    const r = await firstPacketLost({ dropRepairs: true });
    expect(r.dropped).toBeGreaterThan(1);
    expect(r.got).toEqual([]);
    // B's playout delay (3 × RTT + 100 ms) after frame 0, the PLI's way back: well inside
    // the pause. Before, the request waited for the stream's next packet, 2 s on.
    expect(r.requests.length).toBeGreaterThan(0);
    expect(r.requests[0]! - r.lastSent).toBeLessThan(300);
    expect(r.inbound.pliCount).toBeGreaterThan(0);
  });
});
