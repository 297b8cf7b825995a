import { describe, expect, it } from 'vitest';
import { h264AccessUnit, prng, sameBytes, vp8Frame } from '../codecs/testing-frames.js';
import { parseRtp } from '../packet/rtp-packet.js';
import { parseRtcp } from '../rtcp/compound.js';
import { ntpTimeToUnixMs } from '../rtcp/ntp.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import type { JitterFrame } from '../stream/jitter-buffer-options.js';
import { InboundRtpStream } from './inbound-stream.js';
import { OutboundRtpStream } from './outbound-stream.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { Link, Sim } from './testing-link.js';

const WALL = 1_700_000_000_000;
const OFFSET = 0xffff_0000; // the timestamp wraps within the first seconds of video
const SSRC = 0x1234_5678;

interface Scenario {
  readonly mimeType: string;
  readonly clockRate: number;
  readonly frameMs: number;
  readonly frames: number;
  readonly makeFrame: (rng: ReturnType<typeof prng>, key: boolean) => Uint8Array;
  readonly loss: number;
  readonly jitterMs: number;
  readonly targetLatencyMs: number;
  readonly seed: number;
  readonly keyframeIntervalFrames?: number;
}

/**
 * Peer A sends one stream to peer B over a lossy, reordering link (40 ms one way plus
 * jitter); RTCP goes both ways over clean 40 ms links; each side has its reporter. B pops
 * frames every 5 ms, asks for a keyframe (at most every 200 ms) while it needs one; A answers
 * with a keyframe. After the media, 6 s more of RTCP.
 */
function run(s: Scenario) {
  const sim = new Sim();
  const rng = prng(s.seed);
  const video = s.mimeType.startsWith('video/');
  const sent = new Map<number, { frame: Uint8Array; key: boolean }>();
  const delivered = { maxIndex: -1, payloadBytes: 0, headerBytes: 0 };
  const rtcpAtoB: RtcpPacket[][] = [];
  const rtcpBtoA: RtcpPacket[][] = [];
  const reportTimes: number[] = [];
  let forceKey = false;
  let keyRequestsAtA = 0;

  let inbound: InboundRtpStream;
  let reporterA: RtcpReporter;
  let reporterB: RtcpReporter;
  const rtp = new Link(
    sim,
    { delayMs: 40, jitterMs: s.jitterMs, loss: s.loss, seed: s.seed, calmUntilMs: 100 },
    (d, at, index) => {
      const p = parseRtp(d);
      if (typeof p === 'string') throw new Error(p);
      delivered.maxIndex = Math.max(delivered.maxIndex, index);
      delivered.payloadBytes += p.payload.length;
      delivered.headerBytes += d.length - p.payload.length;
      inbound.receive(p, at);
      drain(at);
    },
  );
  const rtcpAB = new Link(sim, { delayMs: 40 }, (d, at) => {
    const packets = parseRtcp(d, { requireCompound: true });
    if (typeof packets === 'string') throw new Error(packets);
    rtcpAtoB.push(packets);
    reporterB.receiveRtcp(packets, at);
  });
  const rtcpBA = new Link(sim, { delayMs: 40 }, (d, at) => {
    const packets = parseRtcp(d);
    if (typeof packets === 'string') throw new Error(packets);
    rtcpBtoA.push(packets);
    reporterA.receiveRtcp(packets, at);
  });

  const outbound = new OutboundRtpStream({
    ssrc: SSRC,
    payloadType: video ? 96 : 111,
    clockRate: s.clockRate,
    mimeType: s.mimeType,
    timestampOffset: OFFSET,
    initialSequenceNumber: 65_000,
    send: rtp.send,
    onKeyframeRequest: () => {
      keyRequestsAtA++;
      forceKey = true;
    },
  });
  reporterA = new RtcpReporter({
    cname: 'peer-a',
    send: (c) => {
      reportTimes.push(sim.now);
      rtcpAB.send(c);
    },
    wallClock: () => WALL + sim.now,
    random: prng(s.seed + 1).next,
  });
  reporterA.addStream(outbound);
  inbound = new InboundRtpStream({
    ssrc: SSRC,
    clockRate: s.clockRate,
    mimeType: s.mimeType,
    targetLatencyMs: s.targetLatencyMs,
    sendFeedback: (p) => reporterB.sendFeedback([p]),
  });
  reporterB = new RtcpReporter({
    cname: 'peer-b',
    send: rtcpBA.send,
    wallClock: () => WALL + 12_345 + sim.now, // another wall clock: RTT must not care
    random: prng(s.seed + 2).next,
  });
  reporterB.addStream(inbound);

  const out: JitterFrame[] = [];
  let lastRequest = Number.NEGATIVE_INFINITY;
  function drain(now: number) {
    out.push(...inbound.pop(now));
    if (inbound.keyframeNeeded && now - lastRequest >= 200 && inbound.stats.packetsReceived > 0) {
      lastRequest = now;
      inbound.requestKeyframe();
    }
  }

  // Media: one frame every frameMs; RTCP and popping on a 5 ms tick.
  const mediaEnd = s.frames * s.frameMs;
  for (let i = 0; i < s.frames; i++) {
    sim.at(i * s.frameMs, () => {
      const key =
        video &&
        (i === 0 ||
          forceKey ||
          (s.keyframeIntervalFrames !== undefined && i % s.keyframeIntervalFrames === 0));
      forceKey = false;
      const frame = s.makeFrame(rng, key);
      outbound.sendFrame(frame, { captureTimeMs: sim.now, keyframe: key }, sim.now);
      sent.set(outbound.stats.lastSentRtpTimestamp!, { frame, key });
    });
  }
  for (let t = 0; t <= mediaEnd + 6000; t += 5) {
    sim.at(t, () => {
      reporterA.tick(sim.now);
      reporterB.tick(sim.now);
      drain(sim.now);
    });
  }
  sim.runUntil(mediaEnd + 6000);
  return {
    outbound,
    inbound,
    reporterA,
    reporterB,
    sent,
    out,
    rtp,
    delivered,
    rtcpAtoB,
    rtcpBtoA,
    reportTimes,
    keyRequestsAtA,
  };
}

