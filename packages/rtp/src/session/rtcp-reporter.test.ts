import { describe, expect, it } from 'vitest';
import { prng, vp8Frame } from '../codecs/testing-frames.js';
import { RtpError } from '../errors.js';
import { parseRtp } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import { parseRtcp } from '../rtcp/compound.js';
import { ntpTimeToUnixMs } from '../rtcp/ntp.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import { SdesItemType } from '../rtcp/sdes.js';
import { InboundRtpStream } from './inbound-stream.js';
import { OutboundRtpStream } from './outbound-stream.js';
import { type RtcpReporterOptions, RtcpReporter } from './rtcp-reporter.js';

const WALL = 1_700_000_000_000;

function reporter(overrides: Partial<RtcpReporterOptions> = {}) {
  const sent: RtcpPacket[][] = [];
  let now = 0;
  const r = new RtcpReporter({
    cname: 'me',
    send: (c) => {
      const packets = parseRtcp(c);
      if (typeof packets === 'string') throw new Error(packets);
      sent.push(packets);
    },
    wallClock: () => WALL + now,
    random: () => 0.5,
    ...overrides,
  });
  return {
    r,
    sent,
    setNow: (t: number) => {
      now = t;
    },
  };
}

function outbound(ssrc: number, kind: 'audio' | 'video' = 'video') {
  return new OutboundRtpStream({
    ssrc,
    payloadType: kind === 'video' ? 96 : 111,
    clockRate: kind === 'video' ? 90_000 : 48_000,
    mimeType: kind === 'video' ? 'video/VP8' : 'audio/opus',
    timestampOffset: 0,
    send: () => {},
  });
}

/** An inbound stream that has received `count` packets in sequence (validated, §A.1). */
function inbound(ssrc: number, count = 3, kind: 'audio' | 'video' = 'audio') {
  const s = new InboundRtpStream({ ssrc, clockRate: 48_000, kind, depacketizer: false });
  for (let i = 0; i < count; i++) {
    const p = parseRtp(
      serializeRtp({
        payloadType: 111,
        sequenceNumber: i,
        timestamp: i * 960,
        ssrc,
        payload: Uint8Array.of(1),
      }),
    );
    if (typeof p !== 'string') s.receive(p, i * 20);
  }
  return s;
}

const kinds = (c: RtcpPacket[]) => c.map((p) => p.kind);

