import { describe, expect, it } from 'vitest';
import { prng, vp8Frame } from '../codecs/testing-frames.js';
import { RtpError } from '../errors.js';
import { readMid, readRepairedRid, readRid } from '../packet/extension-strings.js';
import {
  absSendTimeFromMicros,
  readAbsSendTime,
  readAudioLevel,
  readTransportSequenceNumber,
} from '../packet/extension-values.js';
import { parseRtp, type RtpPacket } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import { compactNtp, ntpTimeFromUnixMs } from '../rtcp/ntp.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import { unwrapRtxPacket } from '../stream/rtx.js';
import type { OutboundRtpStreamOptions } from './outbound-options.js';
import { OutboundRtpStream } from './outbound-stream.js';
import type { KeyframeRequest, RtpStage } from './stage.js';
import { TransportSequenceCounter } from './transport-sequence.js';

const ids = { mid: 1, rid: 2, absSendTime: 3, transportSequenceNumber: 4, audioLevel: 5 };

function make(overrides: Partial<OutboundRtpStreamOptions> = {}) {
  const sent: RtpPacket[] = [];
  const stream = new OutboundRtpStream({
    ssrc: 0xaabb_ccdd,
    payloadType: 96,
    clockRate: 90_000,
    mimeType: 'video/VP8',
    initialSequenceNumber: 65_534,
    timestampOffset: 1000,
    send: (bytes) => {
      const p = parseRtp(bytes);
      if (typeof p === 'string') throw new Error(p);
      sent.push(p);
    },
    ...overrides,
  });
  return { stream, sent };
}

function rtp(fields: {
  seq: number;
  ts: number;
  marker?: boolean;
  csrcs?: number[];
  ext?: boolean;
}) {
  const p = parseRtp(
    serializeRtp({
      payloadType: 100,
      sequenceNumber: fields.seq,
      timestamp: fields.ts,
      ssrc: 0x0102_0304,
      marker: fields.marker ?? false,
      ...(fields.csrcs ? { csrcs: fields.csrcs } : {}),
      ...(fields.ext ? { extensions: [{ id: 1, data: Uint8Array.of(0x78) }] } : {}),
      payload: Uint8Array.of(1, 2, 3, 4),
    }),
  );
  if (typeof p === 'string') throw new Error(p);
  return p;
}

