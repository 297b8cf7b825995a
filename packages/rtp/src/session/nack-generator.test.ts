import { describe, expect, it } from 'vitest';
import { prng, sameBytes, vp8Frame } from '../codecs/testing-frames.js';
import { parseRtp } from '../packet/rtp-packet.js';
import { nackSequenceNumbers } from '../rtcp/nack.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import type { JitterFrame, MissingPacket } from '../stream/jitter-buffer-options.js';
import { InboundRtpStream } from './inbound-stream.js';
import { NackGenerator, type NackGeneratorStream } from './nack-generator.js';
import { OutboundRtpStream } from './outbound-stream.js';
import { Link, Sim } from './testing-link.js';

/** A stream whose missing packets and keyframe need the test sets. */
function fakeStream() {
  const sent: RtcpPacket[] = [];
  const missingSince = new Map<number, number>();
  const s = {
    ssrc: 0xabc,
    keyframeNeeded: false,
    sent,
    lose(seq: number, atMs: number) {
      missingSince.set(seq, atMs);
    },
    arrive(seq: number) {
      missingSince.delete(seq);
    },
    missing(nowMs: number): MissingPacket[] {
      return [...missingSince].map(([seq, since]) => ({
        sequenceNumber: seq & 0xffff,
        extendedSequenceNumber: seq,
        ageMs: nowMs - since,
      }));
    },
    sendFeedback(p: RtcpPacket) {
      sent.push(p);
    },
    requestKeyframe(): RtcpPacket {
      const p: RtcpPacket = { kind: 'pli', senderSsrc: 1, mediaSsrc: 0xabc };
      sent.push(p);
      return p;
    },
  };
  return s satisfies NackGeneratorStream;
}

const nacked = (packets: RtcpPacket[]) =>
  packets.map((p) => (p.kind === 'nack' ? nackSequenceNumbers(p.items) : p.kind));