function checkFrames(r: ReturnType<typeof run>) {
  // Every frame out is one that was sent, whole, in order, once.
  let previous = -1;
  for (const f of r.out) {
    const original = r.sent.get(f.timestamp);
    expect(original).toBeDefined();
    // H.264 included: an IDR whose STAP-A of SPS and PPS was lost gets the last ones back.
    expect(sameBytes(f.data, original!.frame)).toBe(true);
    const unwrapped = (f.timestamp - OFFSET) >>> 0;
    expect(unwrapped).toBeGreaterThan(previous);
    previous = unwrapped;
  }
}

function checkCounters(r: ReturnType<typeof run>) {
  const o = r.outbound.stats;
  const i = r.inbound.stats;
  expect(o.packetsSent).toBe(r.rtp.sent);
  expect(i.packetsReceived).toBe(r.rtp.sent - r.rtp.lost);
  expect(i.bytesReceived).toBe(r.delivered.payloadBytes);
  expect(i.headerBytesReceived).toBe(r.delivered.headerBytes);
  // RFC 3550 §A.3: losses after the highest sequence number received are not known yet.
  const lost = r.rtp.lostIndexes.filter((k) => k < r.delivered.maxIndex).length;
  expect(r.rtp.lostIndexes[0] ?? 99).toBeGreaterThanOrEqual(2); // the first two validate the source
  expect(i.packetsLost).toBe(lost);
  expect(i.framesReceived).toBe(r.out.length);
  expect(i.lastPacketReceivedTimestamp).toBeGreaterThan(0);
  // The peer's last report (after the media ended) says the same.
  const remote = r.outbound.remoteInbound!;
  expect(remote.packetsLost).toBe(lost);
  expect(remote.highestSequenceNumber % 65536).toBe((65_000 + r.delivered.maxIndex) % 65536);
  expect(remote.jitter).toBeCloseTo(i.jitter, 3);
}