describe('OutboundRtpStream: frames', () => {
  it('numbers packets across the 16-bit wrap, one timestamp a frame, the marker on the last (RFC 3550 §5.1)', () => {
    const { stream, sent } = make();
    const rng = prng(1);
    const n = stream.sendFrame(vp8Frame(rng, 5000, true), { captureTimeMs: 10 }, 10);
    expect(n).toBe(sent.length);
    expect(n).toBeGreaterThan(4);
    expect(sent.map((p) => p.sequenceNumber)).toEqual(
      Array.from({ length: n }, (_, i) => (65_534 + i) & 0xffff),
    );
    expect(new Set(sent.map((p) => p.timestamp))).toEqual(new Set([1000 + 900]));
    expect(sent.map((p) => p.marker)).toEqual(sent.map((_, i) => i === n - 1));
    for (const p of sent) {
      expect(p.bytes.length).toBeLessThanOrEqual(1200);
      expect(p.ssrc).toBe(0xaabb_ccdd);
      expect(p.payloadType).toBe(96);
    }
    // An encoder's timestamp is offset, not converted.
    stream.sendFrame(vp8Frame(rng, 100, false), { rtpTimestamp: 0xffff_ffff }, 40);
    expect(sent.at(-1)!.timestamp).toBe(999);
    const s = stream.stats;
    expect(s.framesSent).toBe(2);
    expect(s.keyFramesSent).toBe(0);
    expect(s.packetsSent).toBe(sent.length);
    expect(s.bytesSent).toBe(sent.reduce((a, p) => a + p.payload.length, 0));
    expect(s.headerBytesSent).toBe(sent.reduce((a, p) => a + p.headerSize, 0));
    expect(s.lastSentRtpTimestamp).toBe(999);
    expect(s.lastPacketSentMs).toBe(40);
  });

  it('keeps maxPacketSize with every extension, and the marker of a spatial layer can be cleared', () => {
    const { stream, sent } = make({
      maxPacketSize: 300,
      extensionIds: ids,
      mid: '0',
      rid: 'hi',
      transportSequence: new TransportSequenceCounter(),
    });
    stream.sendFrame(vp8Frame(prng(2), 3000, true), { marker: false, keyframe: true }, 0);
    for (const p of sent) expect(p.bytes.length).toBeLessThanOrEqual(300);
    expect(sent.some((p) => p.marker)).toBe(false);
    expect(stream.stats.keyFramesSent).toBe(1);
  });

  it('audio: the marker only on a talkspurt start (RFC 3551 §4.1), the audio level when given (RFC 6464)', () => {
    const { stream, sent } = make({
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48_000,
      extensionIds: ids,
    });
    expect(stream.kind).toBe('audio');
    stream.sendFrame(
      Uint8Array.of(0xf8, 1, 2),
      { marker: true, audioLevel: { voiceActivity: true, level: 30 } },
      0,
    );
    stream.sendFrame(Uint8Array.of(0xf8, 3), { captureTimeMs: 20 }, 20);
    expect(sent.map((p) => p.marker)).toEqual([true, false]);
    expect(readAudioLevel(sent[0]!, ids.audioLevel)).toEqual({ voiceActivity: true, level: 30 });
    expect(readAudioLevel(sent[1]!, ids.audioLevel)).toBeUndefined();
    expect(sent[1]!.timestamp - sent[0]!.timestamp).toBe(960);
  });

  it('sendPayload: another payload type in the same numbering, at a timestamp of the stream timeline (RFC 4733 events)', () => {
    const counter = new TransportSequenceCounter(7);
    const { stream, sent } = make({
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48_000,
      initialSequenceNumber: 0xffff,
      extensionIds: { mid: 1, transportSequenceNumber: 4 },
      mid: 'a',
      transportSequence: counter,
    });
    // Before any frame: the offset plus the clock (what sendFrame without a timestamp uses).
    expect(stream.rtpTimestampAt(10)).toBe(1000 + 480);
    stream.sendFrame(Uint8Array.of(0xf8, 1), { rtpTimestamp: 9600 }, 100);
    // 30 ms after the frame: its timestamp plus 30 ms of the 48 kHz clock.
    const at = stream.rtpTimestampAt(130);
    expect(at).toBe(1000 + 9600 + 1440);
    stream.sendPayload(
      Uint8Array.of(5, 10, 0, 0),
      { payloadType: 110, rtpTimestamp: at, marker: true },
      130,
    );
    stream.sendPayload(Uint8Array.of(5, 0x8a, 0, 160), { payloadType: 110, rtpTimestamp: at }, 180);
    stream.sendFrame(Uint8Array.of(0xf8, 2), { rtpTimestamp: 9600 + 4800 }, 200);
    expect(sent.map((p) => [p.sequenceNumber, p.payloadType, p.marker, p.timestamp])).toEqual([
      [0xffff, 111, false, 1000 + 9600],
      [0, 110, true, at],
      [1, 110, false, at],
      [2, 111, false, 1000 + 9600 + 4800],
    ]);
    expect(sent.map((p) => readTransportSequenceNumber(p, 4))).toEqual([7, 8, 9, 10]);
    expect(sent.every((p) => p.ssrc === 0xaabb_ccdd && readMid(p, 1) === 'a')).toBe(true);
    const s = stream.stats;
    expect(s.packetsSent).toBe(4);
    expect(s.framesSent).toBe(2);
    expect(s.bytesSent).toBe(2 + 4 + 4 + 2);
    // The frames' timeline is the sender report's: the events left it alone.
    expect(s.lastSentRtpTimestamp).toBe(1000 + 9600 + 4800);
    // And a NACK for an event packet finds it in the history.
    expect(stream.retransmit(1, 220)).toBe(true);
    expect(sent.at(-1)!.payloadType).toBe(110);
  });

  it('adds mid, rid and abs-send-time, and one transport-wide counter numbers every stream', () => {
    const counter = new TransportSequenceCounter(0xfffe);
    const a = make({ extensionIds: ids, mid: '1', rid: 'q', transportSequence: counter });
    const b = make({ ssrc: 5, extensionIds: ids, mid: '2', transportSequence: counter });
    const rng = prng(3);
    a.stream.sendFrame(vp8Frame(rng, 2000, true), {}, 1500);
    b.stream.sendFrame(vp8Frame(rng, 100, true), {}, 1500);
    a.stream.sendFrame(vp8Frame(rng, 100, false), {}, 1533);
    const all = [...a.sent.slice(0, -1), ...b.sent, a.sent.at(-1)!];
    expect(all.map((p) => readTransportSequenceNumber(p, ids.transportSequenceNumber))).toEqual(
      all.map((_, i) => (0xfffe + i) & 0xffff),
    );
    expect(counter.next).toBe((0xfffe + all.length) & 0xffff);
    expect(readMid(a.sent[0]!, ids.mid)).toBe('1');
    expect(readRid(a.sent[0]!, ids.rid)).toBe('q');
    expect(readMid(b.sent[0]!, ids.mid)).toBe('2');
    expect(readRid(b.sent[0]!, ids.rid)).toBeUndefined();
    expect(readAbsSendTime(a.sent[0]!, ids.absSendTime)).toBe(absSendTimeFromMicros(1_500_000));
    // Without a counter, or without the id, no transport-wide number.
    const c = make({ extensionIds: { mid: 1 }, mid: '0', transportSequence: counter });
    c.stream.sendFrame(vp8Frame(rng, 100, true), {}, 0);
    expect(c.sent[0]!.extensions().map((e) => e.id)).toEqual([1]);
  });

  it('starts from random numbers (RFC 3550 §5.1) drawn from the given source', () => {
    const draws = [0.25, 0.5];
    const { stream, sent } = make({
      initialSequenceNumber: undefined,
      timestampOffset: undefined,
      random: () => draws.shift() ?? 0,
    });
    stream.sendFrame(vp8Frame(prng(4), 50, true), { captureTimeMs: 0 }, 0);
    expect(sent[0]!.sequenceNumber).toBe(0x4000);
    expect(sent[0]!.timestamp).toBe(0x8000_0000);
  });

  it('refuses bad options and a frame without payloader (RtpConfigurationError)', () => {
    expect(() => make({ ssrc: -1 })).toThrow(RtpError);
    expect(() => make({ payloadType: 128 })).toThrow(/payloadType/);
    expect(() => make({ clockRate: 0 })).toThrow(/clockRate/);
    expect(() => make({ maxPacketSize: 50 })).toThrow(/maxPacketSize/);
    expect(() => make({ mimeType: 'video/H265' })).toThrow(/no payloader/);
    const { stream } = make({ mimeType: undefined });
    expect(() => stream.sendFrame(Uint8Array.of(1), {}, 0)).toThrow(/no payloader/);
  });
});