describe('NackGenerator', () => {
  it('asks once a gap is older than the reorder delay, then once per RTT, then gives up', () => {
    const s = fakeStream();
    const g = new NackGenerator(s, { feedbackSsrc: 7, rttMs: () => 40, maxRetries: 3 });
    s.lose(100, 0);
    s.lose(102, 0);
    // Reordering: nothing before 5 ms, and the generator says when to look again.
    expect(g.poll(2)).toBe(5);
    expect(s.sent).toEqual([]);
    expect(g.poll(5)).toBe(45);
    expect(s.sent[0]).toMatchObject({ kind: 'nack', senderSsrc: 7, mediaSsrc: 0xabc });
    expect(nacked(s.sent)).toEqual([[100, 102]]);
    // Not again within an RTT.
    expect(g.poll(30)).toBe(45);
    expect(s.sent).toHaveLength(1);
    // 102 arrives (a retransmission): only 100 is asked again.
    s.arrive(102);
    g.poll(45);
    g.poll(85);
    expect(nacked(s.sent)).toEqual([[100, 102], [100], [100]]);
    // Three tries: given up, never asked again.
    expect(g.poll(125)).toBeUndefined();
    g.poll(500);
    expect(s.sent).toHaveLength(3);
    expect(g.stats).toEqual({
      nacksSent: 3,
      packetsRequested: 4,
      packetsMissed: 2,
      packetsGivenUp: 1,
      keyframeRequests: 0,
    });
  });

  it('uses 100 ms while the RTT is unknown, and never retries faster than 5 ms', () => {
    const s = fakeStream();
    let rtt: number | undefined;
    const g = new NackGenerator(s, { rttMs: () => rtt, reorderDelayMs: 0 });
    s.lose(1, 0);
    expect(g.poll(0)).toBe(100);
    rtt = 0.3; // loopback
    expect(g.poll(100)).toBe(105);
  });

  it('tells the stream how long a repair takes (reorder delay, three tries, a round trip), at the start and while a packet is missing', () => {
    const repairs: number[] = [];
    const s = { ...fakeStream(), setRepairMs: (ms: number) => repairs.push(ms) };
    let rtt: number | undefined;
    const g = new NackGenerator(s, { rttMs: () => rtt });
    // Unknown RTT: tries 100 ms apart, 5 + 3 × 100 + 100.
    expect(repairs).toEqual([405]);
    rtt = 40;
    g.poll(0);
    expect(repairs).toEqual([405]); // nothing missing: no work per packet
    s.lose(10, 0);
    g.poll(5);
    expect(repairs.at(-1)).toBe(5 + 3 * 40 + 40);
    // A loopback round trip: tries at least 5 ms apart.
    rtt = 1;
    g.poll(50);
    expect(repairs.at(-1)).toBe(5 + 3 * 5 + 1);
    // No NACK negotiated: no repair to wait for.
    const none: number[] = [];
    new NackGenerator(
      { ...fakeStream(), setRepairMs: (ms: number) => none.push(ms) },
      { nack: false },
    );
    expect(none).toEqual([]);
  });

  it('stops asking for a loss larger than maxMissing: the keyframe replaces it', () => {
    const s = fakeStream();
    const g = new NackGenerator(s, { maxMissing: 10, reorderDelayMs: 0 });
    for (let seq = 0; seq < 11; seq++) s.lose(seq, 0);
    expect(g.poll(0)).toBeUndefined();
    expect(s.sent).toEqual([]);
    expect(g.stats.packetsGivenUp).toBe(11);
    // A later small loss is asked for again.
    for (let seq = 0; seq < 11; seq++) s.arrive(seq);
    s.lose(20, 10);
    g.poll(10);
    expect(nacked(s.sent)).toEqual([[20]]);
  });

  it('never asks to be called again at the time it is called (times that are not whole ms)', () => {
    const s = fakeStream();
    const g = new NackGenerator(s, { rttMs: () => 100 / 3 });
    s.keyframeNeeded = true;
    const t0 = 1000 / 30;
    s.lose(1, t0);
    let now = t0;
    for (let i = 0; i < 200; i++) {
      const next = g.poll(now)!;
      expect(next).toBeGreaterThan(now);
      now = next;
    }
    expect(g.stats.keyframeRequests).toBeGreaterThan(10);
  });

  it('asks for a keyframe while one is needed, at most every keyframeRetryMs, NACK or not', () => {
    const s = fakeStream();
    const g = new NackGenerator(s, { nack: false, keyframeRetryMs: 200 });
    s.lose(5, 0);
    expect(g.poll(10)).toBeUndefined(); // no NACK without `nack`
    s.keyframeNeeded = true;
    expect(g.poll(20)).toBe(220);
    expect(g.poll(100)).toBe(220);
    expect(g.poll(220)).toBe(420);
    s.keyframeNeeded = false;
    expect(g.poll(500)).toBeUndefined();
    expect(nacked(s.sent)).toEqual(['pli', 'pli']);
    expect(g.stats.keyframeRequests).toBe(2);
  });
});

/**
 * VP8 at 30 fps from an OutboundRtpStream (which answers NACKs from its history) to an
 * InboundRtpStream with a NackGenerator: 50 ms one way (100 ms RTT), packets lost and
 * reordered on the media path, feedback lost too.
 */
