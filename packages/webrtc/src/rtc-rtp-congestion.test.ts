/**
 * Congestion control between two of our peers on the virtual network (issue 20 item 2): B
 * notes the arrival of each packet by its transport-wide sequence number and sends TWCC
 * feedback; A's send-side estimate (GCC) follows what the path carries, and a local track's
 * `targetBitrate` (an extension) tells its source, with `targetbitratechange`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRtp, type RtpPacket, readTransportSequenceNumber, serializeRtp } from '@x/rtp';
import { MediaStreamTrack } from './media-stream-track.js';
import { isRtp } from './testing-media.js';
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
  it('a source that follows the track’s targetBitrate fills a 2 Mb/s path, follows the cap down to 500 kb/s within seconds and up again, without a collapse', async () => {
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
      hostA.link.set({ delayMs: 10, bandwidthBps: bps, queueBytes: 128 * 1024 });
    cap(2_000_000);
    // An encoder at 30 fps that aims at the target (300 kb/s before there is one).
    const start = clock.now();
    const samples: { at: number; bps: number }[] = [];
    for (let i = 0; i < 30 * 44; i++) {
      const at = (i * 1000) / 30;
      if (at === 12_000) cap(500_000);
      if (at === 24_000) cap(2_000_000);
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
    const firstAbove = (bps: number, from: number) =>
      samples.find((t) => t.at >= from && t.bps >= bps)?.at ?? Number.POSITIVE_INFINITY;
    const firstBelow = (bps: number, from: number) =>
      samples.find((t) => t.at >= from && t.bps <= bps)?.at ?? Number.POSITIVE_INFINITY;
    console.log(
      `cap 2 Mb/s → 500 kb/s at 12 s → 2 Mb/s at 24 s: 70 % of 2 Mb/s at ` +
        `${firstAbove(1_400_000, 0).toFixed(1)} s; under 120 % of 500 kb/s at ` +
        `${firstBelow(600_000, 12).toFixed(1)} s; 70 % of 2 Mb/s again at ` +
        `${firstAbove(1_400_000, 24).toFixed(1)} s; lowest after the drop ` +
        `${Math.min(...during(12, 24))} b/s`,
    );
    expect(changes).toBeGreaterThan(3);
    // Up to the 2 Mb/s cap within seconds (probing), without overshooting it for long.
    expect(firstAbove(1_400_000, 0)).toBeLessThan(4);
    expect(Math.min(...during(6, 12))).toBeGreaterThan(0.5 * 2_000_000);
    expect(Math.max(...during(8, 12))).toBeLessThan(1.3 * 2_000_000);
    // Down with the cap within 2 s, and not collapsing.
    expect(firstBelow(600_000, 12)).toBeLessThan(14);
    expect(Math.max(...during(15, 24))).toBeLessThan(1.2 * 500_000);
    expect(Math.min(...during(12, 24))).toBeGreaterThan(0.3 * 500_000);
    // Up again once the cap is lifted: a periodic probe (every 5 s) finds the room. Measured:
    // 70 % of 2 Mb/s 2.5 to 13.5 s after the lift in 20 runs, once not within 12 s (a CI run
    // that ended 12 s after the lift); without periodic probes, 887 kb/s 12 s after it.
    expect(firstAbove(1_200_000, 24)).toBeLessThan(44);
    expect(Math.max(...during(36, 44))).toBeGreaterThan(0.6 * 2_000_000);
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

  it('keeps within the encoding’s maxBitrate (setParameters), and probes a raised one at once', async () => {
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
    // The cap raised to 1.5 Mb/s: one probe at the new maximum, not a climb of 8 % a second.
    const raised = sender.getParameters();
    raised.encodings[0]!.maxBitrate = 1_500_000;
    await sender.setParameters(raised);
    const raisedAt = clock.now();
    let reached: number | undefined;
    for (let i = 150; i < 30 * 8; i++) {
      await clock.advanceTo(start + (i * 1000) / 30);
      const target = video.targetBitrate ?? 300_000;
      if (reached === undefined && target >= 1_200_000) reached = clock.now() - raisedAt;
      video.writeFrame(vp8Frame(Math.round(target / 8 / 30), false, i), {
        timestamp: Math.round((i * 1e6) / 30),
        keyframe: false,
      });
    }
    console.log(`maxBitrate 150 kb/s → 1.5 Mb/s: the target reached 1.2 Mb/s ${reached} ms later`);
    expect(reached).toBeDefined();
    expect(reached!).toBeLessThan(1500);
    expect(video.targetBitrate!).toBeLessThanOrEqual(1_500_000);
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

describe('pacing (issue 20 item 2)', () => {
  it('spreads a keyframe over time, lets audio through at once, numbers packets transport-wide in the order they leave', async () => {
    const wire: { at: number; bytes: Uint8Array }[] = [];
    peers = virtualPeers({
      seed: 54,
      delayMs: 10,
      tapA: (data, _port, _address, at) => {
        if (isRtp(data)) wire.push({ at, bytes: Uint8Array.from(data) });
        return true;
      },
    });
    const { a, b, clock } = peers;
    const video = MediaStreamTrack.create('video');
    const audio = MediaStreamTrack.create('audio');
    a.addTrack(video);
    a.addTrack(audio);
    let framesReceived = 0;
    b.ontrack = (e) => {
      if (e.track.kind !== 'video') return;
      void (async () => {
        for await (const _ of e.track.frames()) framesReceived++;
      })();
    };
    await openChannelPair(peers, 'side');
    wire.length = 0;
    const start = clock.now();
    const FRAMES = 60;
    const KEY_AT = 30;
    // 2 s: 30 fps video (2 kB frames, a 60 kB keyframe at 1 s, as a PLI asks for one) and
    // 20 ms audio frames.
    const events = [
      ...Array.from({ length: FRAMES }, (_, n) => ({ at: Math.round((n * 1000) / 30), n })),
      ...Array.from({ length: 100 }, (_, k) => ({ at: k * 20, n: -1 })),
    ].sort((x, y) => x.at - y.at || x.n - y.n);
    const audioWritten: number[] = [];
    for (const e of events) {
      await clock.advanceTo(start + e.at);
      if (e.n < 0) {
        audioWritten.push(clock.now());
        audio.writeFrame(Uint8Array.of(0xfc, e.at & 0xff, 1, 2, 3), { timestamp: e.at * 1000 });
      } else {
        const key = e.n === 0 || e.n === KEY_AT;
        video.writeFrame(vp8Frame(e.n === KEY_AT ? 60_000 : 2000, key, e.n), {
          timestamp: Math.round((e.n * 1e6) / 30),
          keyframe: key,
        });
      }
    }
    await clock.advance(1000);
    const extmap = /a=extmap:(\d+) [^\r\n]*transport-wide-cc/.exec(a.localDescription!.sdp);
    const twccId = Number(extmap![1]);
    const packets = wire.map((w) => ({ at: w.at, packet: parseRtp(w.bytes) as RtpPacket }));
    // Transport-wide numbers: consecutive in the order the packets went on the wire.
    const numbers = packets.map((p) => readTransportSequenceNumber(p.packet, twccId));
    expect(numbers.every((n, i) => i === 0 || n === ((numbers[i - 1]! + 1) & 0xffff))).toBe(true);
    const OPUS = 111;
    const firstVideo = packets.find((p) => p.packet.payloadType !== OPUS)!.packet;
    const keyTimestamp = (firstVideo.timestamp + KEY_AT * 3000) >>> 0;
    const key = packets.filter(
      (p) => p.packet.ssrc === firstVideo.ssrc && p.packet.timestamp === keyTimestamp,
    );
    // The keyframe (about 50 packets) left over hundreds of ms, a few packets per 5 ms.
    expect(key.length).toBeGreaterThan(40);
    const span = key.at(-1)!.at - key[0]!.at;
    expect(span).toBeGreaterThan(150);
    expect(span).toBeLessThan(1000);
    for (const p of key)
      expect(key.filter((q) => q.at >= p.at && q.at < p.at + 5).length).toBeLessThanOrEqual(3);
    // Audio is never held behind video: each packet left when it was written.
    const audioSent = packets.filter((p) => p.packet.payloadType === OPUS).map((p) => p.at);
    expect(audioSent).toEqual(audioWritten);
    // And the receiver had every frame whole.
    expect(framesReceived).toBe(FRAMES);
  });
});

describe('forwarding through the pacer', () => {
  it('lets forwarded packets (writeRtp) go at once: their source paced them already', async () => {
    const wire: { at: number; padded: boolean }[] = [];
    peers = virtualPeers({
      seed: 55,
      delayMs: 10,
      tapA: (data, _port, _address, at) => {
        if (isRtp(data)) wire.push({ at, padded: (data[0]! & 0x20) !== 0 });
        return true;
      },
    });
    const { a, b, clock } = peers;
    const relay = MediaStreamTrack.create('video');
    a.addTrack(relay);
    b.ontrack = () => {};
    await openChannelPair(peers, 'side');
    await clock.advance(100);
    wire.length = 0;
    // A 50-packet keyframe as it came in from a browser, relayed at once.
    const at = clock.now();
    for (let i = 0; i < 50; i++) {
      const payload = new Uint8Array(1100);
      payload[0] = i === 0 ? 0x10 : 0;
      expect(
        relay.writeRtp(
          serializeRtp({
            payloadType: 96,
            sequenceNumber: 100 + i,
            timestamp: 9000,
            ssrc: 0x1234,
            marker: i === 49,
            payload,
          }),
        ),
      ).toBe(true);
    }
    const media = wire.filter((w) => !w.padded);
    expect(media).toHaveLength(50);
    expect(media.every((w) => w.at === at)).toBe(true);
  });
});

describe('bandwidth probing (issue 20 item 2)', () => {
  /** A sends video at a fixed `bps` (a source that does not follow the estimate) for `seconds` over a 2 Mb/s link. */
  async function fixedRate(seed: number, bps: number, seconds: number) {
    const wire: { at: number; packet: RtpPacket }[] = [];
    // SRTP encrypts the padding too: a padded packet is told by its P bit, not its payload.
    const padded: { at: number; ssrc: number }[] = [];
    peers = virtualPeers({
      seed,
      delayMs: 25,
      tapA: (data, _port, _address, at) => {
        if (!isRtp(data)) return true;
        if ((data[0]! & 0x20) !== 0) padded.push({ at, ssrc: Buffer.from(data).readUInt32BE(8) });
        const packet = parseRtp(Uint8Array.from(data));
        if (typeof packet !== 'string') wire.push({ at, packet });
        return true;
      },
    });
    const { a, b, clock, hostA } = peers;
    hostA.link.set({ delayMs: 25, bandwidthBps: 2_000_000, queueBytes: 64 * 1024 });
    const video = MediaStreamTrack.create('video');
    a.addTrack(video);
    b.ontrack = () => {};
    await openChannelPair(peers, 'side');
    wire.length = 0;
    const start = clock.now();
    const targets: { at: number; bps: number | null }[] = [];
    const written: number[] = [];
    for (let i = 0; i < 30 * seconds; i++) {
      await clock.advanceTo(start + (i * 1000) / 30);
      written.push(clock.now() - start);
      video.writeFrame(vp8Frame(Math.round(bps / 8 / 30), i === 0, i), {
        timestamp: Math.round((i * 1e6) / 30),
        keyframe: i === 0,
      });
      targets.push({ at: clock.now() - start, bps: video.targetBitrate });
    }
    await clock.advance(500);
    return { wire, padded, targets, written, start, a };
  }

  it('takes the estimate of a fixed 1.5 Mb/s source to its rate within 2 s, with the pacer holding nothing for long', async () => {
    const { wire, targets, written, start, a } = await fixedRate(61, 1_500_000, 6);
    const reached = targets.find((t) => (t.bps ?? 0) >= 1_200_000);
    console.log(
      `probing: the estimate reached ${reached?.bps} b/s at ${reached?.at.toFixed(0)} ms; ` +
        `at 6 s ${targets.at(-1)!.bps} b/s`,
    );
    expect(reached).toBeDefined();
    expect(reached!.at).toBeLessThan(2000);
    // The estimate stays near the stream's rate, under the 2 Mb/s link.
    const late = targets.filter((t) => t.at > 3000).map((t) => t.bps!);
    expect(Math.min(...late)).toBeGreaterThan(1_200_000);
    // From 2 s on, each frame's last packet left within 50 ms of its writing.
    const ssrc = wire.find((w) => w.packet.payloadType === 96)!.packet.ssrc;
    const media = wire.filter((w) => w.packet.ssrc === ssrc);
    const firstTs = media[0]!.packet.timestamp;
    const lastAt = new Map<number, number>();
    for (const w of media)
      lastAt.set(Math.round(((w.packet.timestamp - firstTs) >>> 0) / 3000), w.at - start);
    for (const [frame, at] of lastAt)
      if (written[frame]! >= 2000) expect(at - written[frame]!).toBeLessThan(50);
    const stats = [...(await a.getStats()).values()] as Record<string, unknown>[];
    const pair = stats.find((x) => x.type === 'candidate-pair' && x.availableOutgoingBitrate);
    expect(pair?.availableOutgoingBitrate as number).toBeGreaterThan(1_200_000);
  });

  it('probes with RTX padding when the source sends little, and the estimate climbs above what it sends', async () => {
    const { wire, padded, targets } = await fixedRate(62, 100_000, 3);
    const media = wire.find((w) => w.packet.payloadType === 96)!.packet.ssrc;
    const padding = padded.filter((p) => p.ssrc !== media);
    console.log(
      `probing with ${padding.length} padding packets; estimate ${targets.at(-1)!.bps} b/s`,
    );
    expect(padding.length).toBeGreaterThan(5);
    // Padding went out only in probes: about the first second, not continuously.
    expect(padding.at(-1)!.at - padding[0]!.at).toBeLessThan(2000);
    expect(targets.at(-1)!.bps!).toBeGreaterThan(600_000);
  });
});