describe('OutboundRtpStream: forwarding RTP (sendRtp)', () => {
  it('rewrites SSRC, payload type, sequence numbers and timestamps, keeping gaps, order and CSRCs', () => {
    const { stream, sent } = make({ extensionIds: { mid: 1 }, mid: 'v' });
    const input = [
      rtp({ seq: 100, ts: 5000, csrcs: [7], ext: true }),
      rtp({ seq: 101, ts: 5000, marker: true }),
      rtp({ seq: 104, ts: 8000 }), // 102 and 103 lost upstream
      rtp({ seq: 103, ts: 8000 }), // reordered
    ];
    const before = Buffer.from(input[0]!.bytes);
    for (const p of input) stream.sendRtp(p, 0);
    expect(Buffer.from(input[0]!.bytes).equals(before)).toBe(true);
    expect(sent.map((p) => p.sequenceNumber)).toEqual([65_534, 65_535, 2, 1]);
    expect(sent.map((p) => p.timestamp)).toEqual([1000, 1000, 4000, 4000]);
    expect(sent.every((p) => p.ssrc === 0xaabb_ccdd && p.payloadType === 96)).toBe(true);
    expect(sent[0]!.csrcs).toEqual([7]);
    expect(sent.map((p) => p.marker)).toEqual([false, true, false, false]);
    // Our extensions, not the input's (id 1 is our mid here, not the input's byte).
    expect(readMid(sent[0]!, 1)).toBe('v');
    expect(stream.stats.framesSent).toBe(1);
    // A new source after resync(): our numbering continues, the timestamp moves on with time.
    stream.resync();
    stream.sendRtp(rtp({ seq: 9, ts: 123 }), 100);
    expect(sent.at(-1)!.sequenceNumber).toBe(3);
    expect(sent.at(-1)!.timestamp).toBe(4000 + 9000);
    // An input packet older than the first after resync() would reuse one of our numbers.
    expect(stream.sendRtp(rtp({ seq: 8, ts: 123 }), 101)).toBe(false);
    expect(stream.stats.forwardedTooOld).toBe(1);
    expect(sent.at(-1)!.sequenceNumber).toBe(3);
    // A frame after forwarding continues the numbering too.
    stream.sendFrame(vp8Frame(prng(5), 50, true), { captureTimeMs: 200 }, 200);
    expect(sent.at(-1)!.sequenceNumber).toBe(4);
  });
});