function checkReports(r: ReturnType<typeof run>, clockRate: number, minRtts = 4) {
  // A's SRs: the NTP time is the wall clock at sending, the RTP timestamp the last frame's
  // extrapolated to it (capture time = send time here), the counts the sender's at that time.
  const srs = r.rtcpAtoB.map((c) => c[0]!).filter((p) => p.kind === 'sr');
  expect(srs.length).toBe(r.reportTimes.length);
  for (const [k, sr] of srs.entries()) {
    if (sr.kind !== 'sr') continue;
    const at = r.reportTimes[k]!;
    expect(ntpTimeToUnixMs({ seconds: sr.ntpSeconds, fraction: sr.ntpFraction })).toBeCloseTo(
      WALL + at,
      0,
    );
    const expected = (OFFSET + Math.round((at * clockRate) / 1000)) >>> 0;
    expect(Math.abs((sr.rtpTimestamp - expected) | 0)).toBeLessThanOrEqual(1);
    expect(sr.ssrc).toBe(SSRC);
  }
  // Each compound: SR (or RR) first, then SDES with the CNAME (RFC 3550 §6.1).
  for (const c of r.rtcpAtoB) {
    expect(c[1]?.kind).toBe('sdes');
  }
  for (const c of r.rtcpBtoA) {
    expect(c[0]!.kind).toBe('rr');
    expect(c[1]!.kind).toBe('sdes');
  }
  // B's report blocks echo A's SRs: RTT is 40 + 40 ms.
  const remote = r.outbound.remoteInbound!;
  expect(remote.roundTripTime).toBeCloseTo(0.08, 3);
  expect(remote.roundTripTimeMeasurements).toBeGreaterThanOrEqual(minRtts);
  expect(remote.totalRoundTripTime / remote.roundTripTimeMeasurements).toBeCloseTo(0.08, 3);
  // B saw A's SR: remote-outbound-rtp.
  const ro = r.inbound.remoteOutbound!;
  expect(ro.packetsSent).toBe(r.outbound.stats.packetsSent);
  expect(ro.bytesSent).toBe(r.outbound.stats.bytesSent);
  expect(ro.reportsSent).toBe(srs.length);
  expect(r.inbound.cname).toBe('peer-a');
}

describe('OutboundRtpStream → InboundRtpStream, back to back', () => {
  it('VP8 over a clean link: every frame, in order, counters and reports agree', () => {
    const r = run({
      mimeType: 'video/VP8',
      clockRate: 90_000,
      frameMs: 33,
      frames: 150,
      loss: 0,
      jitterMs: 0,
      targetLatencyMs: 0,
      seed: 7,
      keyframeIntervalFrames: 60,
      makeFrame: (rng, key) => vp8Frame(rng, key ? 6000 + rng.int(4000) : 300 + rng.int(3000), key),
    });
    expect(r.out.length).toBe(150);
    checkFrames(r);
    expect(r.out.map((f) => f.keyframe)).toEqual([...r.sent.values()].map((s) => s.key));
    expect(r.outbound.stats.framesSent).toBe(150);
    expect(r.outbound.stats.keyFramesSent).toBe(3);
    expect(r.inbound.stats.keyFramesReceived).toBe(3);
    expect(r.inbound.stats.pliCount).toBe(0);
    checkCounters(r);
    checkReports(r, 90_000);
    // Video: the first report after half a second on average, then every second, each
    // randomized in [0.5, 1.5) (RFC 3550 §6.2, §6.3.1); on a 5 ms tick.
    expect(r.reportTimes[0]).toBeGreaterThanOrEqual(250);
    expect(r.reportTimes[0]).toBeLessThanOrEqual(755);
    const gaps = r.reportTimes.slice(1).map((t, k) => t - r.reportTimes[k]!);
    expect(gaps.length).toBeGreaterThan(8);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(500);
      expect(g).toBeLessThanOrEqual(1505);
    }
  });

  it('VP8 with 3 % loss and reordering: frames whole and in order, a PLI brings a keyframe', () => {
    const r = run({
      mimeType: 'video/VP8',
      clockRate: 90_000,
      frameMs: 33,
      frames: 300,
      loss: 0.03,
      jitterMs: 25,
      targetLatencyMs: 60,
      seed: 11,
      makeFrame: (rng, key) => vp8Frame(rng, key ? 6000 + rng.int(4000) : 300 + rng.int(3000), key),
    });
    expect(r.rtp.lost).toBeGreaterThan(10);
    checkFrames(r);
    checkCounters(r);
    checkReports(r, 90_000);
    // Losses made B ask; each PLI crossed the clean RTCP link and A answered with a keyframe.
    expect(r.inbound.stats.pliCount).toBeGreaterThan(0);
    expect(r.outbound.stats.pliCount).toBe(r.inbound.stats.pliCount);
    expect(r.keyRequestsAtA).toBe(r.inbound.stats.pliCount);
    expect(r.outbound.stats.keyFramesSent).toBeGreaterThan(1);
    // Recovery: frames keep coming out until the end.
    const lastOut = (r.out.at(-1)!.timestamp - OFFSET) >>> 0;
    expect(lastOut).toBeGreaterThan(290 * 33 * 90);
    expect(r.out.length).toBeGreaterThan(150);
    expect(r.inbound.stats.framesDropped).toBeGreaterThan(0);
    // The PLI went in a compound: RR, SDES, PLI (RFC 4585 §3.1 minimal compound).
    const withPli = r.rtcpBtoA.find((c) => c.some((p) => p.kind === 'pli'))!;
    expect(withPli.map((p) => p.kind)).toEqual(['rr', 'sdes', 'pli']);
  });

  it('H.264 with 2 % loss and reordering: access units whole and in order', () => {
    const r = run({
      mimeType: 'video/H264',
      clockRate: 90_000,
      frameMs: 33,
      frames: 200,
      loss: 0.02,
      jitterMs: 20,
      targetLatencyMs: 50,
      seed: 5,
      makeFrame: (rng, key) =>
        h264AccessUnit(rng, key ? 8000 : 200 + rng.int(4000), key, key ? 2 : 1),
    });
    expect(r.rtp.lost).toBeGreaterThan(3);
    checkFrames(r);
    checkCounters(r);
    checkReports(r, 90_000);
    expect(r.out.length).toBeGreaterThan(100);
    expect(r.out.filter((f) => f.keyframe).length).toBeGreaterThan(1);
  });

  it('Opus with 5 % loss and reordering: every frame that arrived in time, in order', () => {
    const r = run({
      mimeType: 'audio/opus',
      clockRate: 48_000,
      frameMs: 20,
      frames: 500,
      loss: 0.05,
      jitterMs: 30,
      targetLatencyMs: 60,
      seed: 3,
      makeFrame: (rng) => Uint8Array.from({ length: 60 + rng.int(140) }, () => rng.byte()),
    });
    checkFrames(r);
    checkCounters(r);
    checkReports(r, 48_000, 1);
    // Audio never waits for a keyframe and loses only what the link lost.
    expect(r.inbound.stats.pliCount).toBe(0);
    expect(r.out.length).toBe(r.rtp.sent - r.rtp.lost - r.inbound.stats.packetsDiscarded);
    expect(r.inbound.stats.jitter).toBeGreaterThan(0);
    // Audio only: reports every 5 s on average (RFC 3550 §6.2), randomized.
    const gaps = r.reportTimes.slice(1).map((t, k) => t - r.reportTimes[k]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(2500);
      expect(g).toBeLessThanOrEqual(7505);
    }
  });
});

