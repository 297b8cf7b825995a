import { describe, expect, it } from 'vitest';
import { prng, sameBytes, vp8Frame } from '../codecs/testing-frames.js';
import { parseRtp } from '../packet/rtp-packet.js';
import { parseRtcp } from '../rtcp/compound.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import type { JitterFrame } from '../stream/jitter-buffer-options.js';
import { InboundRtpStream } from './inbound-stream.js';
import { OutboundRtpStream } from './outbound-stream.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { Link, Sim } from './testing-link.js';

/** One end of a connection: a reporter, its streams, and the RTCP it received. */
function endpoint(sim: Sim, name: string, seed: number) {
  const rtcpIn: RtcpPacket[][] = [];
  let link: Link | undefined;
  const reporter = new RtcpReporter({
    cname: name,
    send: (c) => link!.send(c),
    wallClock: () => 1_700_000_000_000 + sim.now + seed * 1000,
    random: prng(seed).next,
  });
  return {
    reporter,
    rtcpIn,
    connect(l: Link) {
      link = l;
    },
    receive(d: Uint8Array, at: number) {
      const packets = parseRtcp(d);
      if (typeof packets === 'string') throw new Error(packets);
      rtcpIn.push(packets);
      reporter.receiveRtcp(packets, at);
    },
  };
}

describe('two peers sending to each other', () => {
  it('each SR carries the block about the other side; both measure the RTT (RFC 3550 §6.4.1)', () => {
    const sim = new Sim();
    const a = endpoint(sim, 'a', 1);
    const b = endpoint(sim, 'b', 2);
    const rng = prng(9);
    let bAudio: InboundRtpStream;
    let aVideo: InboundRtpStream;
    const rtpAB = new Link(sim, { delayMs: 30 }, (d, at) => {
      const p = parseRtp(d);
      if (typeof p !== 'string') aVideo.receive(p, at);
    });
    const rtpBA = new Link(sim, { delayMs: 50 }, (d, at) => {
      const p = parseRtp(d);
      if (typeof p !== 'string') bAudio.receive(p, at);
    });
    a.connect(new Link(sim, { delayMs: 30 }, (d, at) => b.receive(d, at)));
    b.connect(new Link(sim, { delayMs: 50 }, (d, at) => a.receive(d, at)));
    const video = new OutboundRtpStream({
      ssrc: 0xa1,
      payloadType: 96,
      clockRate: 90_000,
      mimeType: 'video/VP8',
      send: rtpAB.send,
    });
    const audio = new OutboundRtpStream({
      ssrc: 0xb1,
      payloadType: 111,
      clockRate: 48_000,
      mimeType: 'audio/opus',
      send: rtpBA.send,
    });
    aVideo = new InboundRtpStream({
      ssrc: 0xa1,
      clockRate: 90_000,
      mimeType: 'video/VP8',
      feedbackSsrc: 0xb1,
    });
    bAudio = new InboundRtpStream({
      ssrc: 0xb1,
      clockRate: 48_000,
      mimeType: 'audio/opus',
      feedbackSsrc: 0xa1,
    });
    a.reporter.addStream(video);
    a.reporter.addStream(bAudio);
    b.reporter.addStream(audio);
    b.reporter.addStream(aVideo);
    for (let t = 0; t <= 8000; t += 5) {
      sim.at(t, () => {
        if (t % 33 === 0) video.sendFrame(vp8Frame(rng, 800, t === 0), {}, sim.now);
        if (t % 20 === 0) audio.sendFrame(Uint8Array.of(0xf8, rng.byte()), {}, sim.now);
        a.reporter.tick(sim.now);
        b.reporter.tick(sim.now);
        aVideo.pop(sim.now);
        bAudio.pop(sim.now);
      });
    }
    sim.runUntil(8000);
    // Video on the connection: a report every second on average from each side.
    expect(a.reporter.intervalMs).toBe(1000);
    expect(b.reporter.intervalMs).toBe(1000);
    for (const [compounds, sender, about] of [
      [b.rtcpIn, 0xa1, 0xb1],
      [a.rtcpIn, 0xb1, 0xa1],
    ] as const) {
      expect(compounds.length).toBeGreaterThan(5);
      for (const c of compounds.slice(1)) {
        expect(c.map((p) => p.kind)).toEqual(['sr', 'sdes']);
        const sr = c[0]!;
        if (sr.kind !== 'sr') throw new Error();
        expect(sr.ssrc).toBe(sender);
        expect(sr.reports.map((r) => r.ssrc)).toEqual([about]);
      }
    }
    expect(video.remoteInbound!.roundTripTime).toBeCloseTo(0.08, 3);
    expect(audio.remoteInbound!.roundTripTime).toBeCloseTo(0.08, 3);
    expect(video.remoteInbound!.packetsLost).toBe(0);
    expect(aVideo.remoteOutbound!.reportsSent).toBe(video.stats.senderReportsSent);
    expect(bAudio.cname).toBe('b');
    expect(aVideo.cname).toBe('a');
  });
});