describe('OutboundRtpStream: retransmission', () => {
  it('sends a kept packet again, on RTX when configured (RFC 4588 §4), with a new transport-wide number', () => {
    const counter = new TransportSequenceCounter(10);
    const { stream, sent } = make({
      extensionIds: ids,
      transportSequence: counter,
      rtx: { ssrc: 99, payloadType: 97 },
    });
    stream.sendFrame(vp8Frame(prng(6), 3000, true), {}, 0);
    const original = sent[1]!;
    const count = sent.length;
    expect(stream.retransmit(original.sequenceNumber, 50)).toBe(true);
    const again = sent[count]!;
    expect(again.ssrc).toBe(99);
    expect(again.payloadType).toBe(97);
    expect(readTransportSequenceNumber(again, ids.transportSequenceNumber)).toBe(10 + count);
    const restored = unwrapRtxPacket(again.bytes, { ssrc: 0xaabb_ccdd, payloadType: 96 });
    expect(restored.ok && restored.sequenceNumber).toBe(original.sequenceNumber);
    expect(
      restored.ok &&
        Buffer.from(restored.packet)
          .subarray(original.headerSize)
          .equals(Buffer.from(original.payload)),
    ).toBe(true);
    expect(stream.stats.retransmittedPacketsSent).toBe(1);
    expect(stream.stats.retransmittedBytesSent).toBe(original.payload.length);
    expect(stream.stats.packetsSent).toBe(count + 1); // W3C: retransmissions included
    expect(stream.stats.bytesSent).toBe(
      sent.slice(0, count).reduce((a, p) => a + p.payload.length, 0) + again.payload.length,
    );
    expect(stream.history!.get(original.sequenceNumber, 50)!.retransmissions).toBe(1);
    expect(stream.retransmit((original.sequenceNumber + 500) & 0xffff, 50)).toBe(false);
  });

  it('names the repaired layer on RTX with the RepairedRtpStreamId, not the RID (RFC 8852 §3.2)', () => {
    const withRrid = { ...ids, repairedRid: 6 };
    const { stream, sent } = make({
      extensionIds: withRrid,
      mid: '0',
      rid: 'm',
      rtx: { ssrc: 99, payloadType: 97 },
    });
    stream.sendFrame(vp8Frame(prng(8), 500, true), {}, 0);
    expect(readRid(sent[0]!, withRrid.rid)).toBe('m');
    expect(stream.retransmit(sent[0]!.sequenceNumber, 10)).toBe(true);
    const rtx = sent[sent.length - 1]!;
    expect(rtx.ssrc).toBe(99);
    expect(readRid(rtx, withRrid.rid)).toBeUndefined();
    expect(readRepairedRid(rtx, withRrid.repairedRid)).toBe('m');
    expect(readMid(rtx, withRrid.mid)).toBe('0');
    // The original in the history keeps its RID (a second retransmission rewrites it again).
    expect(stream.retransmit(sent[0]!.sequenceNumber, 20)).toBe(true);
    expect(readRepairedRid(sent[sent.length - 1]!, withRrid.repairedRid)).toBe('m');
  });

  it('without RTX, resends the packet as it was', () => {
    const { stream, sent } = make();
    stream.sendFrame(vp8Frame(prng(7), 100, true), {}, 0);
    expect(stream.retransmit(sent[0]!.sequenceNumber, 10)).toBe(true);
    expect(Buffer.from(sent[1]!.bytes).equals(Buffer.from(sent[0]!.bytes))).toBe(true);
    const none = make({ history: false });
    none.stream.sendFrame(vp8Frame(prng(7), 100, true), {}, 0);
    expect(none.stream.retransmit(none.sent[0]!.sequenceNumber, 10)).toBe(false);
  });
});

