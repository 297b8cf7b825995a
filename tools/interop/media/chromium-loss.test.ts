import { nodeNet } from '@x/transport';
import {
  type EncodedMediaFrame,
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCStats,
} from '@x/webrtc';
import { describe, expect, it } from 'vitest';
import {
  connected,
  negotiate,
  type PageStats,
  pageClose,
  pageCreate,
  pageStats,
  pageStopVideo,
  settle,
} from './chromium-echo.js';
import { chromiumForTests } from './chromium-media.js';
import { FPS, type MadeStream, makeStream, play } from './ffmpeg-stream.js';
import { isRtcp, type LossyNet, lossyNet } from './lossy-net.js';

const LOSS = 0.05;
/** The cap on our receive path in the TWCC test (bit/s). */
const CAP = 250_000;
const SECONDS = 10;
/**
 * Our receiver's default playout delay with NACK on loopback (3 × RTT + 100 ms: the 100 ms
 * covers a frame interval, since the loss of a frame's last packet shows only when the next
 * frame's first packet arrives). With 3 × RTT + 30 ms (about 33 ms here) 2 to 10 frames of
 * about 88 went missing, with 1 to 4 PLIs, in 3 runs of 6. See media/README.md.
 */
const PLAYOUT_DELAY_MS = 100;
/** VP8 with RTX (RFC 4588), so that retransmissions are told apart in the stats. */
const VIDEO_CODECS = ['video/VP8', 'video/rtx'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Our connection over `net`, loopback only (this host has no other interface). */
const ours = (net: LossyNet) => new RTCPeerConnection({ gather: { includeLoopback: true }, net });

type Stats = RTCStats & Record<string, unknown>;

/** Our `inbound-rtp` or `outbound-rtp` of a kind. */
async function ourRtp(pc: RTCPeerConnection, type: string, kind: string): Promise<Stats> {
  const report = await pc.getStats();
  const found = [...report.values()].find((s) => s.type === type && s.kind === kind);
  if (found === undefined) throw new Error(`our getStats() has no ${type} for ${kind}`);
  return found as Stats;
}

/** How long after a stall of this process frames may still be missing: a PLI's round trip. */
const STALL_RECOVERY_MS = 1000;

/**
 * Watches this process for stalls (a 10 ms timer that fires more than 100 ms late: the host's
 * CPUs busy elsewhere), with their `performance.now()` start and end.
 */
function watchStalls() {
  const found: { start: number; end: number }[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > 100) found.push({ start: last, end: now });
    last = now;
  }, 10);
  return {
    found,
    stop: () => clearInterval(timer),
    line: () => found.map((s) => `${Math.round(s.end - s.start)} ms`).join(', ') || 'none',
  };
}

/** The drops of a lossy path, for the report. */
function lossLine(net: LossyNet): string {
  const c = net.counts;
  return (
    `lost ${c.sentDropped} of ${c.sent} RTP/RTCP datagrams we sent and ` +
    `${c.receivedDropped} of ${c.received} we received`
  );
}

/**
 * Does our receiver send TWCC feedback? Two of our connections on loopback, one sending 1 s
 * of VP8 to the other over a `lossyNet` without loss, which counts the RTCP the receiver
 * sends by type: `transport-cc` is in our video feedback, so once the receive path answers
 * it, TWCC feedback (RTPFB FMT 15) leaves within a second.
 */
async function ourReceiverSendsTwcc(frames: MadeStream['video']): Promise<boolean> {
  const net = lossyNet(nodeNet, { loss: 0, seed: 1 });
  const sender = new RTCPeerConnection({ gather: { includeLoopback: true } });
  const receiver = ours(net);
  try {
    const track = MediaStreamTrack.create('video');
    sender.addTransceiver(track, { direction: 'sendonly' });
    await receiver.setRemoteDescription({ type: 'offer', sdp: await settle(sender) });
    const answer = await settle(receiver);
    await sender.setRemoteDescription({ type: 'answer', sdp: answer });
    if (!/^a=rtcp-fb:\d+ transport-cc/m.test(answer)) return false;
    await Promise.all([connected(sender), connected(receiver)]);
    await play(track, frames.slice(0, FPS), performance.now());
    await sleep(300);
    return net.counts.rtcpSent.twcc > 0;
  } finally {
    sender.close();
    receiver.close();
    await Promise.all([sender.released, receiver.released]);
  }
}