describe('an SFU forwarding one publisher, then another, to a subscriber', () => {
  it('keeps the gaps of the upstream loss, continues its numbering on a switch, asks for keyframes', () => {
    const sim = new Sim();
    const rng = prng(21);
    const sentFrames = new Map<string, Uint8Array>(); // publisher:timestamp → frame
    const publishers = [0x11, 0x22].map((ssrc, k) => {
      const forceKey = { value: true };
      // Upstream: 2 % loss, no reordering; the SFU keeps statistics only (no jitter buffer).
      const upstream = new InboundRtpStream({
        ssrc,
        clockRate: 90_000,
        depacketizer: false,
        feedbackSsrc: 0x99,
      });
      const link = new Link(
        sim,
        { delayMs: 20, loss: 0.02, seed: 40 + k, calmUntilMs: 100 },
        (d, at) => {
          const p = parseRtp(d);
          if (typeof p === 'string') return;
          upstream.receive(p, at);
          if (active === k) forward.sendRtp(p, at);
        },
      );
      const out = new OutboundRtpStream({
        ssrc,
        payloadType: 100,
        clockRate: 90_000,
        mimeType: 'video/VP8',
        send: link.send,
        onKeyframeRequest: () => {
          forceKey.value = true;
        },
      });
      return { ssrc, out, upstream, link, forceKey };
    });
    let active = 0;
    const received: JitterFrame[] = [];
    const subscriber = new InboundRtpStream({
      ssrc: 0x5f,
      clockRate: 90_000,
      mimeType: 'video/VP8',
      targetLatencyMs: 40,
      // The subscriber's PLI reaches the SFU's sender, which asks the active publisher.
      sendFeedback: (p) => sim.at(sim.now + 10, () => forward.receiveRtcp(p, sim.now)),
    });
    const downstream = new Link(sim, { delayMs: 10 }, (d, at) => {
      const p = parseRtp(d);
      if (typeof p === 'string') return;
      expect(p.ssrc).toBe(0x5f);
      subscriber.receive(p, at);
    });
    const forward = new OutboundRtpStream({
      ssrc: 0x5f,
      payloadType: 96,
      clockRate: 90_000,
      send: downstream.send,
      onKeyframeRequest: () => {
        const pli = publishers[active]!.upstream.requestKeyframe();
        sim.at(sim.now + 20, () => publishers[active]!.out.receiveRtcp(pli, sim.now));
      },
    });
    let lastPli = Number.NEGATIVE_INFINITY;
    for (let t = 0; t <= 6000; t += 5) {
      sim.at(t, () => {
        if (t === 3000) {
          // Switch to the other publisher: continue our numbering, ask it for a keyframe.
          active = 1;
          forward.resync();
          publishers[1]!.forceKey.value = true;
        }
        if (t % 35 === 0) {
          for (const [k, pub] of publishers.entries()) {
            const key = pub.forceKey.value;
            pub.forceKey.value = false;
            const frame = vp8Frame(rng, key ? 3000 : 200 + rng.int(2000), key);
            pub.out.sendFrame(frame, { keyframe: key }, sim.now);
            sentFrames.set(`${k}:${pub.out.stats.lastSentRtpTimestamp}`, frame);
          }
        }
        received.push(...subscriber.pop(sim.now));
        if (subscriber.keyframeNeeded && sim.now - lastPli >= 100) {
          lastPli = sim.now;
          subscriber.requestKeyframe();
        }
      });
    }
    sim.runUntil(6000);
    const [p0, p1] = publishers;
    expect(p0!.link.lost + p1!.link.lost).toBeGreaterThan(5);
    // Every frame the subscriber got is one of the active publisher's, whole.
    const before = received.filter((f) => f.completeMs < 3000);
    const after = received.filter((f) => f.completeMs > 3200);
    expect(before.length).toBeGreaterThan(40);
    expect(after.length).toBeGreaterThan(40);
    for (const f of received) {
      const origin = [...sentFrames.entries()].find(([, frame]) => sameBytes(frame, f.data));
      expect(origin).toBeDefined();
    }
    // Numbering went on across the switch: no reset, and the losses the subscriber counts are
    // the upstream losses of the packets that were forwarded (the SFU keeps the gaps).
    expect(subscriber.stats.packetsLost).toBeGreaterThan(0);
    expect(subscriber.stats.packetsLost).toBeLessThanOrEqual(p0!.link.lost + p1!.link.lost);
    expect(subscriber.stats.packetsReceived).toBe(forward.stats.packetsSent);
    expect(subscriber.stats.pliCount).toBeGreaterThan(0);
    expect(forward.stats.pliCount).toBe(subscriber.stats.pliCount);
    expect(p0!.out.stats.pliCount + p1!.out.stats.pliCount).toBe(forward.stats.pliCount);
  });
});