describe('RtcpReporter: regular reports', () => {
  it('first tick schedules half an interval ahead (RFC 3550 §6.2), then one interval each', () => {
    const { r, sent } = reporter();
    r.addStream(inbound(10));
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.tick(0)).toBe(false);
    expect(r.nextDeadline()).toBe(5000 / 2); // audio only, random 0.5 → factor 1
    expect(r.tick(2499)).toBe(false);
    expect(r.tick(2500)).toBe(true);
    expect(r.nextDeadline()).toBe(7500);
    expect(sent.length).toBe(1);
    r.addStream(outbound(20));
    expect(r.intervalMs).toBe(1000); // a video stream: 1 s, from the last report on
    expect(r.nextDeadline()).toBe(3500);
    r.addStream(outbound(21, 'audio'));
    expect(r.nextDeadline()).toBe(3500);
    expect(r.stats.reportsSent).toBe(1);
  });

  it('sends an RR from the reporting SSRC with a block per received stream when we send nothing (§6.4.2)', () => {
    const { r, sent } = reporter({ ssrc: 0xabc });
    r.addStream(inbound(10));
    r.addStream(inbound(11, 1)); // still on probation: no block yet
    r.sendReport(100);
    expect(kinds(sent[0]!)).toEqual(['rr', 'sdes']);
    const rr = sent[0]![0]!;
    expect(rr.kind === 'rr' && rr.ssrc).toBe(0xabc);
    expect(rr.kind === 'rr' && rr.reports.map((b) => b.ssrc)).toEqual([10]);
    const sdes = sent[0]![1]!;
    expect(sdes.kind === 'sdes' && sdes.chunks).toEqual([
      { ssrc: 0xabc, items: [{ type: SdesItemType.CNAME, text: 'me' }] },
    ]);
  });

  it('sends an SR per sending stream (§6.4.1), the blocks in the first, 31 at most, more in RRs', () => {
    const { r, sent, setNow } = reporter();
    const a = outbound(20);
    const b = outbound(21);
    const silent = outbound(22);
    for (const s of [a, b, silent]) r.addStream(s);
    for (let i = 0; i < 40; i++) r.addStream(inbound(100 + i));
    a.sendFrame(vp8Frame(prng(1), 100, true), { captureTimeMs: 0 }, 0);
    b.sendFrame(vp8Frame(prng(2), 100, true), { captureTimeMs: 0 }, 0);
    setNow(1000);
    r.sendReport(1000);
    const c = sent[0]!;
    expect(kinds(c)).toEqual(['sr', 'sr', 'rr', 'sdes']);
    const [srA, srB, rr, sdes] = c;
    if (srA?.kind !== 'sr' || srB?.kind !== 'sr' || rr?.kind !== 'rr' || sdes?.kind !== 'sdes')
      throw new Error();
    expect([srA.ssrc, srB.ssrc]).toEqual([20, 21]);
    expect(srA.reports.length).toBe(31);
    expect(srB.reports.length).toBe(0);
    expect(rr.ssrc).toBe(20);
    expect(rr.reports.length).toBe(9);
    expect(ntpTimeToUnixMs({ seconds: srA.ntpSeconds, fraction: srA.ntpFraction })).toBeCloseTo(
      WALL + 1000,
      0,
    );
    expect(srA.rtpTimestamp).toBe(90_000);
    expect(srA.packetCount).toBe(a.stats.packetsSent);
    expect(sdes.chunks.map((ch) => ch.ssrc)).toEqual([20, 21]);
  });

  it('sends nothing without streams, but keeps its schedule', () => {
    const { r, sent } = reporter();
    r.tick(0);
    expect(r.tick(10_000)).toBe(false);
    expect(sent).toEqual([]);
    expect(r.nextDeadline()).toBe(15_000);
  });

  it('refuses options out of range (RtpConfigurationError)', () => {
    expect(() => reporter({ ssrc: -1 })).toThrow(RtpError);
    expect(() => reporter({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => reporter({ cname: '' })).toThrow(/CNAME/);
  });
});

describe('RtcpReporter: BYE, feedback and routing', () => {
  it('BYE (RFC 3550 §6.6): report, SDES, BYE with the reason; no SR for that SSRC afterwards', () => {
    const { r, sent } = reporter();
    const a = outbound(20);
    r.addStream(a);
    r.addStream(inbound(10));
    a.sendFrame(vp8Frame(prng(3), 100, true), {}, 0);
    r.bye([20], 50, 'track stopped');
    expect(kinds(sent[0]!)).toEqual(['sr', 'sdes', 'bye']);
    expect(sent[0]![2]).toEqual({ kind: 'bye', ssrcs: [20], reason: 'track stopped' });
    r.sendReport(100);
    expect(kinds(sent[1]!)).toEqual(['rr', 'sdes']);
    // With nothing registered: an empty RR from the first SSRC leaving; BYE split by 31.
    const lone = reporter();
    lone.r.bye(
      Array.from({ length: 33 }, (_, i) => i + 1),
      0,
    );
    expect(kinds(lone.sent[0]!)).toEqual(['rr', 'sdes', 'bye', 'bye']);
  });

  it('feedback: alone with reduced-size RTCP (RFC 5506), else after an empty RR and SDES (RFC 4585 §3.1 minimal compound)', () => {
    const pli: RtcpPacket = { kind: 'pli', senderSsrc: 1, mediaSsrc: 9 };
    const compound = reporter();
    compound.r.sendFeedback([pli]);
    expect(kinds(compound.sent[0]!)).toEqual(['rr', 'sdes', 'pli']);
    const rsize = reporter({ reducedSize: true });
    rsize.r.sendFeedback([pli]);
    expect(rsize.sent[0]).toEqual([pli]);
    rsize.r.sendFeedback([]);
    expect(rsize.sent.length).toBe(1);
  });

  it('routes a received compound to the streams it is about, counting what reaches none', () => {
    const { r } = reporter();
    const requests: string[] = [];
    const out = new OutboundRtpStream({
      ssrc: 20,
      payloadType: 96,
      clockRate: 90_000,
      mimeType: 'video/VP8',
      send: () => {},
      onKeyframeRequest: (q) => requests.push(q.kind),
    });
    const inb = inbound(10);
    r.addStream(out);
    r.addStream(inb);
    const block = {
      ssrc: 20,
      fractionLost: 0,
      cumulativeLost: 2,
      highestSequenceNumber: 5,
      jitter: 0,
      lastSenderReport: 0,
      delaySinceLastSenderReport: 0,
    };
    const unrouted = r.receiveRtcp(
      [
        {
          kind: 'sr',
          ssrc: 10,
          ntpSeconds: 1,
          ntpFraction: 0,
          rtpTimestamp: 0,
          packetCount: 1,
          octetCount: 1,
          reports: [block],
        },
        {
          kind: 'sdes',
          chunks: [{ ssrc: 10, items: [{ type: SdesItemType.CNAME, text: 'peer' }] }],
        },
        { kind: 'pli', senderSsrc: 10, mediaSsrc: 20 },
        { kind: 'fir', senderSsrc: 10, mediaSsrc: 0, entries: [{ ssrc: 20, sequenceNumber: 1 }] },
        { kind: 'pli', senderSsrc: 10, mediaSsrc: 99 },
        { kind: 'bye', ssrcs: [10] },
      ],
      5,
    );
    expect(unrouted).toBe(1);
    expect(r.stats.unrouted).toBe(1);
    expect(out.remoteInbound?.packetsLost).toBe(2);
    expect(requests).toEqual(['pli', 'fir']);
    expect(inb.remoteOutbound?.packetsSent).toBe(1);
    expect(inb.cname).toBe('peer');
    expect(inb.bye).toEqual({ arrivalMs: 5 });
    // After its BYE, no report block about it (RFC 3550 §6.3.4).
    const sent: RtcpPacket[][] = [];
    const other = new RtcpReporter({
      cname: 'x',
      send: (c) => sent.push(parseRtcp(c) as RtcpPacket[]),
    });
    other.addStream(inb);
    other.sendReport(10);
    expect(sent[0]![0]).toMatchObject({ kind: 'rr', reports: [] });
    r.removeStream(inb);
    expect(r.receiveRtcp([{ kind: 'bye', ssrcs: [10] }], 6)).toBe(1);
  });
});
