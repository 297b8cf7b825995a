import { describe, expect, it } from 'vitest';
import { prng, vp8Frame } from '../codecs/testing-frames.js';
import { Vp8Payloader } from '../codecs/vp8.js';
import { RtpError } from '../errors.js';
import { audioLevelExtension } from '../packet/extension-values.js';
import { parseRtp, type RtpPacket } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import { compactNtp, ntpTimeFromUnixMs } from '../rtcp/ntp.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import { SdesItemType } from '../rtcp/sdes.js';
import type { InboundRtpStreamOptions } from './inbound-options.js';
import { InboundRtpStream } from './inbound-stream.js';

const SSRC = 0x5555_0001;

function packet(
  seq: number,
  ts: number,
  payload: Uint8Array,
  marker = true,
  ssrc = SSRC,
): RtpPacket {
  const p = parseRtp(
    serializeRtp({
      payloadType: 96,
      sequenceNumber: seq,
      timestamp: ts,
      ssrc,
      marker,
      payload,
      paddingSize: 4,
    }),
  );
  if (typeof p === 'string') throw new Error(p);
  return p;
}

function make(overrides: Partial<InboundRtpStreamOptions> = {}) {
  const feedback: RtcpPacket[] = [];
  const stream = new InboundRtpStream({
    ssrc: SSRC,
    clockRate: 90_000,
    mimeType: 'video/VP8',
    sendFeedback: (p) => feedback.push(p),
    ...overrides,
  });
  return { stream, feedback };
}

/** VP8 frames as packets (one payload each, frames small), 30 fps. */
function vp8Packets(count: number, firstSeq = 10): RtpPacket[] {
  const payloader = new Vp8Payloader({ initialPictureId: 1 });
  const rng = prng(1);
  const out: RtpPacket[] = [];
  let seq = firstSeq;
  for (let i = 0; i < count; i++) {
    for (const payload of payloader.packetize(vp8Frame(rng, 200, i === 0), 1200)) {
      out.push(packet(seq++, i * 3000, payload));
    }
  }
  return out;
}