describe('OutboundRtpStream: padding for bandwidth probes', () => {
  it('makes padding-only RTX packets with the next RTX number and a transport-wide number only; none without RTX', () => {
    const twcc = new TransportSequenceCounter(7);
    const { stream, sent } = make({
      extensionIds: ids,
      mid: '0',
      rid: 'h',
      rtx: { ssrc: 99, payloadType: 97 },
      transportSequence: twcc,
    });
    stream.sendFrame(vp8Frame(prng(3), 300, true), {}, 0);
    const frame = sent[sent.length - 1]!;
    const before = stream.stats.packetsSent;
    const a = parseRtp(stream.padding(300)!) as RtpPacket;
    const b = parseRtp(stream.padding(100)!) as RtpPacket;
    expect([a.ssrc, a.payloadType, a.payload.length, a.paddingSize]).toEqual([99, 97, 0, 255]);
    expect(b.paddingSize).toBe(100);
    expect(b.sequenceNumber).toBe((a.sequenceNumber + 1) & 0xffff);
    expect(a.timestamp).toBe(frame.timestamp);
    // The transport-wide number only: no MID, RID or abs-send-time.
    expect(a.extensions().map((e) => e.id)).toEqual([ids.transportSequenceNumber]);
    const numbers = [frame, a, b].map((p) =>
      readTransportSequenceNumber(p, ids.transportSequenceNumber),
    );
    expect(numbers).toEqual([numbers[0], numbers[0]! + 1, numbers[0]! + 2]);
    // Not media: neither counted as sent nor kept for a NACK.
    expect(stream.stats.packetsSent).toBe(before);
    expect(stream.stats.paddingPacketsSent).toBe(2);
    expect(stream.retransmit(a.sequenceNumber, 10)).toBe(false);
    expect(make().stream.padding(100)).toBeUndefined();
  });
});