describe('InboundRtpStream driven by nextDeadline alone', () => {
  it('one timer at nextDeadline() releases every frame, each when due', () => {
    const sim = new Sim();
    const rng = prng(17);
    const inbound = new InboundRtpStream({
      ssrc: SSRC,
      clockRate: 90_000,
      mimeType: 'video/VP8',
      targetLatencyMs: 80,
    });
    const out: { frame: JitterFrame; at: number }[] = [];
    let timerAt: number | undefined;
    const drain = () => {
      for (const frame of inbound.pop(sim.now)) out.push({ frame, at: sim.now });
      const next = inbound.nextDeadline();
      if (next !== undefined && next !== timerAt) {
        timerAt = next;
        sim.at(next, () => {
          if (timerAt === next) timerAt = undefined;
          drain();
        });
      }
    };
    const link = new Link(
      sim,
      { delayMs: 30, jitterMs: 40, seed: 17, calmUntilMs: 100 },
      (d, at) => {
        const p = parseRtp(d);
        if (typeof p === 'string') throw new Error(p);
        inbound.receive(p, at);
        drain();
      },
    );
    const outbound = new OutboundRtpStream({
      ssrc: SSRC,
      payloadType: 96,
      clockRate: 90_000,
      mimeType: 'video/VP8',
      send: link.send,
    });
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 90; i++) {
      sim.at(i * 33, () => {
        const frame = vp8Frame(rng, 200 + rng.int(3000), i === 0);
        frames.push(frame);
        outbound.sendFrame(frame, {}, sim.now);
      });
    }
    sim.runUntil(10_000);
    // Nothing lost, so every frame comes out, in order, none before it was due.
    expect(out.length).toBe(90);
    out.forEach(({ frame, at }, i) => {
      expect(sameBytes(frame.data, frames[i])).toBe(true);
      expect(at).toBeGreaterThanOrEqual(frame.playoutMs);
    });
    expect(inbound.nextDeadline()).toBeUndefined();
  });
});