describe('InboundRtpStream', () => {
  it('releases frames, counts packets, bytes, headers and padding (webrtc-stats inbound-rtp)', () => {
    const { stream } = make();
    const packets = vp8Packets(5);
    for (const [i, p] of packets.entries()) expect(stream.receive(p, i * 33)).toBe('accepted');
    expect(stream.receive(packets[4]!, 200)).toBe('duplicate');
    const frames = stream.pop(200);
    expect(frames.map((f) => f.timestamp)).toEqual([0, 3000, 6000, 9000, 12000]);
    expect(frames[0]!.keyframe).toBe(true);
    const s = stream.stats;
    expect(s.packetsReceived).toBe(6);
    expect(s.bytesReceived).toBe(
      packets.reduce((a, p) => a + p.payload.length, 0) + packets[4]!.payload.length,
    );
    expect(s.headerBytesReceived).toBe(6 * (12 + 4));
    expect(s.packetsDiscarded).toBe(1);
    expect(s.framesReceived).toBe(5);
    expect(s.keyFramesReceived).toBe(1);
    expect(s.packetsLost).toBe(-1); // RFC 3550 §A.3: a duplicate counts as received
    expect(s.lastPacketReceivedTimestamp).toBe(200);
    expect(s.jitterBufferEmittedCount).toBe(5);
    expect(s.jitterBufferDelay).toBeCloseTo((200 + 167 + 134 + 101 + 68) / 1000, 6);
    expect(stream.nextDeadline()).toBeUndefined();
  });

  it('frames: false counts a packet of another format (RFC 4733 events) without a frame, and not as lost', () => {
    const { stream } = make({ clockRate: 48_000, mimeType: 'audio/opus' });
    const opus = (seq: number, ts: number) => packet(seq, ts, Uint8Array.of(0xf8, seq));
    const event = packet(101, 960, Uint8Array.of(1, 10, 0, 240));
    expect(stream.receive(opus(100, 0), 0)).toBe('accepted');
    expect(stream.receive(event, 10, { frames: false })).toBe('accepted');
    expect(stream.receive(opus(102, 960), 20)).toBe('accepted');
    const frames = stream.pop(20);
    expect(frames.map((f) => [...f.data])).toEqual([
      [0xf8, 100],
      [0xf8, 102],
    ]);
    const s = stream.stats;
    expect([s.packetsReceived, s.packetsLost, s.framesReceived, s.framesDropped]).toEqual([
      3, 0, 2, 0,
    ]);
    expect(s.bytesReceived).toBe(2 + 4 + 2);
  });

  it('counts a gap as lost (RFC 3550 §A.3), waits for a keyframe and asks with a PLI (RFC 4585 §6.3.1)', () => {
    const { stream, feedback } = make({ feedbackSsrc: 77 });
    const packets = vp8Packets(6);
    for (const [i, p] of packets.entries()) if (i !== 3) stream.receive(p, i * 33);
    const frames = stream.pop(1000);
    expect(frames.map((f) => f.timestamp)).toEqual([0, 3000, 6000]);
    expect(stream.keyframeNeeded).toBe(true);
    expect(stream.stats.packetsLost).toBe(1);
    expect(stream.stats.framesDropped).toBe(2);
    expect(stream.missing(1000)).toEqual([]);
    expect(stream.requestKeyframe()).toEqual({ kind: 'pli', senderSsrc: 77, mediaSsrc: SSRC });
    expect(feedback).toEqual([{ kind: 'pli', senderSsrc: 77, mediaSsrc: SSRC }]);
    expect(stream.stats.pliCount).toBe(1);
  });

  it('asks with FIR when configured, a new command sequence number each time (RFC 5104 §4.3.1.2)', () => {
    const { stream, feedback } = make({ keyframeRequest: 'fir' });
    stream.requestKeyframe();
    stream.requestKeyframe();
    expect(feedback).toEqual([
      { kind: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: SSRC, sequenceNumber: 0 }] },
      { kind: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: SSRC, sequenceNumber: 1 }] },
    ]);
    expect(stream.stats.firCount).toBe(2);
    stream.sendFeedback({
      kind: 'nack',
      senderSsrc: 1,
      mediaSsrc: SSRC,
      items: [{ pid: 3, blp: 0 }],
    });
    expect(stream.stats.nackCount).toBe(1);
  });

  it("keeps the peer's SR for LSR/DLSR (RFC 3550 §6.4.1) and remote-outbound-rtp", () => {
    const { stream } = make();
    for (const [i, p] of vp8Packets(3).entries()) stream.receive(p, i * 33);
    const ntp = ntpTimeFromUnixMs(1_700_000_000_500);
    const sr: RtcpPacket = {
      kind: 'sr',
      ssrc: SSRC,
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp: 6000,
      packetCount: 3,
      octetCount: 600,
      reports: [],
    };
    stream.receiveRtcp({ ...sr, ssrc: 9 }, 90); // another source: ignored
    expect(stream.remoteOutbound).toBeUndefined();
    stream.receiveRtcp(sr, 100);
    expect(stream.remoteOutbound).toEqual({
      remoteTimestamp: 1_700_000_000_500,
      rtpTimestamp: 6000,
      packetsSent: 3,
      bytesSent: 600,
      reportsSent: 1,
      arrivalMs: 100,
    });
    const block = stream.reportBlock(600)!;
    expect(block.ssrc).toBe(SSRC);
    expect(block.lastSenderReport).toBe(compactNtp(ntp));
    expect(block.delaySinceLastSenderReport).toBe(0x8000); // 500 ms in 1/65536 s
    expect(block.highestSequenceNumber).toBe(12);
  });

  it('records the CNAME (RFC 3550 §6.5.1) and the BYE with its reason (§6.6)', () => {
    const { stream } = make();
    stream.receiveRtcp(
      {
        kind: 'sdes',
        chunks: [{ ssrc: SSRC, items: [{ type: SdesItemType.CNAME, text: 'cam' }] }],
      },
      1,
    );
    stream.receiveRtcp({ kind: 'bye', ssrcs: [4] }, 2);
    expect(stream.bye).toBeUndefined();
    stream.receiveRtcp({ kind: 'bye', ssrcs: [4, SSRC], reason: 'stopped' }, 3);
    expect(stream.cname).toBe('cam');
    expect(stream.bye).toEqual({ reason: 'stopped', arrivalMs: 3 });
  });

  it('drops packets of another SSRC, counted; RTP-only streams keep statistics and no frames', () => {
    const { stream } = make({ depacketizer: false, kind: 'audio' });
    expect(stream.receive(packet(1, 0, Uint8Array.of(1), true, 42), 0)).toBe('wrong-ssrc');
    for (let i = 0; i < 4; i++)
      expect(stream.receive(packet(i, i * 960, Uint8Array.of(1)), i * 20)).toBe('accepted');
    expect(stream.pop(100)).toEqual([]);
    expect(stream.keyframeNeeded).toBe(false);
    expect(stream.stats).toMatchObject({ packetsReceived: 4, wrongSsrc: 1, framesReceived: 0 });
    expect(stream.reportBlock(100)!.highestSequenceNumber).toBe(3);
  });

  it('hands accepted packets and RTCP to its stages', () => {
    const seen: string[] = [];
    const { stream } = make({
      stages: [
        {
          name: 'log',
          rtpReceived: (p, at) => seen.push(`rtp ${p.sequenceNumber} ${at}`),
          rtcpReceived: (p) => seen.push(`rtcp ${p.kind}`),
        },
        {
          name: 'bad',
          rtcpReceived: () => {
            throw new Error('x');
          },
        },
      ],
    });
    const [p] = vp8Packets(1);
    stream.receive(p!, 5);
    stream.receive(p!, 6); // duplicate: not handed on
    stream.receiveRtcp({ kind: 'bye', ssrcs: [SSRC] }, 7);
    expect(seen).toEqual(['rtp 10 5', 'rtcp bye']);
    expect(stream.stageErrors).toBe(1);
  });

  it('keeps the newest packet with its audio level (RFC 6464) for getSynchronizationSources', () => {
    const { stream } = make({ mimeType: 'audio/opus', extensionIds: { audioLevel: 3 } });
    expect(stream.lastPacket).toBeUndefined();
    const withLevel = (seq: number, ts: number, level: number) => {
      const p = parseRtp(
        serializeRtp({
          payloadType: 111,
          sequenceNumber: seq,
          timestamp: ts,
          ssrc: SSRC,
          extensions: [audioLevelExtension(3, { voiceActivity: true, level })],
          payload: Uint8Array.of(0xf8),
        }),
      );
      if (typeof p === 'string') throw new Error(p);
      return p;
    };
    stream.receive(withLevel(1, 960, 20), 10);
    stream.receive(withLevel(0, 0, 40), 12); // older: not the newest
    expect(stream.lastPacket).toEqual({
      arrivalMs: 10,
      rtpTimestamp: 960,
      audioLevel: { voiceActivity: true, level: 20 },
    });
  });

  it('refuses options it cannot use (RtpConfigurationError)', () => {
    expect(() => make({ mimeType: 'video/H265' })).toThrow(RtpError);
    expect(() => make({ mimeType: undefined })).toThrow(/depacketizer/);
    expect(() => make({ feedbackSsrc: 2 ** 32 })).toThrow(/feedbackSsrc/);
    expect(() => make({ clockRate: 0 })).toThrow(/clockRate/);
    expect(make({ mimeType: 'audio/opus' }).stream.kind).toBe('audio');
  });
});