const made = await makeStream('VP8', SECONDS);
const twcc = await ourReceiverSendsTwcc(made.video);

const browser = chromiumForTests();

/** Polls the page until its decoded frames stop moving (at most `ms`). */
async function settledStats(ms: number): Promise<PageStats> {
  let last = await pageStats(browser().page);
  for (const until = performance.now() + ms; performance.now() < until; ) {
    await sleep(300);
    const next = await pageStats(browser().page);
    const same = next.inbound.video?.framesDecoded === last.inbound.video?.framesDecoded;
    last = next;
    if (same) break;
  }
  return last;
}

describe(`5 % loss each way on our side: Chromium ⇄ RTCPeerConnection`, () => {
  it('Chromium decodes every frame of our VP8 without a freeze (its NACKs, our RTX)', async () => {
    expect(made.video).toHaveLength(SECONDS * FPS);
    const page = browser().page;
    const net = lossyNet(nodeNet, { loss: LOSS, seed: 20_6 });
    const pc = ours(net);
    const video = MediaStreamTrack.create('video');
    let keyframeRequests = 0;
    video.onkeyframerequest = () => keyframeRequests++;
    try {
      // The page sends its microphone, as in a call: a Chromium that only receives has no
      // round-trip time and asks again for a packet whose NACK or RTX was lost only after its
      // 100 ms default; with a stream of its own it learns the RTT from our receiver reports
      // (measured: the second NACK 24 ms after the first instead of 101 ms).
      await pageCreate(page, { camera: true, kinds: ['audio'], videoCodecs: VIDEO_CODECS });
      pc.addTransceiver(video, { direction: 'sendonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      await negotiate(page, pc, true);
      const writtenAt: number[] = [];
      const sent = await play(video, made.video, performance.now() + 200, writtenAt);
      const stats = await settledStats(3000);
      const v = stats.inbound.video!;
      const out = await ourRtp(pc, 'outbound-rtp', 'video');
      // Where this process, starved of CPU by others on the host, wrote a frame late: a pause
      // of the source that Chromium rightly shows as a freeze (its rule at 30 fps: a frame
      // shown 183 ms or more after the one before).
      const stalls = writtenAt.slice(1).filter((at, i) => at - writtenAt[i]! > 150).length;
      const longest = Math.max(...writtenAt.slice(1).map((at, i) => at - writtenAt[i]!));
      console.log(
        `our VP8 → chromium at ${LOSS * 100} % loss: ${lossLine(net)}; sent ${sent} frames ` +
          `(at most ${Math.round(longest)} ms apart, ${stalls} gaps over 150 ms), chromium ` +
          `received ${v.framesReceived}, decoded ${v.framesDecoded} (${v.keyFramesDecoded} ` +
          `key, dropped ${v.framesDropped}), freezes ${v.freezeCount} ` +
          `(${Math.round((v.totalFreezesDuration ?? 0) * 1000)} ms), packets lost ` +
          `${v.packetsLost}, NACKs ${v.nackCount}, PLIs ${v.pliCount}, RTX received ` +
          `${v.retransmittedPacketsReceived}; we sent ${out.packetsSent} packets, retransmitted ` +
          `${out.retransmittedPacketsSent}, got ${out.nackCount} NACKs and ${keyframeRequests} ` +
          `keyframe requests`,
      );
      expect(sent).toBe(made.video.length);
      expect(v.mimeType).toBe('video/VP8');
      // The path did lose media both ways, near the rate asked.
      expect(net.counts.sentDropped).toBeGreaterThan(0.03 * net.counts.sent);
      expect(net.counts.sentDropped).toBeLessThan(0.07 * net.counts.sent);
      expect(net.counts.receivedDropped).toBeGreaterThan(0.03 * net.counts.received);
      // Recovered by retransmission: every frame decoded (at most 1 % short), no keyframe asked.
      expect(v.framesDecoded!).toBeGreaterThanOrEqual(Math.ceil(0.99 * sent));
      expect(v.nackCount!).toBeGreaterThan(0);
      expect(out.nackCount as number).toBeGreaterThan(0);
      expect(out.retransmittedPacketsSent as number).toBeGreaterThan(0);
      expect(v.retransmittedPacketsReceived!).toBeGreaterThan(0);
      expect(v.pliCount).toBe(0);
      // No freeze, but for a pause of our own source (a frame written over 150 ms late), and
      // at most one short one (under 250 ms) where a loss needed more than one NACK round: at
      // 5 % each way a NACK or its retransmission is itself lost about one time in ten.
      // Measured with the media tests run alone (vitest.config.ts): 0 freezes in 21 runs of
      // 22, one in a run of the whole group (and once a 189 ms freeze in CI under the load of
      // other test files, before they ran alone).
      expect(v.freezeCount!).toBeLessThanOrEqual(stalls + 1);
      expect((v.totalFreezesDuration ?? 0) * 1000).toBeLessThan(250 * (stalls + 1));
    } finally {
      await pageClose(page);
      pc.close();
      await pc.released;
    }
  }, 40_000);

  it('our track gives every frame of Chromium’s camera (our NACKs, its RTX)', async () => {
    const page = browser().page;
    // Every RTP timestamp (frame) of each SSRC on the wire, in order, before the loss.
    const wire = new Map<number, number[]>();
    // When each frame's first packet reached this process.
    const arrivedAt = new Map<number, number>();
    const net = lossyNet(nodeNet, {
      loss: LOSS,
      seed: 20_62,
      observe: (direction, data) => {
        if (direction !== 'received' || isRtcp(data)) return;
        const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        const ssrc = view.readUInt32BE(8);
        const timestamp = view.readUInt32BE(4);
        const list = wire.get(ssrc) ?? [];
        if (list.at(-1) !== timestamp && !list.includes(timestamp)) {
          list.push(timestamp);
          arrivedAt.set(timestamp, performance.now());
        }
        wire.set(ssrc, list);
      },
    });
    const pc = ours(net);
    const stalls = watchStalls();
    const frames: EncodedMediaFrame[] = [];
    let reading: Promise<void> | undefined;
    pc.ontrack = ({ track }) => {
      if (track.kind !== 'video') return;
      reading = (async () => {
        for await (const f of track.frames() as AsyncIterable<EncodedMediaFrame>) frames.push(f);
      })();
    };
    try {
      await pageCreate(page, { camera: true, videoCodecs: VIDEO_CODECS });
      await negotiate(page, pc, false);
      await sleep(6000);
      await pageStopVideo(page);
      // What is in flight, retransmissions included, arrives and leaves the jitter buffer.
      await sleep(PLAYOUT_DELAY_MS + 800);
      const chromium = (await pageStats(page)).outbound.video!;
      const inbound = await ourRtp(pc, 'inbound-rtp', 'video');
      const sent = wire.get(inbound.ssrc as number) ?? [];
      const out = new Set(frames.map((f) => f.rtpTimestamp));
      const firstKey = frames.find((f) => f.keyframe);
      const from = firstKey === undefined ? sent.length : sent.indexOf(firstKey.rtpTimestamp);
      // The last frame is left out: a loss of its last packets shows in no later packet, so
      // no receiver could ask for them (a stream goes on in real life).
      const expected = sent.slice(from, -1);
      const missing = expected.filter((t) => !out.has(t));
      stalls.stop();
      // A frame that reached us in a stall of this process, or up to a keyframe's round trip
      // after one, may have missed its playout time while we could not run.
      const inStall = (t: number) =>
        stalls.found.some(
          (st) =>
            arrivedAt.get(t)! >= st.start - PLAYOUT_DELAY_MS &&
            arrivedAt.get(t)! <= st.end + STALL_RECOVERY_MS,
        );
      const unexplained = missing.filter((t) => !inStall(t));
      console.log(
        `chromium camera → us at ${LOSS * 100} % loss: ${lossLine(net)}; chromium sent ` +
          `${chromium.framesSent} frames (${chromium.keyFramesEncoded} key; ${sent.length} seen on ` +
          `the wire), ${chromium.packetsSent} packets, got ${chromium.nackCount} NACKs and ` +
          `${chromium.pliCount} PLIs, retransmitted ${chromium.retransmittedPacketsSent}; our ` +
          `frames() gave ${frames.length} (${frames.filter((f) => f.keyframe).length} key): ` +
          `${from} sent before the first keyframe it gave, ${missing.length} of the ` +
          `${expected.length} after it (the last one aside) missing` +
          `${missing.length > 0 ? ` (${missing.length - unexplained.length} in our stalls)` : ''}; ` +
          `this process stalled ${stalls.found.length} times (${stalls.line()}); our ` +
          `inbound-rtp: ${inbound.packetsReceived} packets, ${inbound.retransmittedPacketsReceived} ` +
          `RTX, lost ${inbound.packetsLost}, NACKs ${inbound.nackCount}, PLIs ${inbound.pliCount}, ` +
          `frames dropped ${inbound.framesDropped}`,
      );
      expect(net.counts.receivedDropped).toBeGreaterThan(0.03 * net.counts.received);
      expect(net.counts.receivedDropped).toBeLessThan(0.07 * net.counts.received);
      // Every frame Chromium sent was on the wire (the loss comes after).
      expect(chromium.framesSent!).toBeGreaterThan(60);
      expect(sent.length).toBe(chromium.framesSent);
      // No gap: from the first keyframe we could give (the first one unless the packets before
      // the stream's first arrival were lost: no receiver can NACK those), every frame came out
      // of our track, each once, in order.
      // (This process starved of CPU by others on the host is the exception: see inStall.)
      expect(frames[0]?.keyframe).toBe(true);
      expect(unexplained.length).toBeLessThanOrEqual(Math.floor(0.01 * expected.length));
      expect(frames.map((f) => f.rtpTimestamp).slice(0, expected.length - missing.length)).toEqual(
        expected.filter((t) => out.has(t)),
      );
      expect(from).toBeLessThan(20);
      // By NACK and RTX: some of each, and keyframe requests only for a loss at the very start
      // (a few, each 200 ms apart until the keyframe comes) or a stall.
      expect(inbound.nackCount as number).toBeGreaterThan(0);
      expect(chromium.nackCount!).toBeGreaterThan(0);
      expect(chromium.retransmittedPacketsSent!).toBeGreaterThan(0);
      expect(inbound.retransmittedPacketsReceived as number).toBeGreaterThan(0);
      if (from === 0 && missing.length === 0) expect(inbound.pliCount).toBe(0);
      else if (stalls.found.length === 0) expect(inbound.pliCount as number).toBeLessThanOrEqual(4);
    } finally {
      stalls.stop();
      await pageClose(page);
      pc.close();
      await pc.released;
      await reading;
    }
  }, 30_000);

  const capTest =
    'Chromium’s target bitrate follows our TWCC feedback down to a cap on our receive path' +
    (twcc ? '' : ' (skipped: our receiver sends no TWCC feedback yet; it runs once it does)');
  it.skipIf(!twcc)(
    capTest,
    async () => {
      const page = browser().page;
      // The cap alone, without the 5 % loss: under random loss Chromium's loss-based estimate,
      // not the delay-based one that our feedback's timing drives, sets the rate (README.md).
      const net = lossyNet(nodeNet, { loss: 0, seed: 20_63 });
      const pc = ours(net);
      // A sample of Chromium's sending side and of what passed our cap, every 500 ms.
      const samples: {
        at: number;
        capped: boolean;
        target: number;
        estimate: number;
        delivered: number;
      }[] = [];
      try {
        // VGA, no microphone: the camera alone can send well above the cap (its encoder's target
        // goes up to 1.7 Mbit/s at this size), and nothing else shares the path.
        await pageCreate(page, {
          camera: true,
          kinds: ['video'],
          capture: { width: 640, height: 480, frameRate: 15 },
          videoCodecs: VIDEO_CODECS,
        });
        await negotiate(page, pc, false);
        // Chromium sends with transport-wide sequence numbers and asks for our feedback.
        const answer = pc.localDescription!.sdp;
        expect(answer).toMatch(/^a=rtcp-fb:\d+ transport-cc\r?$/m);
        expect(answer).toMatch(/^a=extmap:\d+ [^\r\n]*transport-wide-cc-extensions-01\r?$/m);
        const t0 = performance.now();
        let last = { at: t0, delivered: net.counts.receivedBytesDelivered };
        // Samples for `ms`, or until `enough` says so.
        let capAt = 0;
        const run = async (ms: number, capped: boolean, enough = () => false) => {
          net.setReceiveCap(capped ? { bitsPerSecond: CAP, queueMs: 300 } : undefined);
          if (capped) capAt = (performance.now() - t0) / 1000;
          for (const end = performance.now() + ms; performance.now() < end && !enough(); ) {
            await sleep(500);
            const s = await pageStats(page);
            const at = performance.now();
            const delivered = net.counts.receivedBytesDelivered;
            samples.push({
              at: (at - t0) / 1000,
              capped,
              target: s.outbound.video?.targetBitrate ?? 0,
              estimate: s.availableOutgoingBitrate ?? 0,
              delivered: ((delivered - last.delivered) * 8) / ((at - last.at) / 1000),
            });
            last = { at, delivered };
          }
        };
        // Uncapped until Chromium sends well above the cap (its first probe usually takes it to
        // its 1.7 Mbit/s maximum at once; when that probe fails it ramps up over seconds).
        await run(8000, false, () => (samples.at(-1)?.target ?? 0) > 2 * CAP);
        const twccBefore = net.counts.rtcpSent.twcc;
        await run(7000, true);
        const before = samples.filter((s) => !s.capped);
        const during = samples.filter((s) => s.capped);
        const down = during.find((s) => s.target <= CAP);
        const tail = during.filter((s) => s.at >= samples.at(-1)!.at - 3);
        const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
        const kbit = (x: number) => Math.round(x / 1000);
        const series = samples.map(
          (s) =>
            `${s.at.toFixed(1)}${s.capped ? '*' : ''} ` +
            `${kbit(s.target)}/${kbit(s.estimate)}/${kbit(s.delivered)}`,
        );
        console.log(
          `chromium camera → us, capped at ${kbit(CAP)} kbit/s after ` +
            `${capAt.toFixed(1)} s: ${lossLine(net)}, ${net.counts.capDropped} dropped by the cap's ` +
            `queue; our TWCC feedback ${net.counts.rtcpSent.twcc}, REMB ${net.counts.rtcpSent.remb}; ` +
            `target under the cap ${down === undefined ? 'never' : `${(down.at - capAt).toFixed(1)} s after it`}; ` +
            `s (* capped) target/estimate/through the cap in kbit/s: ${series.join(', ')}`,
        );
        // Our feedback went on under the cap; no REMB: Chromium adapts by TWCC alone.
        expect(net.counts.rtcpSent.twcc - twccBefore).toBeGreaterThan(7 * 10);
        expect(net.counts.rtcpSent.remb).toBe(0);
        // Before the cap: well above it.
        expect(before.at(-1)!.target).toBeGreaterThan(2 * CAP);
        expect(before.at(-1)!.estimate).toBeGreaterThan(2 * CAP);
        // Down under the cap within 3 s (measured: 1.5 s, in 500 ms samples).
        expect(down).toBeDefined();
        expect(down!.at - capAt).toBeLessThanOrEqual(3);
        // And following it over the last 3 s, neither far above nor collapsed (while our
        // receiver sent no TWCC feedback, Chromium's estimate sank to its 30 kbit/s floor with
        // no cap at all, and stayed there).
        expect(median(tail.map((s) => s.estimate))).toBeLessThanOrEqual(1.3 * CAP);
        expect(median(tail.map((s) => s.estimate))).toBeGreaterThanOrEqual(0.5 * CAP);
        expect(median(tail.map((s) => s.target))).toBeLessThanOrEqual(1.2 * CAP);
        expect(median(tail.map((s) => s.target))).toBeGreaterThanOrEqual(0.3 * CAP);
        expect(median(tail.map((s) => s.delivered))).toBeGreaterThanOrEqual(0.4 * CAP);
      } finally {
        net.setReceiveCap(undefined);
        await pageClose(page);
        pc.close();
        await pc.released;
      }
    },
    40_000,
  );
});