describe('OutboundRtpStream: sender report and the peer feedback', () => {
  it('makes an SR (RFC 3550 §6.4.1) with the RTP timestamp extrapolated from the last frame', () => {
    const { stream } = make({ timestampOffset: 0xffff_ff00 });
    const ntp = ntpTimeFromUnixMs(1_700_000_000_000);
    expect(stream.senderReport(0, ntp)).toBeUndefined(); // not a sender yet (§6.4)
    stream.sendFrame(vp8Frame(prng(8), 2000, true), { captureTimeMs: 100 }, 120);
    const sr = stream.senderReport(350, ntp)!;
    expect(sr.kind).toBe('sr');
    expect(sr.ssrc).toBe(0xaabb_ccdd);
    expect(sr.rtpTimestamp).toBe((0xffff_ff00 + 350 * 90) >>> 0); // wraps
    expect(sr.packetCount).toBe(stream.stats.packetsSent);
    expect(sr.octetCount).toBe(stream.stats.bytesSent);
    expect([sr.ntpSeconds, sr.ntpFraction]).toEqual([ntp.seconds, ntp.fraction]);
    expect(stream.stats.senderReportsSent).toBe(1);
  });

  it('measures the round-trip time from a report block (RFC 3550 §6.4.1 A − LSR − DLSR)', () => {
    const { stream } = make({ clockRate: 90_000 });
    stream.sendFrame(vp8Frame(prng(9), 100, true), {}, 0);
    const ntp = ntpTimeFromUnixMs(1_700_000_000_000);
    stream.senderReport(1000, ntp);
    const block = {
      ssrc: 0xaabb_ccdd,
      fractionLost: 64,
      cumulativeLost: 3,
      highestSequenceNumber: 70_000,
      jitter: 900,
      lastSenderReport: compactNtp(ntp),
      delaySinceLastSenderReport: 0x8000, // 500 ms held by the peer
    };
    stream.receiveRtcp({ kind: 'rr', ssrc: 1, reports: [{ ...block, ssrc: 42 }, block] }, 1620);
    const r = stream.remoteInbound!;
    expect(r.roundTripTime).toBeCloseTo(0.12, 6);
    expect(r.fractionLost).toBe(0.25);
    expect(r.packetsLost).toBe(3);
    expect(r.jitter).toBe(0.01);
    expect(r.highestSequenceNumber).toBe(70_000);
    expect(r.reportsReceived).toBe(1);
    // A block echoing no SR, or one we do not remember: counted, no RTT.
    stream.reportBlockReceived({ ...block, lastSenderReport: 0 }, 2000);
    stream.reportBlockReceived({ ...block, lastSenderReport: 12345 }, 2000);
    expect(stream.remoteInbound!.reportsReceived).toBe(3);
    expect(stream.remoteInbound!.roundTripTimeMeasurements).toBe(1);
  });

  it('answers PLI and new FIRs with onKeyframeRequest, counts NACKs, ignores other SSRCs', () => {
    const requests: KeyframeRequest[] = [];
    const { stream } = make({ onKeyframeRequest: (r) => requests.push(r) });
    const ssrc = 0xaabb_ccdd;
    const feedback: RtcpPacket[] = [
      { kind: 'pli', senderSsrc: 7, mediaSsrc: ssrc },
      { kind: 'pli', senderSsrc: 7, mediaSsrc: 8 },
      { kind: 'fir', senderSsrc: 7, mediaSsrc: 0, entries: [{ ssrc, sequenceNumber: 4 }] },
      { kind: 'fir', senderSsrc: 7, mediaSsrc: 0, entries: [{ ssrc, sequenceNumber: 4 }] }, // repeat
      { kind: 'fir', senderSsrc: 7, mediaSsrc: 0, entries: [{ ssrc, sequenceNumber: 5 }] },
      { kind: 'nack', senderSsrc: 7, mediaSsrc: ssrc, items: [{ pid: 1, blp: 0 }] },
    ];
    for (const p of feedback) stream.receiveRtcp(p, 0);
    expect(requests).toEqual([
      { kind: 'pli', senderSsrc: 7 },
      { kind: 'fir', senderSsrc: 7, sequenceNumber: 4 },
      { kind: 'fir', senderSsrc: 7, sequenceNumber: 5 },
    ]);
    expect(stream.stats).toMatchObject({ pliCount: 1, firCount: 2, nackCount: 1 });
  });

  it('runs its stages after its own work; a stage that throws is counted, the others still run', () => {
    const seen: string[] = [];
    const stages: RtpStage[] = [
      {
        name: 'bad',
        rtpSent: () => {
          throw new Error('boom');
        },
      },
      {
        name: 'log',
        rtpSent: (p, now) => seen.push(`rtp ${p.sequenceNumber} ${now}`),
        rtcpReceived: (p) => seen.push(`rtcp ${p.kind}`),
      },
    ];
    const { stream } = make({ stages, initialSequenceNumber: 7 });
    stream.sendFrame(vp8Frame(prng(10), 50, true), {}, 3);
    stream.receiveRtcp(
      { kind: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 1e6, ssrcs: [0xaabb_ccdd] },
      4,
    );
    expect(seen).toEqual(['rtp 7 3', 'rtcp remb']);
    expect(stream.stageErrors).toBe(1);
  });
});
