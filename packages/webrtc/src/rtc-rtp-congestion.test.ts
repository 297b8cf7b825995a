/**
 * Congestion control between two of our peers on the virtual network (issue 20 item 2): B
 * notes the arrival of each packet by its transport-wide sequence number and sends TWCC
 * feedback; A's send-side estimate (GCC) follows what the path carries, and a local track's
 * `targetBitrate` (an extension) tells its source, with `targetbitratechange`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

const clip = JSON.parse(
  readFileSync(new URL('./fixtures/clip-frames.json', import.meta.url), 'utf8'),
) as { tracks: { kind: string; frames: { keyframe: boolean; data: string }[] }[] };
const clipVideo = clip.tracks.find((t) => t.kind === 'video')!.frames;

/** A real VP8 frame of the clip (a keyframe or not) padded with filler to `size` bytes. */
function vp8Frame(size: number, key: boolean, n: number): Uint8Array {
  const base = Buffer.from(
    (key ? clipVideo[0]! : clipVideo[1 + (n % (clipVideo.length - 1))]!).data,
    'base64',
  );
  const data = new Uint8Array(Math.max(size, base.length)).fill(n & 0xff);
  data.set(base);
  return data;
}

describe('send-side bandwidth estimation from TWCC feedback', () => {
  it('a source that follows the track’s targetBitrate fills a 600 kb/s path, then follows the cap down to 300 kb/s and up again', async () => {
    peers = virtualPeers({ seed: 51, delayMs: 10 });
    const { a, b, clock, hostA } = peers;
    const video = MediaStreamTrack.create('video');
    a.addTrack(video);
    b.ontrack = () => {};
    await openChannelPair(peers, 'side');
    expect(video.targetBitrate).toBeNull();
    const before = [...(await a.getStats()).values()] as Record<string, unknown>[];
    for (const x of before) expect(x.availableOutgoingBitrate).toBeUndefined();
    let changes = 0;
    video.ontargetbitratechange = () => changes++;
    const cap = (bps: number) =>
      hostA.link.set({ delayMs: 10, bandwidthBps: bps, queueBytes: 64 * 1024 });
    cap(600_000);
    // An encoder at 30 fps that aims at the target (300 kb/s before there is one).
    const start = clock.now();
    const samples: { at: number; bps: number }[] = [];
    for (let i = 0; i < 30 * 36; i++) {
      const at = (i * 1000) / 30;
      if (at === 12_000) cap(300_000);
      if (at === 24_000) cap(600_000);
      await clock.advanceTo(start + at);
      const target = video.targetBitrate ?? 300_000;
      const key = i % 90 === 0;
      video.writeFrame(vp8Frame(Math.round(target / 8 / 30), key, i), {
        timestamp: Math.round(at * 1000),
        keyframe: key,
      });
      if (i % 15 === 0) samples.push({ at: at / 1000, bps: target });
    }
    const during = (from: number, to: number) =>
      samples.filter((t) => t.at >= from && t.at < to).map((t) => t.bps);
    expect(changes).toBeGreaterThan(3);
    // Up to the 600 kb/s cap, without overshooting it for long.
    expect(Math.max(...during(6, 12))).toBeGreaterThan(0.7 * 600_000);
    expect(Math.min(...during(8, 12))).toBeGreaterThan(0.4 * 600_000);
    expect(Math.max(...during(8, 12))).toBeLessThan(1.2 * 600_000);
    // Down with the cap within 2 s, and not collapsing.
    expect(Math.max(...during(14, 24))).toBeLessThan(1.2 * 300_000);
    expect(Math.min(...during(14, 24))).toBeGreaterThan(0.3 * 300_000);
    // Up again once the cap is lifted.
    expect(Math.max(...during(30, 36))).toBeGreaterThan(0.6 * 600_000);
    // webrtc-stats: the estimate on the selected pair; the track (the only sender) has all of
    // it, as of its last 5 % move.
    const report = [...(await a.getStats()).values()] as Record<string, unknown>[];
    const transport = report.find((x) => x.type === 'transport')!;
    const pair = report.find((x) => x.id === transport.selectedCandidatePairId)!;
    const estimate = pair.availableOutgoingBitrate as number;
    expect(Math.abs(estimate - video.targetBitrate!)).toBeLessThan(0.05 * video.targetBitrate!);
    const others = report.filter((x) => x.type === 'candidate-pair' && x !== pair);
    for (const other of others) expect(other.availableOutgoingBitrate).toBeUndefined();
  });

  it('keeps within the encoding’s maxBitrate (setParameters)', async () => {
    peers = virtualPeers({ seed: 52, delayMs: 10 });
    const { a, b, clock } = peers;
    const video = MediaStreamTrack.create('video');
    const sender = a.addTrack(video);
    b.ontrack = () => {};
    await openChannelPair(peers, 'side');
    const parameters = sender.getParameters();
    parameters.encodings[0]!.maxBitrate = 150_000;
    await sender.setParameters(parameters);
    const start = clock.now();
    const seen: number[] = [];
    for (let i = 0; i < 30 * 5; i++) {
      await clock.advanceTo(start + (i * 1000) / 30);
      const target = video.targetBitrate ?? 300_000;
      if (video.targetBitrate !== null) seen.push(video.targetBitrate);
      video.writeFrame(vp8Frame(Math.round(target / 8 / 30), i === 0, i), {
        timestamp: Math.round((i * 1e6) / 30),
        keyframe: i === 0,
      });
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(150_000);
  });

  it('with a peer that negotiated REMB and not TWCC: the receiver’s REMB is the sender’s estimate', async () => {
    peers = virtualPeers({ seed: 53, delayMs: 10 });
    const { a, b, clock, hostA } = peers;
    const video = MediaStreamTrack.create('video');
    a.addTrack(video);
    b.ontrack = () => {};
    // An offer with goog-remb and abs-send-time but no transport-cc (nor its extension), as
    // an older peer writes it: B's answer follows.
    const noTwcc = (sdp: string) =>
      sdp
        .split('\r\n')
        .filter((l) => !/transport-cc|transport-wide-cc/.test(l))
        .join('\r\n');
    const channel = a.createDataChannel('side');
    await a.setLocalDescription();
    await b.setRemoteDescription({ type: 'offer', sdp: noTwcc(a.localDescription!.sdp) });
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    expect(await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 })).toBe(
      true,
    );
    expect(a.remoteDescription!.sdp).not.toMatch(/transport-cc/);
    expect(a.remoteDescription!.sdp).toMatch(/goog-remb/);
    hostA.link.set({ delayMs: 10, bandwidthBps: 600_000, queueBytes: 64 * 1024 });
    const start = clock.now();
    const samples: number[] = [];
    for (let i = 0; i < 30 * 20; i++) {
      const at = (i * 1000) / 30;
      await clock.advanceTo(start + at);
      const target = video.targetBitrate ?? 300_000;
      if (i % 30 === 0) samples.push(target);
      video.writeFrame(vp8Frame(Math.round(target / 8 / 30), i % 90 === 0, i), {
        timestamp: Math.round(at * 1000),
        keyframe: i % 90 === 0,
      });
    }
    // A REMB every second moved the target; it climbs toward the cap and stays under it.
    expect(video.targetBitrate).not.toBeNull();
    const late = samples.slice(10);
    expect(Math.max(...late)).toBeGreaterThan(0.6 * 600_000);
    expect(Math.max(...late)).toBeLessThan(1.2 * 600_000);
    const report = [...(await a.getStats()).values()] as Record<string, unknown>[];
    const transport = report.find((x) => x.type === 'transport')!;
    const pair = report.find((x) => x.id === transport.selectedCandidatePairId)!;
    expect(pair.availableOutgoingBitrate).toBeGreaterThan(0);
  });
});