function recover(options: {
  loss: number;
  targetLatencyMs: number;
  seed: number;
  frames: number;
  maxRetries?: number;
}) {
  const sim = new Sim();
  const rng = prng(options.seed);
  const sent = new Map<number, Uint8Array>();
  const out: JitterFrame[] = [];
  let keyframeAsked = 0;
  let forceKey = false;
  const inbound = new InboundRtpStream({
    ssrc: 0x1111,
    clockRate: 90_000,
    mimeType: 'video/VP8',
    targetLatencyMs: options.targetLatencyMs,
    sendFeedback: (p) => {
      feedbackSent.push(p);
      feedback.send(Uint8Array.of(feedbackSent.length));
    },
  });
  // Feedback is lost as media is; what gets through is acted on at arrival (the link's
  // index is the packet's).
  const feedbackSent: RtcpPacket[] = [];
  const feedback = new Link(
    sim,
    { delayMs: 50, loss: options.loss, seed: options.seed + 1 },
    (_d, _at, index) => {
      const p = feedbackSent[index]!;
      if (p.kind === 'nack') {
        for (const seq of nackSequenceNumbers(p.items)) outbound.retransmit(seq, sim.now);
      } else {
        keyframeAsked++;
        forceKey = true;
      }
    },
  );
  const media = new Link(
    sim,
    { delayMs: 50, jitterMs: 8, loss: options.loss, seed: options.seed, calmUntilMs: 100 },
    (d, at) => {
      const p = parseRtp(d);
      if (typeof p === 'string') throw new Error(p);
      inbound.receive(p, at);
      wake(at);
    },
  );
  const outbound = new OutboundRtpStream({
    ssrc: 0x1111,
    payloadType: 96,
    clockRate: 90_000,
    mimeType: 'video/VP8',
    send: media.send,
  });
  const generator = new NackGenerator(inbound, {
    rttMs: () => 100,
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  });
  let scheduled = Number.POSITIVE_INFINITY;
  function wake(now: number) {
    out.push(...inbound.pop(now));
    const next = Math.min(generator.poll(now) ?? Infinity, inbound.nextDeadline() ?? Infinity);
    if (next < scheduled) {
      scheduled = next;
      sim.at(next, () => {
        scheduled = Number.POSITIVE_INFINITY;
        wake(sim.now);
      });
    }
  }
  for (let i = 0; i < options.frames; i++) {
    sim.at(i * 33, () => {
      const key = i === 0 || forceKey;
      forceKey = false;
      const frame = vp8Frame(rng, key ? 5000 : 400 + rng.int(2500), key);
      outbound.sendFrame(frame, { captureTimeMs: sim.now, keyframe: key }, sim.now);
      sent.set(outbound.stats.lastSentRtpTimestamp!, frame);
    });
  }
  sim.runUntil(options.frames * 33 + 2000);
  return { out, sent, media, inbound, outbound, generator, keyframeAsked };
}

describe('NackGenerator with an OutboundRtpStream answering from its history', () => {
  it('5 % loss both ways, 100 ms RTT, reordering: every frame arrives whole, in order, none skipped', () => {
    const r = recover({ loss: 0.05, targetLatencyMs: 400, seed: 3, frames: 300 });
    expect(r.media.lost).toBeGreaterThanOrEqual(15);
    expect(r.out).toHaveLength(300);
    for (const f of r.out) expect(sameBytes(f.data, r.sent.get(f.timestamp)!)).toBe(true);
    expect(r.keyframeAsked).toBe(0);
    const stats = r.generator.stats;
    expect(stats.packetsMissed).toBeGreaterThanOrEqual(r.media.lost - 5);
    expect(stats.packetsGivenUp).toBe(0);
    expect(r.inbound.stats.nackCount).toBe(stats.nacksSent);
    expect(r.outbound.stats.retransmittedPacketsSent).toBeGreaterThanOrEqual(stats.packetsMissed);
  });

  it('a latency below the round trip: a frame with a loss waits past its playout time for the repair, none is given up', () => {
    const r = recover({ loss: 0.05, targetLatencyMs: 60, seed: 4, frames: 300 });
    expect(r.out).toHaveLength(300);
    for (const f of r.out) expect(sameBytes(f.data, r.sent.get(f.timestamp)!)).toBe(true);
    // Some came out after their playout time: completed by a retransmission (a round trip).
    expect(r.out.filter((f) => f.completeMs > f.playoutMs).length).toBeGreaterThan(0);
    expect(r.keyframeAsked).toBe(0);
    expect(r.generator.stats.packetsGivenUp).toBe(0);
  });

  it('one try only (maxRetries 1): a loss whose NACK or retransmission is lost too is given up, never emitted incomplete, and a PLI brings a keyframe', () => {
    const r = recover({ loss: 0.1, targetLatencyMs: 60, seed: 4, frames: 300, maxRetries: 1 });
    for (const f of r.out) expect(sameBytes(f.data, r.sent.get(f.timestamp)!)).toBe(true);
    expect(r.out.length).toBeLessThan(300);
    expect(r.out.length).toBeGreaterThan(150);
    expect(r.keyframeAsked).toBeGreaterThan(0);
    expect(r.generator.stats.keyframeRequests).toBeGreaterThanOrEqual(r.keyframeAsked);
    expect(r.inbound.stats.pliCount).toBe(r.generator.stats.keyframeRequests);
    // Every keyframe after the first answered a request.
    expect(r.out.filter((f) => f.keyframe).length).toBeGreaterThan(1);
  });
});
